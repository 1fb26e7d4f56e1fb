"""The one export writer: CSV and Excel, labels or raw codes, numbers as numbers, dates as
dates, and a sheet split at Excel's row limit (tested with a small limit injected)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from brokerlens.access.exports import Exported, RowSink
from brokerlens.web.export import Presentation, TableWriter, export_response

COLUMNS = ["customer_id", "customer_type", "gender", "total_assets_t", "open_date", "return_6m"]
ROWS: list[list[Any]] = [
    ["C001", "individual", "M", 64181875.62625, dt.date(2020, 5, 6), 0.1234567891],
    ["C002", "institution", "F", Decimal("1000.005"), dt.date(2021, 1, 2), None],
    ["C003", "individual", None, 12, None, -0.05],
    ["=cmd", "individual", "M", 0.0, dt.date(2022, 3, 4), 0.0],
]


def _write(fmt: str, show: Presentation, rows: list[list[Any]], **kw: Any) -> Path:
    writer = TableWriter(fmt, show, **kw)  # type: ignore[arg-type]
    writer.columns(COLUMNS)
    for row in rows:
        writer.row(row)
    return Path(writer.close())


def _sheets(path: Path) -> dict[str, str]:
    """Each worksheet's XML of an xlsx, with the shared strings inlined where used."""
    with zipfile.ZipFile(path) as book:
        names = sorted(
            (n for n in book.namelist() if n.startswith("xl/worksheets/sheet")),
            key=lambda n: int(re.sub(r"\D", "", n)),
        )
        strings: list[str] = []
        if "xl/sharedStrings.xml" in book.namelist():
            shared = book.read("xl/sharedStrings.xml").decode()
            strings = re.findall(r"<t[^>]*>([^<]*)</t>", shared)
        sheets = {}
        for name in names:
            xml = book.read(name).decode()
            sheets[name] = re.sub(
                r'<c r="([A-Z]+\d+)"([^>]*) t="s"([^>]*)><v>(\d+)</v></c>',
                lambda m: f'<c r="{m.group(1)}" t="str"><v>{strings[int(m.group(4))]}</v></c>',
                xml,
            )
        return sheets


def _cells(xml: str) -> dict[str, tuple[str | None, str]]:
    """Cell reference -> (type, value) of a sheet's XML: "str" for text, None for a number."""
    found: dict[str, tuple[str | None, str]] = {}
    for ref, attrs, body in re.findall(r'<c r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', xml):
        kind = re.search(r't="(\w+)"', attrs)
        text = re.search(r"<t[^>]*>([^<]*)</t>|<v>([^<]*)</v>", body or "")
        if text is None:
            continue
        value = text.group(1) if text.group(1) is not None else text.group(2)
        found[ref] = ("str" if kind and kind.group(1) in ("inlineStr", "str", "s") else None, value)
    return found


def test_csv_has_chinese_headers_labels_and_exact_amounts(tmp_path: Path) -> None:
    path = _write("csv", Presentation("zh"), ROWS, directory=str(tmp_path))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0][0] == "客户号" and "总资产" in lines[0][3] and "customer_type" not in lines[0]
    assert lines[1][1:3] == ["个人", "男"]
    assert lines[1][3] == "64181875.63"  # to the cent, never 64181875.62625
    assert lines[2][3] == "1000.01" and lines[2][1] == "机构"
    assert lines[1][4] == "2020-05-06" and lines[1][5] == "0.123457"
    assert lines[3][4] == "" and lines[4][0] == "'=cmd"  # a formula is text
    assert len(lines) == 1 + len(ROWS)


def test_csv_codes_keep_column_codes_and_raw_values(tmp_path: Path) -> None:
    path = _write("csv", Presentation("zh", codes=True), ROWS, directory=str(tmp_path))
    lines = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    assert lines[0] == COLUMNS
    assert lines[1][:4] == ["C001", "individual", "M", "64181875.63"]


def test_xlsx_numbers_are_numbers_and_dates_are_dates(tmp_path: Path) -> None:
    path = _write("xlsx", Presentation("zh"), ROWS, directory=str(tmp_path))
    (sheet,) = _sheets(path).values()
    cells = _cells(sheet)
    assert cells["A1"] == ("str", "客户号") and cells["B2"] == ("str", "个人")
    assert cells["C2"] == ("str", "男")
    assert cells["D2"] == (None, "64181875.63")  # a number cell, rounded to the cent
    assert cells["D4"] == (None, "12")
    # a date is a serial number with a date format: 2020-05-06 is day 43957
    assert cells["E2"] == (None, "43957")
    assert cells["F2"][0] is None and float(cells["F2"][1]) == 0.123457
    assert cells["A5"] == ("str", "=cmd") and "<f>" not in sheet  # text, never a formula


def test_xlsx_splits_into_sheets_at_the_row_limit(tmp_path: Path) -> None:
    rows = [[f"C{i:03d}", "individual", "M", i * 1.5, dt.date(2020, 1, 1), 0.1] for i in range(7)]
    # 3 rows a sheet, the header included: 2 data rows each -> 4 sheets for 7 rows
    path = _write("xlsx", Presentation("zh"), rows, max_rows=3, directory=str(tmp_path))
    sheets = list(_sheets(path).values())
    assert len(sheets) == 4
    ids = []
    for xml in sheets:
        cells = _cells(xml)
        assert cells["A1"] == ("str", "客户号")  # each sheet with its header
        assert "A4" not in cells
        ids += [v for ref, (_, v) in sorted(cells.items()) if ref[0] == "A" and ref != "A1"]
    assert ids == [f"C{i:03d}" for i in range(7)]
    with zipfile.ZipFile(path) as book:
        workbook = book.read("xl/workbook.xml").decode()
    assert re.findall(r'<sheet name="([^"]+)"', workbook) == ["数据1", "数据2", "数据3", "数据4"]


def test_an_empty_export_keeps_its_header(tmp_path: Path) -> None:
    path = _write("xlsx", Presentation("zh"), [], directory=str(tmp_path))
    (sheet,) = _sheets(path).values()
    assert _cells(sheet)["A1"] == ("str", "客户号")


def test_the_response_deletes_its_file_and_a_failure_leaves_none(tmp_path: Path) -> None:
    def write(sink: RowSink) -> Exported:
        sink.columns(["customer_id"])
        sink.row(["C1"])
        return Exported("customers_x", 1)

    response = export_response(write, "xlsx", Presentation("zh"))
    assert response.headers["content-disposition"].endswith("customers_x.xlsx")
    assert Path(response.path).exists()  # type: ignore[attr-defined]

    def broken(sink: RowSink) -> Exported:
        sink.columns(["customer_id"])
        raise RuntimeError("boom")

    before = set(Path(response.path).parent.glob("*.csv"))  # type: ignore[attr-defined]
    with contextlib.suppress(RuntimeError):
        export_response(broken, "csv", Presentation("zh"))
    after = set(Path(response.path).parent.glob("*.csv"))  # type: ignore[attr-defined]
    assert after == before

"""Excel workbooks of typed sheets (xlsxwriter, constant-memory mode), and the number formats,
column widths and sheet names the web's list exports (`web/export.py`) share with them.

A sheet is written as: a title row (the report, the sheet, T), the header row (bold, shaded),
both frozen; then the rows, each cell typed by its column's format (numbers as numbers, dates
as dates, never text); a native chart beside the table where the sheet asks for one. Excel
holds 1,048,576 rows a sheet: longer rows go on in further sheets (`<title> (2)` ...), each with
the title and header rows, so no row is ever dropped (`max_rows` is a parameter so a test can
use a small one). Column widths count a Chinese character as two.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from brokerlens.analysis.reports.model import Chart, Column, Sheet

EXCEL_MAX_ROWS = 1_048_576  # rows of one sheet, the title and header rows included
HEAD_ROWS = 2  # the title row and the header row
NUMBER_FORMATS: dict[str, str] = {
    "yuan": "#,##0.00",
    "integer": "#,##0",
    "number": "#,##0.00",
    "percent": "0.00%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
HEADER_STYLE: dict[str, Any] = {"bold": True, "bg_color": "#EEF2F7", "bottom": 1, "valign": "top"}
TITLE_STYLE: dict[str, Any] = {"bold": True, "font_size": 12}
CHART_POINTS = 200  # a chart draws the first rows only: past that it is unreadable
WIDTH_SAMPLE = 200  # rows looked at for a column's width
MIN_WIDTH, MAX_WIDTH = 8, 50
SHEET_NAME_LIMIT = 31
BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
BATCH = 8_192


def display_width(text: str) -> int:
    """Columns `text` takes in a spreadsheet: two for a wide (Chinese) character, else one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_width(header: str, samples: Iterable[str] = ()) -> int:
    """A column's width: its header's or its widest sample's, with a margin, within bounds."""
    widest = max((display_width(s) for s in samples), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(display_width(header), widest) + 2))


def sheet_name(title: str, taken: set[str], part: int = 1) -> str:
    """A legal, unused sheet name (31 characters, no []:*?/\\): `title`, `title (2)` ..."""
    base = title.translate(BAD_SHEET_CHARS).strip("'") or "Sheet"
    n = part
    while True:
        suffix = f" ({n})" if n > 1 else ""
        name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        if name.lower() not in {t.lower() for t in taken}:
            taken.add(name)
            return name
        n += 1


@dataclass(frozen=True)
class WrittenSheet:
    """One report sheet as written: the Excel sheets it took and its rows."""

    id: str
    names: tuple[str, ...]
    rows: int


def _sample_text(value: Any, fmt: str) -> str:
    if value is None:
        return ""
    if fmt in ("yuan", "number") and isinstance(value, int | float | Decimal):
        return f"{value:,.2f}"
    if fmt == "integer" and isinstance(value, int | float | Decimal):
        return f"{value:,.0f}"
    if fmt == "percent" and isinstance(value, int | float | Decimal):
        return f"{float(value) * 100:.2f}%"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _SheetWriter:
    """Writes one report sheet's rows into as many Excel sheets as its rows need."""

    def __init__(
        self,
        book: Any,
        sheet: Sheet,
        *,
        heading: str,
        language: str,
        max_rows: int,
        taken: set[str],
        styles: dict[str, Any],
    ) -> None:
        self.book, self.sheet, self.heading, self.language = book, sheet, heading, language
        self.per_sheet = max_rows - HEAD_ROWS
        self.taken, self.styles = taken, styles
        self.columns: Sequence[Column] = sheet.columns
        self.formats = [styles.get(c.format) for c in self.columns]
        self.names: list[str] = []
        self.widths: list[int] = []
        self.current: Any = None
        self.first: tuple[Any, str] | None = None  # the first Excel sheet: where a chart goes
        self.row = 0
        self.count = 0

    def write(self) -> WrittenSheet:
        table = self.sheet.table
        batches = table.to_batches(max_chunksize=BATCH)
        first = [b.to_pylist() for b in table.slice(0, WIDTH_SAMPLE).to_batches()]
        samples = [r for rows in first for r in rows]
        self.widths = [
            column_width(
                c.label(self.language), (_sample_text(r[c.name], c.format) for r in samples)
            )
            for c in self.columns
        ]
        for batch in batches:
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for values in zip(*columns, strict=True):
                self._row(values)
        if self.current is None:
            self._open()  # an empty sheet still has its header
        return WrittenSheet(self.sheet.id, tuple(self.names), self.count)

    def _open(self) -> None:
        title = self.sheet.title(self.language)
        name = sheet_name(title, self.taken, len(self.names) + 1)
        self.names.append(name)
        ws = self.book.add_worksheet(name)
        for col, width in enumerate(self.widths):
            ws.set_column(col, col, width, self.formats[col])
        ws.write_string(0, 0, self.heading, self.styles["title"])
        for col, column in enumerate(self.columns):
            ws.write_string(1, col, column.label(self.language), self.styles["header"])
        ws.freeze_panes(HEAD_ROWS, 0)
        if self.first is None:
            self.first = (ws, name)
        self.current, self.row = ws, HEAD_ROWS

    def _row(self, values: Sequence[Any]) -> None:
        if self.current is None or self.row - HEAD_ROWS >= self.per_sheet:
            self._open()
        ws, row = self.current, self.row
        for col, value in enumerate(values):
            if value is None:
                continue
            fmt = self.columns[col].format
            style = self.formats[col]
            if isinstance(value, bool):
                ws.write_boolean(row, col, value)
            elif isinstance(value, int | float | Decimal) and fmt != "text":
                if isinstance(value, float) and not math.isfinite(value):
                    continue
                # a Decimal goes in as itself: the cell reads 89.82, not 89.81999999999999
                ws.write_number(row, col, value, style)
            elif isinstance(value, dt.datetime):
                plain = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
                ws.write_datetime(row, col, plain, self.styles["datetime"])
            elif isinstance(value, dt.date):
                ws.write_datetime(row, col, value, self.styles["date"])
            else:
                ws.write_string(row, col, str(value))
        self.row += 1
        self.count += 1

    def add_chart(self) -> None:
        """The sheet's chart, over the first rows of its first Excel sheet, beside the table."""
        spec = self.sheet.chart
        if spec is None or self.first is None or self.count == 0:
            return
        ws, name = self.first
        add_chart(self.book, ws, name, spec, self.columns, self.language, self.count)


def add_chart(
    book: Any,
    ws: Any,
    name: str,
    spec: Chart,
    columns: Sequence[Column],
    language: str,
    rows: int,
) -> None:
    index = {c.name: i for i, c in enumerate(columns)}
    last = HEAD_ROWS + min(rows, CHART_POINTS) - 1
    chart = book.add_chart({"type": spec.type})
    category = index[spec.category]
    values = spec.values[:1] if spec.type == "pie" else spec.values
    for value in values:
        col = index[value]
        # ranges as [sheet, first row, first column, last row, last column]: xlsxwriter quotes
        # the sheet's name itself
        chart.add_series(
            {
                "name": [name, HEAD_ROWS - 1, col],
                "categories": [name, HEAD_ROWS, category, last, category],
                "values": [name, HEAD_ROWS, col, last, col],
            }
        )
    title = spec.en if language == "en" else spec.zh
    if title:
        chart.set_title({"name": title})
    if spec.type != "pie":
        chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 360})
    ws.insert_chart(HEAD_ROWS, len(columns) + 1, chart)


def write_workbook(
    path: Path,
    sheets: Sequence[Sheet],
    *,
    title: str,
    language: str = "zh",
    max_rows: int = EXCEL_MAX_ROWS,
    created: dt.datetime | None = None,
    tmpdir: Path | None = None,
) -> list[WrittenSheet]:
    """Write `sheets` into the workbook `path` (see the module docstring); `created` is the
    workbook's creation date (set from T, so a re-run writes the same properties)."""
    if max_rows <= HEAD_ROWS:
        raise ValueError(f"max_rows must exceed the {HEAD_ROWS} title and header rows")
    options: dict[str, Any] = {"constant_memory": True}
    if tmpdir is not None:
        options["tmpdir"] = str(tmpdir)
    book = xlsxwriter.Workbook(str(path), options)
    try:
        if created is not None:
            book.set_properties({"title": title, "created": created})
        styles: dict[str, Any] = {
            fmt: book.add_format({"num_format": code}) for fmt, code in NUMBER_FORMATS.items()
        }
        styles["header"] = book.add_format(HEADER_STYLE)
        styles["title"] = book.add_format(TITLE_STYLE)
        taken: set[str] = set()
        written = []
        for sheet in sheets:
            heading = f"{title} · {sheet.title(language)}"
            writer = _SheetWriter(
                book,
                sheet,
                heading=heading,
                language=language,
                max_rows=max_rows,
                taken=taken,
                styles=styles,
            )
            done = writer.write()
            writer.add_chart()
            written.append(done)
    finally:
        book.close()
    return written

"""The kept reports (issue 22 section 4) as files: the run of the published brokerage keeps,
under `<home>/reports/<T>/`, workbooks that read back in Excel (openpyxl) with typed, formatted
numbers, frozen header rows and native charts; a snapshot whose hash is the manifest's, stable
for a re-run of T and different when the data differ; long sheets split without losing a row."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brokerlens.analysis.reports.keep import keep_reports, kept_hash, period_of
from brokerlens.analysis.reports.model import (
    Chart,
    Column,
    Output,
    Report,
    ReportContext,
    Sheet,
    registered_reports,
)
from brokerlens.config import load_settings
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.warehouse.layout import ReportsLayout, WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from web.conftest import Published


def _day_dir(published: Published) -> Path:
    layout = ReportsLayout(published.settings.reports_dir)
    dates = layout.dates()
    assert dates, "the run kept no reports"
    return layout.day_dir(dates[-1])


def _column(ws: object, header: str) -> int:
    headers = [c.value for c in ws[2]]  # type: ignore[index]
    return headers.index(header) + 1


def test_the_kpi_workbook_reads_back_with_numbers_formats_frozen_headers_and_a_chart(
    published: Published,
) -> None:
    folder = _day_dir(published)
    book = openpyxl.load_workbook(folder / "kpi_monthly.xlsx")
    assert book.sheetnames == ["营业部汇总", "员工得分", "经营指标（当月）"]
    branches = book["营业部汇总"]
    assert branches.freeze_panes == "A3"  # the title and header rows stay in view
    assert len(branches._charts) == 1  # a native column chart beside the table
    snapshot = pq.read_table(folder / "kpi_monthly.branches.parquet").to_pylist()
    assert len(snapshot) == branches.max_row - 2 > 0
    staff_col, money_col = _column(branches, "考核人数"), _column(branches, "净佣金（考核口径）")
    for n, row in enumerate(snapshot, start=3):
        staff = branches.cell(n, staff_col)
        assert isinstance(staff.value, int) and staff.number_format == "#,##0"
        assert staff.value == row["staff"]
        money = branches.cell(n, money_col)
        assert isinstance(money.value, int | float), money.value  # a number, not text
        assert money.number_format == "#,##0.00"
        assert Decimal(str(money.value)) == row["net_commission"]  # exact to the cent
    scores = book["员工得分"]
    assert scores.freeze_panes == "A3"
    rate = scores.cell(3, _column(scores, "活跃客户率（考核口径）"))
    assert rate.number_format == "0.00%"
    manifest = json.loads((folder / "kpi_monthly.json").read_text("utf-8"))
    assert manifest["frequency"] == "monthly" and manifest["period"] == manifest["as_of"][:7]
    assert [s["excel_sheets"] for s in manifest["sheets"]] == [
        ["营业部汇总"],
        ["员工得分"],
        ["经营指标（当月）"],
    ]
    # the business of the month is the metrics layer's, as on the dashboards: one number
    # for a branch's month whichever report shows it
    business = book["经营指标（当月）"]
    money_col = _column(business, "本月净佣金（元）")
    metrics = pq.read_table(
        WarehouseLayout(published.settings.warehouse_dir).metrics_file(
            dt.date.fromisoformat(manifest["as_of"])
        ),
        filters=[("level", "=", "branch"), ("dimension", "=", ""), ("period", "=", "month")],
    )
    month = {
        r["unit_id"]: r["value"] for r in metrics.to_pylist() if r["metric"] == "net_commission"
    }
    shown = list(business.iter_rows(min_row=3, values_only=True))
    assert {r[0] for r in shown} == set(month) and len(shown) >= 2
    for row in shown:
        got = Decimal(str(row[money_col - 1]))
        assert got == Decimal(month[row[0]]).quantize(Decimal("0.01"))


def test_every_registered_report_was_kept_once_per_unit(published: Published) -> None:
    folder = _day_dir(published)
    kept = {p.stem for p in folder.glob("*.json")}
    reports = registered_reports()
    as_of = dt.date.fromisoformat(folder.name)
    for report in reports.values():
        own = {s for s in kept if s == report.id or s.startswith(f"{report.id}.")}
        if period_of(report.frequency, as_of) is None:
            assert not own, report.id  # a weekly report on a Tuesday: not due, not kept
        elif report.level == "hq":
            assert own == {report.id}, report.id
        else:  # one per branch, each with a workbook that opens
            assert len(own) >= 2, (report.id, own)
            for stem in own:
                assert openpyxl.load_workbook(folder / f"{stem}.xlsx").sheetnames
    suitability = openpyxl.load_workbook(folder / "suitability_daily.xlsx")
    findings = suitability["复评差异"]
    assert findings._charts and findings._charts[0].tagname == "pieChart"
    validity = suitability["测评有效性"]
    assert validity.cell(3, _column(validity, "有效率")).number_format == "0.00%"


def _context(published: Published, home: Path) -> ReportContext:
    """The published warehouse and lake as of its newest date, keeping into another home."""
    lake = LakeLayout(published.settings.lake_dir)
    files = LakeFiles(lake, read_catalog(lake))
    as_of = ReportsLayout(published.settings.reports_dir).dates()[-1]
    return ReportContext(
        load_settings(home=home),
        WarehouseLayout(published.settings.warehouse_dir),
        files,
        as_of,
        tuple(sorted(files.days)),
    )


def test_the_hash_is_the_snapshot_s_and_a_rerun_of_t_keeps_the_same_numbers(
    published: Published, tmp_path: Path
) -> None:
    folder = _day_dir(published)
    first = {p.stem: json.loads(p.read_text("utf-8")) for p in folder.glob("*.json")}
    for stem, manifest in first.items():
        assert kept_hash(folder / f"{stem}.json") == manifest["sha256"], stem
    again = keep_reports(_context(published, tmp_path))
    assert sorted(again.kept) == sorted(first)
    for stem, manifest in first.items():
        rerun = again.folder / f"{stem}.json"
        assert json.loads(rerun.read_text("utf-8"))["sha256"] == manifest["sha256"], stem
    # the workbook too: its creation date is T, not the clock's
    assert (again.folder / "kpi_monthly.xlsx").read_bytes() == (
        folder / "kpi_monthly.xlsx"
    ).read_bytes()


COLUMNS = (
    Column("branch", "营业部", "Branch"),
    Column("day", "日期", "Day", "date"),
    Column("customers", "客户数", "Customers", "integer"),
    Column("assets", "资产（元）", "Assets", "yuan"),
    Column("share", "占比", "Share", "percent"),
)


def _rows(n: int, bump: int = 0) -> pa.Table:
    return pa.table(
        {
            "branch": [f"营业部{i:03d}" for i in range(n)],
            "day": [dt.date(2025, 3, 3) + dt.timedelta(days=i % 20) for i in range(n)],
            "customers": [i * 1000 + bump for i in range(n)],
            "assets": pa.array(
                [Decimal(i) * Decimal("1234.56") for i in range(n)], pa.decimal128(20, 2)
            ),
            "share": pa.array([Decimal(i % 100) / 100 for i in range(n)], pa.decimal128(12, 6)),
        }
    )


def _report(table: pa.Table) -> Report:
    def build(ctx: ReportContext) -> list[Output]:
        chart = Chart("line", "branch", ("customers",), "客户数", "Customers")
        return [Output((Sheet("rows", "明细", "Rows", COLUMNS, table, chart),))]

    return Report("test_rows", "测试报表", "Test report", "daily", "hq", build)


def _keep(home: Path, table: pa.Table, max_rows: int = 1_048_576) -> Path:
    ctx = ReportContext(
        load_settings(home=home), WarehouseLayout(home / "w"), None, dt.date(2025, 3, 14)
    )
    done = keep_reports(ctx, reports=[_report(table)], max_rows=max_rows)
    return done.folder / "test_rows.json"


def test_the_hash_changes_when_a_number_changes(tmp_path: Path) -> None:
    same = _keep(tmp_path / "a", _rows(30))
    again = _keep(tmp_path / "b", _rows(30))
    changed = _keep(tmp_path / "c", _rows(30, bump=1))

    def sha(path: Path) -> str:
        return str(json.loads(path.read_text("utf-8"))["sha256"])

    assert sha(same) == sha(again)
    assert sha(changed) != sha(same)


def test_a_sheet_past_the_row_limit_goes_on_in_further_sheets_without_losing_a_row(
    tmp_path: Path,
) -> None:
    table = _rows(25)
    manifest = _keep(tmp_path, table, max_rows=10)  # 2 title and header rows + 8 rows a sheet
    book = openpyxl.load_workbook(manifest.with_suffix(".xlsx"))
    assert book.sheetnames == ["明细", "明细 (2)", "明细 (3)", "明细 (4)"]
    read: list[tuple[object, ...]] = []
    for ws in book.worksheets:
        assert ws.freeze_panes == "A3"
        assert [c.value for c in ws[2]] == [c.zh for c in COLUMNS]
        read += [tuple(r) for r in ws.iter_rows(min_row=3, values_only=True)]
    assert len(read) == 25
    expected = table.to_pylist()
    assert [r[0] for r in read] == [r["branch"] for r in expected]
    assert [r[2] for r in read] == [r["customers"] for r in expected]
    assert [r[1].date() for r in read] == [r["day"] for r in expected]  # type: ignore[union-attr]
    assert [Decimal(str(r[3])) for r in read] == [r["assets"] for r in expected]
    assert book.worksheets[0]._charts and not book.worksheets[1]._charts
    meta = json.loads(manifest.read_text("utf-8"))
    assert meta["sheets"][0]["excel_sheets"] == book.sheetnames
    assert meta["sheets"][0]["rows"] == 25


@pytest.mark.parametrize(
    ("frequency", "day", "due", "final"),
    [
        ("daily", dt.date(2025, 3, 12), True, True),
        ("weekly", dt.date(2025, 3, 14), True, True),  # Friday: the week's last trading day
        ("weekly", dt.date(2025, 3, 13), False, False),
        ("monthly", dt.date(2025, 3, 18), True, False),  # the month to date
        ("monthly", dt.date(2025, 3, 31), True, True),  # the month's last trading day
        ("monthly", dt.date(2025, 4, 30), True, True),  # before the May holidays
        ("weekly", dt.date(2025, 4, 30), True, True),  # 1-5 May are closed
    ],
)
def test_what_is_due_as_of_t(frequency: str, day: dt.date, due: bool, final: bool) -> None:
    period = period_of(frequency, day)
    assert (period is not None) is due
    if period is not None:
        assert period.final is final


def test_the_reports_step_runs_after_what_its_reports_read() -> None:
    from brokerlens.pipeline import discover_steps

    names = [s.name for s in discover_steps()]
    for first in ("kpi scores", "suitability reports", "complaints state"):
        assert names.index(first) < names.index("reports"), first

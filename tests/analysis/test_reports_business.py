"""The branch and head office daily reports (营业部日报, 总部日报) from the metrics layer: the
workbook a manager opens shows the kept metrics of T, every branch once, its own staff only, and
charts drawn by Excel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from brokerlens.analysis.reports.model import ReportContext, registered_reports
from brokerlens.config import Settings
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.served import kept_file, newest_date, report_file
from brokerlens.warehouse.sources import LakeFiles


def _metric(settings: Settings, level: str, unit: str, metric: str, period: str) -> Decimal:
    t = newest_date(settings, "metrics")
    assert t is not None
    path = kept_file(settings, "metrics", t)
    assert path is not None
    table = pq.read_table(
        path,
        filters=[
            ("level", "=", level),
            ("unit_id", "=", unit),
            ("metric", "=", metric),
            ("period", "=", period),
            ("dimension", "=", ""),
        ],
    )
    assert table.num_rows == 1
    return Decimal(table["value"][0].as_py())


def test_the_head_office_daily_report_shows_the_metrics_of_t(analysed: Settings) -> None:
    t = newest_date(analysed, "metrics")
    assert t is not None
    path = report_file(analysed, t, "hq_daily.xlsx")
    assert path is not None
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["经营指标", "营业部排名", "近期走势"]
    figures = {row[0]: row for row in book["经营指标"].iter_rows(min_row=3, values_only=True)}
    hq = pq.read_table(kept_file(analysed, "metrics", t), filters=[("level", "=", "hq")])
    root = hq["unit_id"][0].as_py()
    customers = figures["客户数"]
    assert customers[1] == "户" and customers[2] == _metric(
        analysed, "hq", root, "customers", "day"
    )
    turnover = figures["成交额"]
    month = _metric(analysed, "hq", root, "turnover", "month")
    assert Decimal(str(turnover[5])) == month.quantize(Decimal("0.01"))
    # a rate is shown in percent: 活跃率 0.25 reads 25.00
    active = _metric(analysed, "hq", root, "active_rate", "day")
    assert Decimal(str(figures["活跃率"][2])) == (active * 100).quantize(Decimal("0.01"))
    # no month of last year in the lake: the comparison is empty, not zero
    assert customers[8] is None and customers[9] is None
    branches = list(book["营业部排名"].iter_rows(min_row=3, values_only=True))
    assert len(branches) == len({b[0] for b in branches}) >= 2
    assert sum(b[2] for b in branches) == customers[2]  # every customer in one branch
    assert book["营业部排名"]._charts and book["近期走势"]._charts
    assert book["营业部排名"].freeze_panes == "A3"


@pytest.mark.parametrize("which", [0, -1])
def test_a_branch_daily_report_ranks_only_its_own_staff(analysed: Settings, which: int) -> None:
    t = newest_date(analysed, "metrics")
    assert t is not None
    hq = report_file(analysed, t, "hq_daily.xlsx")
    assert hq is not None
    branch_ids = [
        r[0]
        for r in openpyxl.load_workbook(hq)["营业部排名"].iter_rows(min_row=3, values_only=True)
    ]
    branch = sorted(branch_ids)[which]
    path = report_file(analysed, t, f"branch_daily.{branch}.xlsx")
    assert path is not None
    book = openpyxl.load_workbook(path)
    staff = list(book["员工排名"].iter_rows(min_row=3, values_only=True))
    assert staff, branch
    figures = {row[0]: row for row in book["经营指标"].iter_rows(min_row=3, values_only=True)}
    assert figures["客户数"][2] == _metric(analysed, "branch", branch, "customers", "day")
    # the staff serve no more customers than the branch has, each counted once
    assert sum(s[2] or 0 for s in staff) <= figures["客户数"][2]
    for row in staff:
        assert row[2] == _metric(analysed, "staff", row[0], "customers", "day")


def test_the_weekly_report_shows_the_week_against_last_week(analysed: Settings) -> None:
    """T (Tuesday 2025-03-18) is not the week's last trading day, so the run kept no weekly
    report; built as of T it shows the week to date (Monday and Tuesday) against last week's
    Monday and Tuesday, each the sum of its days in the daily trend."""
    t = newest_date(analysed, "metrics")
    assert t == dt.date(2025, 3, 18)
    assert report_file(analysed, t, "hq_weekly.xlsx") is None  # not due on a Tuesday
    lake = LakeLayout(analysed.lake_dir)
    ctx = ReportContext(
        analysed,
        WarehouseLayout(analysed.warehouse_dir),
        LakeFiles(lake, read_catalog(lake)),
        t,
        tuple(read_catalog(lake).dates),
    )
    (output,) = registered_reports()["hq_weekly"].build(ctx)
    figures = output.sheets[0]
    assert [c.zh for c in figures.columns[2:5]] == ["本周累计", "上周同期", "周环比"]
    rows = {r["metric"]: r for r in figures.table.to_pylist()}
    trend = pq.read_table(kept_file(analysed, "metric_trend", t.replace(day=1)))
    branch = trend.filter(pc.equal(trend["level"], "branch"))

    def days_turnover(*days: dt.date) -> Decimal:
        rows_of = branch.filter(pc.is_in(branch["biz_date"], pa.array(days, pa.date32())))
        return Decimal(pc.sum(rows_of["turnover"]).as_py())

    this_week = days_turnover(dt.date(2025, 3, 17), t)
    last_week = days_turnover(dt.date(2025, 3, 10), dt.date(2025, 3, 11))
    assert rows["成交额"]["week"] == this_week.quantize(Decimal("0.01"))
    assert rows["成交额"]["week_prev"] == last_week.quantize(Decimal("0.01"))
    change = ((this_week - last_week) / abs(last_week)).quantize(Decimal("0.000001"))
    assert rows["成交额"]["week_change"] == change
    ranking = output.sheets[1]
    assert any(c.zh == "本周净佣金（元）" for c in ranking.columns)

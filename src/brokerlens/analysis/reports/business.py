"""The business reports, from the metrics layer (issue 22): the branch daily and weekly reports
(营业部日报 / 周报, one per branch) and the head office daily and weekly reports (总部日报 / 周报).

Each reads the kept metrics of T (`analysis/metrics/<T>.parquet`) and the daily trend files, so
a report costs a read of small aggregates whatever the number of customers. Every metric of the
catalog is in the figures sheet, the installation's own included: the day, the month and the
year to date beside what they are compared with (`analysis/metrics/periods.py`); a weekly
report puts the week to date and the previous week first and ranks by the week. A change is
relative ((now - then) / |then|), for rates too; empty where the lake lacks the history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from brokerlens.analysis.metrics import Metric, load_metrics
from brokerlens.analysis.reports.model import Chart, Column, Output, ReportContext, Sheet, report
from brokerlens.warehouse.windows import month_start

CENT = Decimal("0.01")
RATIO = Decimal("0.000001")
AMOUNT = pa.decimal128(24, 2)
CHANGE = pa.decimal128(18, 6)
TREND_DAYS = 20
WEEK_TREND_DAYS = 10  # this week and the last
SCALE = {"rate": Decimal(100), "permille": Decimal(1000)}
UNIT_LABELS = {"customers": "户", "yuan": "元", "rate": "%", "permille": "‰", "count": "笔"}
# (column, period, the period it is compared with)
FIGURES = (
    ("day", "day", None),
    ("day_prev", "day_prev", None),
    ("day_change", "day", "day_prev"),
    ("month", "month", None),
    ("month_prev", "month_prev", None),
    ("month_mom", "month", "month_prev"),
    ("month_ly", "month_ly", None),
    ("month_yoy", "month", "month_ly"),
    ("year", "year", None),
    ("year_ly", "year_ly", None),
    ("year_yoy", "year", "year_ly"),
)
FIGURE_COLUMNS = (
    Column("metric", "指标", "Metric"),
    Column("unit", "单位", "Unit"),
    Column("day", "当日", "Day", "number"),
    Column("day_prev", "上一交易日", "Previous day", "number"),
    Column("day_change", "日环比", "Day on day", "percent"),
    Column("month", "本月累计", "Month to date", "number"),
    Column("month_prev", "上月同期", "Last month, same days", "number"),
    Column("month_mom", "月环比", "Month on month", "percent"),
    Column("month_ly", "去年同月同期", "Same month last year", "number"),
    Column("month_yoy", "月同比", "Month year on year", "percent"),
    Column("year", "本年累计", "Year to date", "number"),
    Column("year_ly", "去年同期", "Last year to date", "number"),
    Column("year_yoy", "年同比", "Year on year", "percent"),
)
WEEK_FIGURES = (
    ("week", "week", None),
    ("week_prev", "week_prev", None),
    ("week_change", "week", "week_prev"),
    *FIGURES[3:],
)
WEEK_FIGURE_COLUMNS = (
    *FIGURE_COLUMNS[:2],
    Column("week", "本周累计", "Week to date", "number"),
    Column("week_prev", "上周同期", "Last week, same days", "number"),
    Column("week_change", "周环比", "Week on week", "percent"),
    *FIGURE_COLUMNS[5:],
)
# the ranking sheets: (column, metric, period, zh, en, format)
RANKED = (
    ("customers", "customers", "day", "客户数", "Customers", "integer"),
    ("total_assets", "total_assets", "day", "总资产（元）", "Total assets (yuan)", "yuan"),
    ("new_accounts", "new_accounts", "month", "本月新开户", "New accounts (month)", "integer"),
    ("turnover", "turnover", "month", "本月成交额（元）", "Turnover (month)", "yuan"),
    (
        "net_commission",
        "net_commission",
        "month",
        "本月净佣金（元）",
        "Net commission (month)",
        "yuan",
    ),
    ("net_inflow", "net_inflow", "month", "本月净流入（元）", "Net inflow (month)", "yuan"),
    ("active_rate", "active_rate", "month", "本月活跃率", "Active rate (month)", "percent"),
)
WEEK_RANKED = (
    *RANKED[:2],
    ("new_accounts", "new_accounts", "week", "本周新开户", "New accounts (week)", "integer"),
    ("turnover", "turnover", "week", "本周成交额（元）", "Turnover (week)", "yuan"),
    (
        "net_commission",
        "net_commission",
        "week",
        "本周净佣金（元）",
        "Net commission (week)",
        "yuan",
    ),
    ("net_inflow", "net_inflow", "week", "本周净流入（元）", "Net inflow (week)", "yuan"),
    ("active_rate", "active_rate", "week", "本周活跃率", "Active rate (week)", "percent"),
)
# the monthly KPI report's 经营指标 sheet: the business of the month beside the KPI scores
MONTH_FIGURES = (
    *RANKED,
    (
        "effective_new_accounts",
        "effective_new_accounts",
        "month",
        "本月新增有效户",
        "Effective new accounts (month)",
        "integer",
    ),
    (
        "product_sales",
        "product_sales",
        "month",
        "本月产品销量（元）",
        "Product sales (month)",
        "yuan",
    ),
)
TREND_COLUMNS = (
    Column("biz_date", "日期", "Date", "date"),
    Column("customers", "有资产或交易客户", "Customers with a row", "integer"),
    Column("traded", "交易客户", "Customers who traded", "integer"),
    Column("turnover", "成交额（元）", "Turnover (yuan)", "yuan"),
    Column("net_commission", "净佣金（元）", "Net commission (yuan)", "yuan"),
    Column("net_inflow", "净流入（元）", "Net inflow (yuan)", "yuan"),
    Column("total_assets", "总资产（元）", "Total assets (yuan)", "yuan"),
)

Values = dict[tuple[str, str, str, str], Decimal | None]  # (level, unit, metric, period) -> value


def _values(ctx: ReportContext) -> Values:
    """The uncut values of T of the brokerage, every branch and every staff member (read once
    for all the reports of the run)."""

    def read() -> Values:
        path = ctx.warehouse.metrics_file(ctx.as_of)
        if not path.is_file():
            return {}
        table = pq.read_table(
            path,
            columns=["level", "unit_id", "metric", "period", "value"],
            filters=[("dimension", "=", ""), ("level", "in", ["hq", "branch", "staff"])],
        )
        return {
            (lv, u, m, p): v
            for lv, u, m, p, v in zip(*(table.column(i).to_pylist() for i in range(5)), strict=True)
        }

    return ctx.remember("business_values", read)


def _shown(metric: Metric, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value) * SCALE.get(metric.unit, Decimal(1))).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def _change(now: Decimal | None, then: Decimal | None) -> Decimal | None:
    if now is None or then is None or then == 0:
        return None
    return ((Decimal(now) - Decimal(then)) / abs(Decimal(then))).quantize(
        RATIO, rounding=ROUND_HALF_UP
    )


def _figures(
    ctx: ReportContext, values: Values, level: str, unit: str, *, weekly: bool = False
) -> Sheet:
    metrics = list(load_metrics(ctx.settings).values())
    columns = WEEK_FIGURE_COLUMNS if weekly else FIGURE_COLUMNS
    data: dict[str, list[Any]] = {c.name: [] for c in columns}
    for metric in metrics:
        data["metric"].append(metric.zh)
        data["unit"].append(UNIT_LABELS.get(metric.unit, metric.unit))
        for column, period, compared in WEEK_FIGURES if weekly else FIGURES:
            now = values.get((level, unit, metric.id, period))
            if compared is None:
                data[column].append(_shown(metric, now))
            else:
                data[column].append(_change(now, values.get((level, unit, metric.id, compared))))
    types = {c.name: CHANGE if c.format == "percent" else AMOUNT for c in columns}
    types["metric"] = types["unit"] = pa.string()
    table = pa.table({k: pa.array(v, types[k]) for k, v in data.items()})
    return Sheet("figures", "经营指标", "Figures", columns, table)


def _ranking(
    ctx: ReportContext,
    values: Values,
    level: str,
    units: list[tuple[str, str]],
    label: str,
    *,
    weekly: bool = False,
    ranked: tuple[tuple[str, str, str, str, str, str], ...] | None = None,
    sheet: tuple[str, str, str] | None = None,
) -> Sheet:
    """One row per unit below (id, name), by net commission of the month (of the week in a
    weekly report), most first. `ranked` and `sheet` (id, zh, en) for another report's
    sheet of the same figures."""
    catalog = load_metrics(ctx.settings)
    if ranked is None:
        ranked = WEEK_RANKED if weekly else RANKED
    rows = []
    for unit_id, name in units:
        row: dict[str, Any] = {"unit_id": unit_id, "name": name}
        for column, metric_id, period, *_ in ranked:
            metric = catalog.get(metric_id)
            value = values.get((level, unit_id, metric_id, period))
            if metric is None or value is None:
                row[column] = None
            elif metric.unit in SCALE:
                row[column] = Decimal(value).quantize(RATIO, rounding=ROUND_HALF_UP)
            else:
                row[column] = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
        rows.append(row)
    rows.sort(key=lambda r: (-(r["net_commission"] or Decimal(0)), r["unit_id"]))
    columns = (
        Column("unit_id", "代码", "Code"),
        Column("name", label, label),
        *(Column(c, zh, en, fmt) for c, _, _, zh, en, fmt in ranked),  # type: ignore[arg-type]
    )
    kind = {"integer": pa.int64(), "yuan": AMOUNT, "percent": CHANGE}
    data: dict[str, pa.Array] = {
        "unit_id": pa.array([r["unit_id"] for r in rows], pa.string()),
        "name": pa.array([r["name"] for r in rows], pa.string()),
    }
    for column, _, _, _, _, fmt in ranked:
        cells = [r[column] for r in rows]
        if fmt == "integer":
            cells = [None if c is None else int(c) for c in cells]
        data[column] = pa.array(cells, kind[fmt])
    sheet_id = "branches" if level == "branch" else "staff"
    zh, en = ("营业部排名", "Branches") if level == "branch" else ("员工排名", "Staff")
    if sheet is not None:
        sheet_id, zh, en = sheet
    chart = Chart(
        "column",
        "name",
        ("net_commission",),
        "本周净佣金" if weekly else "本月净佣金",
        "Net commission",
    )
    return Sheet(sheet_id, zh, en, columns, pa.table(data), chart)


def month_figures(ctx: ReportContext, branches: list[str]) -> Sheet | None:
    """The month to date of each branch from the metrics layer, as the dashboards and the
    daily reports show it (the monthly KPI report's 经营指标 sheet), or None without the
    metrics of T."""
    values = _values(ctx)
    if not values:
        return None
    units = [(b, ctx.unit_name(b)) for b in branches if ("branch", b, "customers", "day") in values]
    return _ranking(
        ctx,
        values,
        "branch",
        units,
        "营业部",
        ranked=MONTH_FIGURES,
        sheet=("business", "经营指标（当月）", "Business (month)"),
    )


def _trend(ctx: ReportContext, branches: list[str] | None, days_back: int = TREND_DAYS) -> Sheet:
    """The last `days_back` loaded days of the branches' trend (None: every branch: the
    brokerage), summed per day."""
    days = [d for d in ctx.loaded_days if d <= ctx.as_of][-days_back:]
    months = sorted({month_start(d) for d in days})
    parts = []
    for month in months:
        path = ctx.warehouse.metric_trend_file(month)
        if path.is_file():
            parts.append(ctx.remember(f"trend:{month}", _branch_rows(path)))
    names = [c.name for c in TREND_COLUMNS]
    empty: dict[str, list[Any]] = {n: [] for n in names}
    if not parts or not days:
        return _trend_sheet(pa.table(empty, schema=_trend_schema()))
    table = pa.concat_tables(parts)
    mask = pc.greater_equal(table["biz_date"], pa.scalar(days[0], pa.date32()))
    if branches is not None:
        mask = pc.and_(mask, pc.is_in(table["unit_id"], pa.array(branches, pa.string())))
    table = table.filter(mask)
    sums: dict[dt.date, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(names[1:], 0))
    for row in table.select(names).to_pylist():
        into = sums[row["biz_date"]]
        for name in names[1:]:
            into[name] += row[name] or 0
    ordered = sorted(sums)
    data = {"biz_date": ordered, **{n: [sums[d][n] for d in ordered] for n in names[1:]}}
    return _trend_sheet(pa.table(data, schema=_trend_schema()))


def _branch_rows(path: Path) -> Callable[[], pa.Table]:
    return lambda: pq.read_table(path, filters=[("level", "=", "branch")])


def _trend_schema() -> pa.Schema:
    kinds = {"date": pa.date32(), "integer": pa.int64(), "yuan": AMOUNT}
    return pa.schema([(c.name, kinds[c.format]) for c in TREND_COLUMNS])


def _trend_sheet(table: pa.Table) -> Sheet:
    chart = Chart("line", "biz_date", ("turnover",), "成交额走势", "Turnover")
    return Sheet("trend", "近期走势", "Recent days", TREND_COLUMNS, table, chart)


def _branch_reports(ctx: ReportContext, *, weekly: bool) -> list[Output]:
    values = _values(ctx)
    if not values:
        return []
    staff_of: dict[str, list[str]] = defaultdict(list)
    for staff_id, unit_id in ctx.staff_units.items():
        home = ctx.branch_of(unit_id)
        if home is not None and ("staff", staff_id, "customers", "day") in values:
            staff_of[home].append(staff_id)
    out = []
    for branch in ctx.branches():
        if ("branch", branch.id, "customers", "day") not in values:
            continue
        staff = [(s, ctx.staff_names.get(s, s)) for s in sorted(staff_of[branch.id])]
        sheets = (
            _figures(ctx, values, "branch", branch.id, weekly=weekly),
            _ranking(ctx, values, "staff", staff, "员工", weekly=weekly),
            _trend(ctx, [branch.id], WEEK_TREND_DAYS if weekly else TREND_DAYS),
        )
        out.append(Output(sheets, unit_id=branch.id, unit_name=branch.name))
    return out


def _hq_reports(ctx: ReportContext, *, weekly: bool) -> list[Output]:
    values = _values(ctx)
    roots = sorted({u for lv, u, _, _ in values if lv == "hq"})
    if not roots:
        return []
    branches = [
        (b.id, b.name) for b in ctx.branches() if ("branch", b.id, "customers", "day") in values
    ]
    sheets = (
        _figures(ctx, values, "hq", roots[0], weekly=weekly),
        _ranking(ctx, values, "branch", branches, "营业部", weekly=weekly),
        _trend(ctx, None, WEEK_TREND_DAYS if weekly else TREND_DAYS),
    )
    return [Output(sheets)]


@report(
    "branch_daily",
    zh="营业部日报",
    en="Branch daily report",
    frequency="daily",
    level="branch",
    reads=("metrics",),
    description_zh="本营业部经营指标（当日、本月、本年及环比同比）、员工排名与近期走势",
    description_en="The branch's metrics (day, month, year, compared), staff ranking, recent days",
)
def branch_daily(ctx: ReportContext) -> list[Output]:
    return _branch_reports(ctx, weekly=False)


@report(
    "hq_daily",
    zh="总部日报",
    en="Head office daily report",
    frequency="daily",
    level="hq",
    reads=("metrics",),
    description_zh="全公司经营指标（当日、本月、本年及环比同比）、营业部排名与近期走势",
    description_en="The brokerage's metrics (day, month, year, compared), branch ranking, trend",
)
def hq_daily(ctx: ReportContext) -> list[Output]:
    return _hq_reports(ctx, weekly=False)


@report(
    "branch_weekly",
    zh="营业部周报",
    en="Branch weekly report",
    frequency="weekly",
    level="branch",
    reads=("metrics",),
    description_zh="本营业部本周经营指标及周环比、本月与本年累计、员工本周排名与近两周走势",
    description_en="The branch's week (against last week), month and year; staff by the week",
)
def branch_weekly(ctx: ReportContext) -> list[Output]:
    return _branch_reports(ctx, weekly=True)


@report(
    "hq_weekly",
    zh="总部周报",
    en="Head office weekly report",
    frequency="weekly",
    level="hq",
    reads=("metrics",),
    description_zh="全公司本周经营指标及周环比、本月与本年累计、营业部本周排名与近两周走势",
    description_en="The brokerage's week (against last week), month and year; branches by week",
)
def hq_weekly(ctx: ReportContext) -> list[Output]:
    return _hq_reports(ctx, weekly=True)

"""The built-in reports, registered like any addition (`model.report`): the monthly KPI report
(head office, and per branch), the daily suitability report and the daily complaint report
(head office, and per branch). Each reads what an earlier run step kept as of T, already
aggregated, so a report costs a read of kept files, not a pass over the customers.

The KPI report holds two kinds of figures, labelled apart: the KPI metrics as the schemes
credit them (`brokers/kpi/metrics.py`: a customer counts for the staff holding the role, by
share; a branch's sum is its staff's), marked 考核口径, and the branch's business of the month
from the metrics layer (sheet 经营指标), the same numbers as the dashboards and daily reports.

Money is exact: sums are of the kept decimals, rounded half-up to the cent once, at the end.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.analysis.reports.business import month_figures
from brokerlens.analysis.reports.model import (
    Chart,
    Column,
    Format,
    Output,
    ReportContext,
    Sheet,
    report,
)
from brokerlens.brokers.kpi.metrics import METRICS, Metric
from brokerlens.compliance.complaints.config import load_config
from brokerlens.warehouse.windows import month_start

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")
YUAN = pa.decimal128(20, 2)
RATE = pa.decimal128(12, 6)
NUMBER = pa.decimal128(20, 2)
POSITIONS = {"broker": "经纪人", "advisor": "投资顾问", "team_lead": "团队长"}
POSITIONS_EN = {"broker": "Broker", "advisor": "Advisor", "team_lead": "Team lead"}


def cents(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _metric_format(metric: Metric) -> Format:
    return {"yuan": "yuan", "rate": "percent"}.get(metric.unit, "number")  # type: ignore[return-value]


def _metric_value(metric: Metric, value: Any) -> Decimal | None:
    if value is None:
        return None
    if metric.unit == "rate":
        return Decimal(value).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    return cents(value)


def _metric_type(metric: Metric) -> pa.DataType:
    return RATE if metric.unit == "rate" else YUAN if metric.unit == "yuan" else NUMBER


def _metric_columns() -> list[Column]:
    """The KPI metrics' columns, marked as credited by the schemes (not the metrics layer's
    figures of the same name: a customer counts for the staff holding the role, by share)."""
    return [
        Column(m.id, f"{m.zh}（考核口径）", f"{m.en} (KPI credit)", _metric_format(m))
        for m in METRICS.values()
    ]


# --- the monthly KPI report ---------------------------------------------------------------------

BRANCH_COLUMNS = (
    Column("branch_id", "营业部代码", "Branch code"),
    Column("branch", "营业部", "Branch"),
    Column("staff", "考核人数", "Staff scored", "integer"),
    Column("mean_total", "平均得分", "Mean score", "number"),
    Column("best_total", "最高得分", "Best score", "number"),
)
STAFF_COLUMNS = (
    Column("staff_id", "员工号", "Staff id"),
    Column("name", "姓名", "Name"),
    Column("position", "岗位", "Position"),
    Column("branch", "营业部", "Branch"),
    Column("total", "总分", "Score", "number"),
    Column("rank_in_branch", "营业部排名", "Rank in branch", "integer"),
    Column("branch_size", "营业部同岗人数", "Ranked in branch", "integer"),
    Column("rank_in_region", "分公司排名", "Rank in region", "integer"),
)


def _kpi_month(ctx: ReportContext) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The month's scored staff (one row each, with every metric's value) and, per branch,
    the metrics' sums over each staff member's own customers (the detail file: a team lead's
    team figures would count the team twice). Read once per run."""
    return ctx.remember("kpi_month", lambda: _read_kpi_month(ctx))


def _read_kpi_month(
    ctx: ReportContext,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    month = month_start(ctx.as_of)
    scores = ctx.warehouse.kpi_file(month)
    values = ctx.warehouse.kpi_values_file(month)
    if not scores.is_file() or not values.is_file():
        return [], {}
    scored = pq.read_table(scores)
    if scored.num_rows == 0 or scored["as_of_date"][0].as_py() != ctx.as_of:
        return [], {}  # the KPI step of T did not run: no report rather than an older month's
    staff: dict[str, dict[str, Any]] = {}
    for row in scored.to_pylist():
        staff.setdefault(row["staff_id"], dict(row))
    for row in pq.read_table(values, columns=["staff_id", "metric", "value"]).to_pylist():
        member = staff.get(row["staff_id"])
        if member is not None and row["metric"] in METRICS:
            member[row["metric"]] = _metric_value(METRICS[row["metric"]], row["value"])
    branch_of = {k: v["branch_id"] for k, v in staff.items()}
    return list(staff.values()), _branch_sums(ctx, month, branch_of)


def _branch_sums(
    ctx: ReportContext, month: dt.date, branch_of: dict[str, str | None]
) -> dict[str, dict[str, Any]]:
    detail = ctx.warehouse.kpi_detail_file(month)
    if not detail.is_file():
        return {}
    table = pq.read_table(detail, columns=["staff_id", "metric", "weight", "credited"])
    per_staff = table.group_by(["staff_id", "metric"]).aggregate(
        [("weight", "sum"), ("credited", "sum")]
    )
    sums: dict[str, dict[str, list[Decimal]]] = defaultdict(dict)
    for row in per_staff.to_pylist():
        branch = branch_of.get(row["staff_id"])
        if branch is None:
            continue
        got = sums[branch].setdefault(row["metric"], [Decimal(0), Decimal(0)])
        got[0] += Decimal(row["weight_sum"] or 0)
        got[1] += Decimal(row["credited_sum"] or 0)
    out: dict[str, dict[str, Any]] = {}
    for branch, metrics in sums.items():
        out[branch] = {}
        for metric_id, (weight, credited) in metrics.items():
            metric = METRICS.get(metric_id)
            if metric is None:
                continue
            value = credited if metric.kind == "sum" else (credited / weight if weight else None)
            out[branch][metric_id] = _metric_value(metric, value)
    return out


def _staff_sheet(ctx: ReportContext, rows: list[dict[str, Any]], chart: bool) -> Sheet:
    rows = sorted(rows, key=lambda r: (r["branch_id"] or "", r["position"], r["rank_in_branch"]))
    columns = [*STAFF_COLUMNS, *_metric_columns()]
    data: dict[str, list[Any]] = {
        "staff_id": [r["staff_id"] for r in rows],
        "name": [ctx.staff_names.get(r["staff_id"], r["staff_id"]) for r in rows],
        "position": [POSITIONS.get(r["position"], r["position"]) for r in rows],
        "branch": [ctx.unit_name(r["branch_id"]) for r in rows],
        "total": [cents(r["total"]) for r in rows],
        "rank_in_branch": [r["rank_in_branch"] for r in rows],
        "branch_size": [r["branch_size"] for r in rows],
        "rank_in_region": [r["rank_in_region"] for r in rows],
    }
    types: dict[str, pa.DataType] = {
        "total": NUMBER,
        "rank_in_branch": pa.int64(),
        "branch_size": pa.int64(),
        "rank_in_region": pa.int64(),
    }
    for metric in METRICS.values():
        data[metric.id] = [r.get(metric.id) for r in rows]
        types[metric.id] = _metric_type(metric)
    table = pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in data.items()})
    return Sheet(
        "staff",
        "员工得分",
        "Staff scores",
        tuple(columns),
        table,
        Chart("column", "name", ("total",), "员工总分", "Scores") if chart else None,
    )


def _branch_sheet(
    ctx: ReportContext, rows: list[dict[str, Any]], sums: dict[str, dict[str, Any]]
) -> Sheet:
    by_branch: dict[str, list[Decimal]] = defaultdict(list)
    for row in rows:
        if row["branch_id"] is not None:
            by_branch[row["branch_id"]].append(Decimal(row["total"]))
    branches = sorted(by_branch)
    data: dict[str, list[Any]] = {
        "branch_id": branches,
        "branch": [ctx.unit_name(b) for b in branches],
        "staff": [len(by_branch[b]) for b in branches],
        "mean_total": [cents(sum(by_branch[b]) / len(by_branch[b])) for b in branches],
        "best_total": [cents(max(by_branch[b])) for b in branches],
    }
    types: dict[str, pa.DataType] = {
        "staff": pa.int64(),
        "mean_total": NUMBER,
        "best_total": NUMBER,
    }
    for metric in METRICS.values():
        data[metric.id] = [sums.get(b, {}).get(metric.id) for b in branches]
        types[metric.id] = _metric_type(metric)
    table = pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in data.items()})
    return Sheet(
        "branches",
        "营业部汇总",
        "Branches",
        (*BRANCH_COLUMNS, *_metric_columns()),
        table,
        Chart("column", "branch", ("net_commission",), "营业部净佣金", "Net commission"),
    )


@report(
    "kpi_monthly",
    zh="月度考核报表",
    en="Monthly KPI report",
    frequency="monthly",
    level="hq",
    reads=("kpi_scores", "metrics"),
    description_zh="各营业部考核汇总、全部员工得分、排名及指标值与各营业部当月经营指标（当月至今）",
    description_en="KPI by branch and every staff member's score, ranks and metrics",
)
def kpi_monthly(ctx: ReportContext) -> list[Output]:
    rows, sums = _kpi_month(ctx)
    if not rows:
        return []
    sheets = [_branch_sheet(ctx, rows, sums), _staff_sheet(ctx, rows, chart=False)]
    business = month_figures(ctx, sorted({r["branch_id"] for r in rows if r["branch_id"]}))
    if business is not None:
        sheets.append(business)
    return [Output(tuple(sheets))]


@report(
    "branch_kpi_monthly",
    zh="营业部月度考核报表",
    en="Branch monthly KPI report",
    frequency="monthly",
    level="branch",
    reads=("kpi_scores", "metrics"),
    description_zh="本营业部员工得分、排名及指标值与本营业部当月经营指标（当月至今）",
    description_en="The branch's staff scores, ranks and metrics (month to date)",
)
def branch_kpi_monthly(ctx: ReportContext) -> list[Output]:
    rows, _ = _kpi_month(ctx)
    by_branch: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["branch_id"] is not None:
            by_branch[row["branch_id"]].append(row)
    out = []
    for branch, members in sorted(by_branch.items()):
        sheets = [_staff_sheet(ctx, members, chart=True)]
        business = month_figures(ctx, [branch])
        if business is not None:
            sheets.append(business)
        out.append(Output(tuple(sheets), unit_id=branch))
    return out


# --- the daily suitability report ---------------------------------------------------------------

FINDING_KINDS = {
    "unknown_version": ("问卷版本未知", "Unknown version"),
    "unscorable": ("答案无法计分", "Unscorable"),
    "score": ("得分不符", "Score"),
    "class": ("等级不符", "Class"),
    "horizon": ("期限不符", "Horizon"),
    "lowest_category": ("应为最低类别", "Lowest category"),
    "expire_date": ("有效期不符", "Expiry date"),
}


def _ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _rows_table(columns: Iterable[Column], rows: list[dict[str, Any]]) -> pa.Table:
    types: dict[str, pa.DataType] = {
        "yuan": YUAN,
        "integer": pa.int64(),
        "number": NUMBER,
        "percent": RATE,
        "date": pa.date32(),
        "text": pa.string(),
    }
    return pa.table(
        {c.name: pa.array([r.get(c.name) for r in rows], types[c.format]) for c in columns}
    )


VALIDITY_COLUMNS = (
    Column("branch", "营业部", "Branch"),
    Column("customers", "客户数", "Customers", "integer"),
    Column("valid", "有效", "Valid", "integer"),
    Column("expiring", "即将到期", "Expiring", "integer"),
    Column("expired", "已过期", "Expired", "integer"),
    Column("missing", "无测评", "No assessment", "integer"),
    Column("valid_rate", "有效率", "Valid share", "percent"),
)
HOLDING_COLUMNS = (
    Column("branch", "营业部", "Branch"),
    Column("customers", "客户数", "Customers", "integer"),
    Column("holdings", "持仓笔数", "Holdings", "integer"),
    Column("market_value", "市值（元）", "Market value (yuan)", "yuan"),
)
FINDING_COLUMNS = (
    Column("kind", "差异类型", "Kind"),
    Column("count", "笔数", "Count", "integer"),
)


@report(
    "suitability_daily",
    zh="适当性管理日报",
    en="Suitability daily report",
    frequency="daily",
    level="hq",
    reads=("suitability_reports",),
    permission="suitability_reports",
    description_zh="各营业部测评有效性、超风险等级持仓及复评差异",
    description_en="Assessment validity and holdings above class by branch; re-scoring findings",
)
def suitability_daily(ctx: ReportContext) -> list[Output]:
    def kept(name: str) -> pa.Table | None:
        path = ctx.warehouse.suitability_report_file(ctx.as_of, name)
        return pq.read_table(path) if path.is_file() else None

    validity, held, findings = kept("branches"), kept("holding_branches"), kept("findings")
    if validity is None or held is None or findings is None:
        return []
    rows = [
        {**r, "branch": ctx.unit_name(r["branch_id"]) or "—"}
        for r in (validity.to_pylist() if validity.num_columns else [])
    ]
    for row in rows:
        row["valid_rate"] = _ratio(row["valid"], row["customers"])
    holdings = [
        {
            **r,
            "branch": ctx.unit_name(r["branch_id"]) or "—",
            "market_value": cents(r["market_value"]),
        }
        for r in (held.to_pylist() if held.num_columns else [])
    ]
    meta = {k.decode(): v.decode() for k, v in (findings.schema.metadata or {}).items()}
    kinds: dict[str, int] = json.loads(meta.get("kinds", "{}"))
    found = [
        {"kind": FINDING_KINDS.get(k, (k, k))[0], "count": int(n)} for k, n in kinds.items() if n
    ]
    return [
        Output(
            (
                Sheet(
                    "validity",
                    "测评有效性",
                    "Assessment validity",
                    VALIDITY_COLUMNS,
                    _rows_table(VALIDITY_COLUMNS, rows),
                    Chart(
                        "column",
                        "branch",
                        ("valid", "expiring", "expired", "missing"),
                        "各营业部测评有效性",
                        "Validity by branch",
                    ),
                ),
                Sheet(
                    "holdings",
                    "超风险等级持仓",
                    "Holdings above class",
                    HOLDING_COLUMNS,
                    _rows_table(HOLDING_COLUMNS, holdings),
                ),
                Sheet(
                    "findings",
                    "复评差异",
                    "Re-scoring findings",
                    FINDING_COLUMNS,
                    _rows_table(FINDING_COLUMNS, found),
                    Chart("pie", "kind", ("count",), "复评差异类型", "Findings by kind"),
                ),
            )
        )
    ]


# --- the daily complaint report -----------------------------------------------------------------

COMPLAINT_FIGURES = (
    Column("total", "累计投诉", "Complaints", "integer"),
    Column("open", "待处理", "Open", "integer"),
    Column("processing", "处理中", "Processing", "integer"),
    Column("closed", "已办结", "Closed", "integer"),
    Column("opened_mtd", "本月新增", "Opened this month", "integer"),
    Column("closed_mtd", "本月办结", "Closed this month", "integer"),
    Column("overdue", "超时未办结", "Overdue", "integer"),
)
COMPLAINT_BRANCH_COLUMNS = (Column("branch", "营业部", "Branch"), *COMPLAINT_FIGURES)
COMPLAINT_CATEGORY_COLUMNS = (Column("category", "投诉类别", "Category"), *COMPLAINT_FIGURES)


def _complaints(ctx: ReportContext) -> list[dict[str, Any]] | None:
    path = ctx.warehouse.complaints_file(ctx.as_of)
    if not path.is_file():
        return None
    columns = ["branch_id", "category", "status", "open_date", "close_date"]
    return pq.read_table(path, columns=columns).to_pylist()


def _complaint_figures(
    ctx: ReportContext, rows: list[dict[str, Any]], key: str
) -> list[dict[str, Any]]:
    """Per value of `key` (branch_id or category): the counts of COMPLAINT_FIGURES."""
    config = load_config(ctx.settings)
    first = month_start(ctx.as_of)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        group = counts[row[key] or ""]
        status = row["status"]
        group["total"] += 1
        group[status] += 1
        if row["open_date"] is not None and row["open_date"] >= first:
            group["opened_mtd"] += 1
        closed = row["close_date"]
        if status == "closed" and closed is not None and first <= closed <= ctx.as_of:
            group["closed_mtd"] += 1
        opened = row["open_date"]
        if status != "closed" and opened is not None:
            overdue = config.sla_due(row["category"] or "", opened) < ctx.as_of
            group["overdue"] += int(overdue)
    return [
        {key: name, **{c.name: counts[name][c.name] for c in COMPLAINT_FIGURES}}
        for name in sorted(counts)
    ]


def _complaint_category_sheet(table: list[dict[str, Any]]) -> Sheet:
    for row in table:
        row["category"] = row["category"] or "—"
    return Sheet(
        "categories",
        "按类别",
        "By category",
        COMPLAINT_CATEGORY_COLUMNS,
        _rows_table(COMPLAINT_CATEGORY_COLUMNS, table),
        Chart("pie", "category", ("total",), "投诉类别分布", "Complaints by category"),
    )


@report(
    "complaints_daily",
    zh="投诉日报",
    en="Complaints daily report",
    frequency="daily",
    level="hq",
    reads=("complaints_state",),
    description_zh="各营业部、各类别投诉的受理、办结与超时情况",
    description_en="Complaints opened, closed and overdue by branch and category",
)
def complaints_daily(ctx: ReportContext) -> list[Output]:
    rows = _complaints(ctx)
    if rows is None:
        return []
    branches = _complaint_figures(ctx, rows, "branch_id")
    for row in branches:
        row["branch"] = ctx.unit_name(row.pop("branch_id")) or "—"
    return [
        Output(
            (
                Sheet(
                    "branches",
                    "按营业部",
                    "By branch",
                    COMPLAINT_BRANCH_COLUMNS,
                    _rows_table(COMPLAINT_BRANCH_COLUMNS, branches),
                    Chart(
                        "column",
                        "branch",
                        ("open", "processing", "overdue"),
                        "各营业部未办结投诉",
                        "Open complaints by branch",
                    ),
                ),
                _complaint_category_sheet(_complaint_figures(ctx, rows, "category")),
            )
        )
    ]


@report(
    "branch_complaints_daily",
    zh="营业部投诉日报",
    en="Branch complaints daily report",
    frequency="daily",
    level="branch",
    reads=("complaints_state",),
    description_zh="本营业部各类别投诉的受理、办结与超时情况",
    description_en="The branch's complaints opened, closed and overdue by category",
)
def branch_complaints_daily(ctx: ReportContext) -> list[Output]:
    rows = _complaints(ctx)
    if rows is None:
        return []
    by_branch: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_branch[row["branch_id"] or ""].append(row)
    return [
        Output(
            (_complaint_category_sheet(_complaint_figures(ctx, by_branch[b.id], "category")),),
            unit_id=b.id,
            unit_name=b.name,
        )
        for b in ctx.branches()
    ]

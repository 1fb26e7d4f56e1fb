"""Write the broker risk measures and flags of T (`sql/broker_risk.sql`) on the run's engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from brokerlens.brokers.book.build import as_of_rows, feed_days, register_ledger, scope_rows
from brokerlens.brokers.risk.config import RiskConfig
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles

PACKAGE = "brokerlens.brokers.risk"
METRICS = ("customer_churn", "asset_loss", "trading_concentration", "risky_sales")
RISK_COLUMNS = [
    ("as_of_date", "DATE"),
    ("window_start", "DATE"),
    ("staff_id", "VARCHAR"),
    ("branch_id", "VARCHAR"),
    ("metric", "VARCHAR"),
    ("value", "DOUBLE"),
    ("branch_value", "DOUBLE"),
    ("base", "BIGINT"),
    ("hits", "BIGINT"),
    ("detail", "VARCHAR"),
    ("start_cents", "BIGINT"),
    ("end_cents", "BIGINT"),
    ("flagged", "BOOLEAN"),
]


@dataclass(frozen=True)
class RiskInputs:
    engine: Engine
    lake: LakeFiles
    warehouse: WarehouseLayout
    as_of: dt.date
    loaded_days: list[dt.date]


@dataclass(frozen=True)
class RiskReport:
    rows: int
    flags: dict[str, int]

    def note(self) -> str:
        flagged = sum(self.flags.values())
        if not flagged:
            return f"{self.rows:,} measures, no broker flagged"
        parts = ", ".join(f"{m} {n}" for m, n in self.flags.items() if n)
        return f"{self.rows:,} measures, {flagged} flag(s): {parts}"


def watched_staff(engine: Engine, as_of: dt.date, positions: tuple[str, ...]) -> pa.Table:
    """(staff_id, branch_id): the staff of the watched positions in service on T, with the
    branch above their unit."""
    units = as_of_rows(engine, "org_units", "unit_id, parent_id, unit_type", as_of)
    staff = as_of_rows(engine, "staff", "staff_id, unit_id, position, leave_date", as_of)
    kind = dict(
        zip(units.column("unit_id").to_pylist(), units.column("unit_type").to_pylist(), strict=True)
    )
    scopes = scope_rows(units, staff)
    branch_of: dict[str, str] = {}
    for staff_id, scope_kind, scope in zip(*(c.to_pylist() for c in scopes.columns), strict=True):
        if scope_kind == "unit" and kind.get(scope) == "branch":
            branch_of.setdefault(staff_id, scope)
    rows: dict[str, list[str]] = {"staff_id": [], "branch_id": []}
    for staff_id, position, leave in zip(
        staff.column("staff_id").to_pylist(),
        staff.column("position").to_pylist(),
        staff.column("leave_date").to_pylist(),
        strict=True,
    ):
        if position in positions and (leave is None or leave > as_of) and staff_id in branch_of:
            rows["staff_id"].append(staff_id)
            rows["branch_id"].append(branch_of[staff_id])
    return pa.table(rows, schema=pa.schema([("staff_id", pa.string()), ("branch_id", pa.string())]))


def rules_table(config: RiskConfig) -> pa.Table:
    c, a, t, s = (
        config.customer_churn,
        config.asset_loss,
        config.trading_concentration,
        config.risky_sales,
    )
    values: dict[str, float] = {
        "churn_min_customers": c.min_customers,
        "churn_min_lost": c.min_lost,
        "churn_ratio": c.ratio,
        "churn_min_gap": c.min_gap,
        "loss_min_assets": a.min_assets,
        "loss_min_gap": a.min_gap,
        "conc_min_trades": t.min_trades,
        "conc_min_customers": t.min_customers,
        "conc_share": t.share,
        "conc_ratio": t.ratio,
        "sales_min": s.min_sales,
        "sales_min_mismatched": s.min_mismatched,
        "sales_share": s.share,
        "sales_ratio": s.ratio,
    }
    return pa.table({k: pa.array([float(v)], pa.float64()) for k, v in values.items()})


def build_risk(src: RiskInputs, config: RiskConfig) -> RiskReport:
    engine, as_of = src.engine, src.as_of
    since = as_of - dt.timedelta(days=config.window_days - 1)
    window = [d for d in src.loaded_days if since <= d <= as_of]
    start_day = window[0] if window else as_of
    engine.register_table("risk_staff", watched_staff(engine, as_of, config.positions))
    engine.register_table("risk_rules", rules_table(config))
    register_ledger(engine, src.warehouse, as_of, name="risk_ledger")
    feed_days(engine, src.lake, "daily_assets", "risk_assets", sorted({start_day, as_of}))
    feed_days(engine, src.lake, "trades", "risk_trades", window)
    feed_days(engine, src.lake, "product_trades", "risk_product_trades", window)
    params = {"as_of": as_of, "since": since, "start_day": start_day}
    path = src.warehouse.broker_risk_file(as_of)
    rows = engine.write_parquet(load_sql(PACKAGE, "broker_risk").sql, path, params)
    engine.register_parquet("broker_risk", [path], RISK_COLUMNS)
    counted = engine.fetch(
        "SELECT metric, count(*) AS n FROM broker_risk WHERE flagged GROUP BY metric"
    )
    found = dict(
        zip(counted.column("metric").to_pylist(), counted.column("n").to_pylist(), strict=True)
    )
    return RiskReport(rows=rows, flags={m: int(found.get(m, 0)) for m in METRICS})

"""The KPI run step (issue 19 section 4)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from brokerlens.brokers.kpi.build import KpiInputs, build_kpi
from brokerlens.brokers.kpi.schemes import active_version, load_active
from brokerlens.brokers.training.items import empty_items, items_table
from brokerlens.config import Settings
from brokerlens.store import store_if_present
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


def training_items(settings: Settings, as_of: dt.date) -> pa.Table:
    """The store's required training assignments as of T (none without a store): what the
    metric `training_completion` counts (issue 23)."""
    db = store_if_present(settings)
    if db is None:
        return empty_items()
    with db.connect() as connection:
        return items_table(connection, as_of)


@run_step("kpi scores", reads=("ledger", "customer_day"), writes=("kpi_scores",))
def kpi_scores(ctx: RunContext) -> StepResult:
    training = training_items(ctx.settings, ctx.as_of)
    src = KpiInputs(ctx.engine, ctx.lake, ctx.warehouse, ctx.state, ctx.as_of, training)
    report = build_kpi(src, load_active(ctx.settings), active_version(ctx.settings))
    return StepResult(rows=report.rows, note=report.note(), counts={"months": len(report.months)})

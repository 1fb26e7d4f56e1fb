"""publish's run step: the 360 lookup of T, which the customer page reads one customer from."""

from __future__ import annotations

from brokerlens.publish.lookup import build_lookup
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step(
    "360 lookup",
    reads=("profile",),
    writes=("lookup",),
    local="DuckDB into SQLite: the lookup is an indexed SQLite file read per customer",
)
def lookup(ctx: RunContext) -> StepResult:
    build_lookup(ctx.settings, ctx.as_of)
    return StepResult()

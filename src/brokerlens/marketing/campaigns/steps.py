"""The run steps of campaigns (registered when `brokerlens.marketing.steps` is imported)."""

from __future__ import annotations

from brokerlens.marketing.campaigns.outcomes import compute_outcomes
from brokerlens.store import store_if_present
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step(
    "campaign outcomes",
    reads=("trades", "product_trades", "fund_transfers", "contacts", "service_agreements"),
    writes=("campaign_outcomes",),
)
def campaign_outcomes(ctx: RunContext) -> StepResult:
    """Launched campaigns' conversions and contacts up to T (the store read, never written)."""
    found = compute_outcomes(
        store_if_present(ctx.settings), ctx.engine, ctx.lake, ctx.warehouse, ctx.as_of
    )
    return StepResult(rows=found.rows if found.campaigns else None, note=found.note())

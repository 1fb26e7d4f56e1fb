"""churn's run step: T scored with the newest churn model, or why not."""

from __future__ import annotations

from brokerlens.churn.service import score_if_model
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step(
    "churn",
    reads=("customer_day", "indicators"),
    writes=("churn_scores",),
    local="Python: the gradient-boosting model scores in process (its features and labels are "
    "computed on the chosen engine)",
)
def churn(ctx: RunContext) -> StepResult:
    return StepResult(note=score_if_model(ctx.settings, ctx.as_of, ctx.engine))

"""churn's run steps: T's features and labels on the chosen engine, then T scored with the
newest churn model in Python (or why not)."""

from __future__ import annotations

from brokerlens.churn.service import prepare_scoring, score_prepared
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("churn features", reads=("customer_day",), writes=("churn_features",))
def churn_features(ctx: RunContext) -> StepResult:
    features, labels = (
        ctx.warehouse.run_file("churn_features"),
        ctx.warehouse.run_file("churn_labels"),
    )
    for stale in (features, labels):  # a model fitted since the last run: no stale inputs
        stale.unlink(missing_ok=True)
    note = prepare_scoring(ctx.settings, ctx.as_of, ctx.engine, features, labels)
    return StepResult(note=note)


@run_step(
    "churn",
    reads=("churn_features", "indicators"),
    writes=("churn_scores",),
    local="Python: the gradient-boosting model scores the features in process",
)
def churn(ctx: RunContext) -> StepResult:
    t = ctx.loaded_days.index(ctx.as_of)
    features, labels = (
        ctx.warehouse.run_file("churn_features"),
        ctx.warehouse.run_file("churn_labels"),
    )
    return StepResult(note=score_prepared(ctx.settings, ctx.as_of, t, features, labels))

"""The run step "reports": every report due as of T, kept under `<home>/reports/<T>/`.

A module registering reports is imported here, before the step is declared, so that the step
reads what each report reads (it runs after the steps that write those outputs).
"""

from __future__ import annotations

from brokerlens.analysis.reports import builtin, business
from brokerlens.analysis.reports.keep import keep_reports
from brokerlens.analysis.reports.model import ReportContext, registered_reports
from brokerlens.warehouse.steps import RunContext, StepResult, run_step

READS = tuple(sorted({r for report in registered_reports().values() for r in report.reads}))


@run_step(
    "reports",
    reads=READS,
    writes=("reports",),
    local="Python: small kept aggregates written as Excel workbooks and snapshots",
)
def reports(ctx: RunContext) -> StepResult:
    context = ReportContext(
        ctx.settings, ctx.warehouse, ctx.lake, ctx.as_of, tuple(ctx.loaded_days)
    )
    kept = keep_reports(context)
    return StepResult(rows=len(kept.kept), note=kept.note(), counts={"reports": len(kept.kept)})


__all__ = ["builtin", "business", "reports"]

"""The staff book's run step (issue 19 part E)."""

from __future__ import annotations

from brokerlens.brokers.book.build import BookInputs, build_book
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("staff book", reads=("ledger", "profile"), writes=("staff_book",))
def staff_book(ctx: RunContext) -> StepResult:
    src = BookInputs(ctx.engine, ctx.lake, ctx.warehouse, ctx.as_of, ctx.loaded_days)
    rows = build_book(src)
    return StepResult(rows=rows, note=f"{rows:,} rows for the staff and unit pages")

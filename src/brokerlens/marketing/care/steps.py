"""The run steps of care (registered when `brokerlens.marketing.steps` is imported)."""

from __future__ import annotations

from brokerlens.marketing.care.build import (
    make_messages,
    next_trading_day,
    register_sources,
    write_messages,
)
from brokerlens.marketing.care.loader import load_rules
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("care messages", writes=("care",))
def care_messages(ctx: RunContext) -> StepResult:
    rules = load_rules(ctx.settings)
    as_of = ctx.as_of
    hold_day = ctx.calendar.day_before(as_of)
    register_sources(ctx.engine, ctx.lake, as_of, hold_day)
    table = make_messages(
        ctx.engine, rules, as_of, hold_day=hold_day, next_day=next_trading_day(as_of)
    )
    write_messages(ctx.warehouse, as_of, table)
    counts: dict[str, int] = {}
    for rule_id in table.column("rule_id").to_pylist():
        counts[rule_id] = counts.get(rule_id, 0) + 1
    return StepResult(rows=table.num_rows, counts=counts, note=f"{len(counts)} rules fired")

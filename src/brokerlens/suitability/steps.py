"""Suitability's run steps: the lowest-category triggers the risk indicators join on, then every
customer's suitability facts and the brokerage-wide reports as of T."""

from __future__ import annotations

from brokerlens.suitability.daily import build_facts
from brokerlens.suitability.questionnaire import load_definitions
from brokerlens.suitability.report import holdings_on_engine
from brokerlens.suitability.reports import build_reports
from brokerlens.suitability.rules import load_rules
from brokerlens.suitability.triggers import register_triggers
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("questionnaire triggers", writes=("lowest_answer_triggers", "lowest_age_limits"))
def questionnaire_triggers(ctx: RunContext) -> StepResult:
    definitions = load_definitions(ctx.settings)
    register_triggers(ctx.engine, definitions)
    return StepResult(rows=len(definitions), note=f"{len(definitions)} questionnaire version(s)")


@run_step(
    "suitability facts",
    reads=("customer_day", "lowest_answer_triggers"),
    writes=("suitability_facts",),
)
def suitability_facts(ctx: RunContext) -> StepResult:
    rows = build_facts(ctx.engine, ctx.warehouse, ctx.state, ctx.as_of, ctx.loaded_days)
    return StepResult(rows=rows)


@run_step("suitability holdings", reads=("suitability_facts",), writes=("suitability_holdings",))
def suitability_holdings(ctx: RunContext) -> StepResult:
    target = ctx.warehouse.run_file("suitability_holdings")
    target.unlink(missing_ok=True)
    facts = ctx.warehouse.suitability_facts_file(ctx.as_of)
    if not facts.exists():
        return StepResult(note="no suitability facts of T")
    rules = load_rules(ctx.settings)
    rows = holdings_on_engine(ctx.engine, ctx.lake, facts, ctx.as_of, rules, target)
    return StepResult(rows=rows, note="holdings above the holder's class")


@run_step(
    "suitability reports",
    reads=("suitability_facts", "suitability_holdings"),
    writes=("suitability_reports",),
    local="Python: assessments are re-scored by the questionnaire definitions",
)
def suitability_reports(ctx: RunContext) -> StepResult:
    build_reports(ctx.settings, ctx.as_of, ctx.warehouse.run_file("suitability_holdings"))
    return StepResult()

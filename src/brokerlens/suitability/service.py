"""Suitability's service functions: what the CLI (and later the API) call.

Each reads the lake as of a date (default: its latest), applies the installation's questionnaire
definitions and rules, and the investor class treatment recorded in the store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from brokerlens.config import Settings
from brokerlens.store import open_store
from brokerlens.suitability.daily import kept_facts
from brokerlens.suitability.eligibility import (
    Eligibility,
    all_eligibility,
    eligibility,
    permission_target,
)
from brokerlens.suitability.facts import CustomerFacts, Target
from brokerlens.suitability.investor_class import ClassAssessment, assess_class
from brokerlens.suitability.lake import (
    customer_facts,
    lake_connection,
    one_customer,
    product_target,
    resolve_as_of,
)
from brokerlens.suitability.matching import CheckResult, check
from brokerlens.suitability.questionnaire import load_definitions
from brokerlens.suitability.report import HoldingsReport, holders, holdings_above_class
from brokerlens.suitability.reports import kept_reports
from brokerlens.suitability.rescore import RescoreReport, rescore
from brokerlens.suitability.rules import Rules, load_rules
from brokerlens.suitability.workflow import with_effective_class
from brokerlens.warehouse.query import scratch_cursor


@dataclass(frozen=True)
class CustomerView:
    facts: CustomerFacts  # investor_class: as treated (the source's, or an approved request's)
    rules: Rules
    recorded_class: str  # as the source system records it


def customer_view(settings: Settings, customer_id: str, as_of: dt.date | None) -> CustomerView:
    """A customer's facts, with the class treatment recorded in the store."""
    definitions = load_definitions(settings)
    kept = kept_facts(settings, as_of) if as_of is not None else None
    if as_of is not None and kept is not None:
        # The run kept every customer's facts for the day (so the day is a computed one): one
        # row of that file, no views over the lake (opening them costs ~0.1 s a call).
        with scratch_cursor() as conn:
            facts = one_customer(conn, as_of, definitions, customer_id, kept)
    else:
        with lake_connection(settings) as conn:
            day = resolve_as_of(conn, as_of)
            facts = one_customer(conn, day, definitions, customer_id, kept_facts(settings, day))
    treated = with_effective_class(open_store(settings), facts)
    return CustomerView(treated, load_rules(settings), facts.investor_class)


def target_of(settings: Settings, target_id: str, rules: Rules) -> Target:
    """A business permission by its key (margin, chinext, ...), else a product by its id."""
    if target_id in rules.permissions:
        return permission_target(target_id, rules)
    with lake_connection(settings) as conn:
        return product_target(conn, target_id, rules)


def check_customer(
    settings: Settings,
    customer_id: str,
    target_id: str,
    *,
    context: str = "purchase",
    as_of: dt.date | None = None,
) -> tuple[CustomerView, CheckResult, Eligibility | None]:
    """The check's verdict and reasons; for a permission also its eligibility."""
    view = customer_view(settings, customer_id, as_of)
    target = target_of(settings, target_id, view.rules)
    result = check(view.facts, target, view.rules, context=context)
    allowed = (
        eligibility(view.facts, target_id, view.rules) if target.kind == "permission" else None
    )
    return view, result, allowed


def customer_eligibility(
    settings: Settings, customer_id: str, as_of: dt.date | None = None
) -> tuple[CustomerView, list[Eligibility]]:
    view = customer_view(settings, customer_id, as_of)
    return view, all_eligibility(view.facts, view.rules)


def customer_class(
    settings: Settings, customer_id: str, as_of: dt.date | None = None
) -> tuple[CustomerView, ClassAssessment]:
    view = customer_view(settings, customer_id, as_of)
    recorded = dataclasses.replace(view.facts, investor_class=view.recorded_class)
    return view, assess_class(recorded, view.rules)


def rescore_lake(
    settings: Settings,
    as_of: dt.date | None = None,
    expiring_days: int | None = None,
    *,
    limit: int | None = None,
) -> RescoreReport:
    """Every assessment re-scored and every customer's validity: as the run kept them for the
    date (the customers not valid only; the first `limit` rows of each list, with the totals),
    else computed from the lake."""
    rules = load_rules(settings)
    days = rules.validity.expiring_days if expiring_days is None else expiring_days
    with lake_connection(settings) as conn:
        day = resolve_as_of(conn, as_of)
        kept = kept_reports(settings, day, days, limit=limit)
        if kept is not None:
            return kept[0]
        return rescore(conn, day, load_definitions(settings), expiring_days=days)


def holdings_report(
    settings: Settings, as_of: dt.date | None = None, *, limit: int | None = None
) -> HoldingsReport:
    """Holdings above the holder's class: as the run kept them (the first `limit`, with the
    totals), else from the kept facts (or the lake's)."""
    definitions = load_definitions(settings)
    rules = load_rules(settings)
    with lake_connection(settings) as conn:
        day = resolve_as_of(conn, as_of)
        kept = kept_reports(settings, day, limit=limit)
        if kept is not None and kept[1] is not None:
            return kept[1]
        facts = kept_facts(settings, day)
        if facts is not None:
            return holdings_above_class(conn, day, facts, rules)
        found = customer_facts(conn, day, definitions, holders(conn, day))
        return holdings_above_class(conn, day, found, rules)

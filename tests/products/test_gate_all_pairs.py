"""THE all-pairs test of the recommendations' gate (issue 16 section 3): on a generated, loaded
and run brokerage, every customer x every product as of T. The gate's suitability reasons equal
suitability's own check (`matching.check(..., context="recommendation")` on the facts the
service layer builds), reason by reason; the other reasons equal their plain definitions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from brokerlens.config import Settings, load_settings
from brokerlens.pipeline import run_pipeline
from brokerlens.products.recommend.config import parse_config
from brokerlens.products.recommend.gate import (
    BIT,
    REASONS,
    SUITABILITY,
    counts,
    gate,
    gate_customers,
    gate_products,
)
from brokerlens.suitability.daily import facts_file
from brokerlens.suitability.facts import CustomerFacts
from brokerlens.suitability.lake import customer_facts, lake_connection, product_target
from brokerlens.suitability.matching import CheckResult, check
from brokerlens.suitability.questionnaire import load_definitions
from brokerlens.suitability.rules import load_rules
from support.brokerage import Brokerage

# Every 40th customer loses their assessment: the generator gives every customer one, so
# without this the all-pairs test would never meet `no_assessment` (both sides read the file).
NO_ASSESSMENT_EVERY = 40
ASSESSMENT_COLUMNS = (
    "assessment_id",
    "questionnaire_version",
    "assess_date",
    "score",
    "risk_class",
    "horizon",
    "varieties",
    "expire_date",
    "answers",
)
# a type mapped to a service, so that `permission` is met too (the shipped settings map none)
CONFIG = parse_config(
    "gate:\n  professional_only_types: [private_fund]\n  service_of_type: {advisory: advisory}\n",
    "test.yaml",
)


@dataclasses.dataclass(frozen=True)
class Run:
    settings: Settings
    as_of: dt.date


@pytest.fixture(scope="module")
def run(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Run:
    home = tmp_path_factory.mktemp("gate_run") / "home"
    shutil.copytree(small_brokerage.settings.home, home)
    settings = load_settings(home=home)
    return Run(settings, run_pipeline(settings).as_of)


def _without_some_assessments(facts: pa.Table) -> pa.Table:
    """The facts with every NO_ASSESSMENT_EVERY-th customer's assessment removed, in a shuffled
    row order (the gate keeps whatever order it is given)."""
    gone = pa.array(np.arange(facts.num_rows) % NO_ASSESSMENT_EVERY == 0)
    for name in ASSESSMENT_COLUMNS:
        column = facts.column(name)
        blank = pa.nulls(facts.num_rows, column.type)
        facts = facts.set_column(
            facts.schema.get_field_index(name), name, pc.if_else(gone, blank, column)
        )
    lowest = facts.schema.get_field_index("lowest_category")
    facts = facts.set_column(
        lowest, "lowest_category", pc.and_(facts.column(lowest), pc.invert(gone))
    )
    order = np.random.default_rng(16).permutation(facts.num_rows)
    return facts.take(pa.array(order))


def _suitability_reasons(result: CheckResult, facts: CustomerFacts) -> set[str]:
    """The gate's names of what the check refused: the assessment, the (first) risk reason,
    the horizon, the variety."""
    found = set()
    for reason in result.reasons:
        if reason.verdict == "match":
            continue
        if reason.dimension == "assessment":
            found.add("no_assessment" if facts.assessment is None else "assessment_expired")
        elif reason.dimension in ("horizon", "variety"):
            found.add(reason.dimension)
    risk = next((r for r in result.reasons if r.dimension == "risk"), None)
    if risk is not None and risk.verdict != "match":
        found.add("lowest_category" if facts.lowest_reasons else "risk_above_class")
    return found


def _other_reasons(
    facts: CustomerFacts, product: dict[str, Any], held: bool, services: dict[str, str]
) -> set[str]:
    """The gate's reasons beyond suitability's, by their plain definitions."""
    found = set()
    if product["status"] != "on_sale":
        found.add("not_on_sale")
    if product["product_type"] == "private_fund" and not facts.professional:
        found.add("investor_class")
    needed = services.get(product["product_type"])
    if needed is not None and needed not in facts.services:
        found.add("permission")
    if held and product["term_days"] is not None:
        found.add("held_no_adding")
    return found


def test_the_gate_equals_suitabilitys_check_on_every_pair(run: Run) -> None:
    settings, as_of = run.settings, run.as_of
    rules = load_rules(settings)
    # the run's own facts file of T, changed in place (this run is the test's own)
    kept = facts_file(settings, as_of)
    facts_table = _without_some_assessments(pq.read_table(kept))
    pq.write_table(facts_table, kept)
    ids = facts_table.column("customer_id").to_pylist()
    with lake_connection(settings) as conn:
        # the facts as the service layer builds them (the questionnaires re-score the answers)
        facts = customer_facts(conn, as_of, load_definitions(settings), kept=kept)
        products = conn.sql(
            "SELECT product_id, product_type, risk_level, term_days, status FROM products "
            "ORDER BY product_type DESC, product_id"
        ).to_arrow_table()
        product_rows = products.to_pylist()
        targets = [product_target(conn, p["product_id"], rules) for p in product_rows]
        holdings = conn.execute(
            "SELECT customer_id, product_id FROM product_holdings "
            "WHERE biz_date = $d AND units > 0",
            {"d": as_of},
        ).fetchall()
    # an approved request changes two customers' treatment, as the store would
    lowest_ordinary = next(c for c in ids if facts[c].lowest_reasons and not facts[c].professional)
    professional = next(c for c in ids if facts[c].professional)
    treated = {lowest_ordinary: "professional", professional: "ordinary"}
    for customer_id, klass in treated.items():
        facts[customer_id] = dataclasses.replace(facts[customer_id], investor_class=klass)

    row_of = {c: i for i, c in enumerate(ids)}
    column_of = {p["product_id"]: j for j, p in enumerate(product_rows)}
    held = np.zeros((len(ids), len(product_rows)), bool)
    for customer_id, product_id in holdings:
        held[row_of[customer_id], column_of[product_id]] = True

    bits = gate(
        gate_customers(facts_table, as_of, rules, treated=treated),
        gate_products(products, rules, CONFIG),
        held,
    )

    differences, checked, matched = [], 0, 0
    services = CONFIG.gate.service_of_type
    for i, customer_id in enumerate(ids):
        customer = facts[customer_id]
        for j, target in enumerate(targets):
            result = check(customer, target, rules, context="recommendation")
            expected = _suitability_reasons(result, customer)
            expected |= _other_reasons(customer, product_rows[j], bool(held[i, j]), services)
            got = {r for r in REASONS if bits[i, j] & BIT[r]}
            suitable = not bits[i, j] & SUITABILITY
            matched += result.verdict == "match"
            if got != expected or suitable != (result.verdict == "match"):
                differences.append((customer_id, target.target_id, sorted(got), sorted(expected)))
            checked += 1
    assert differences[:5] == []
    assert checked == len(facts) * len(targets) == 600 * len(targets) and len(targets) > 50

    # the brokerage meets every reason, so the equality above is not that of an empty set
    removed = counts(bits)
    print(f"\n{checked:,} pairs checked, {matched:,} suitable, gate removals: {removed}")
    assert all(removed[r] > 0 for r in REASONS), removed
    assert 0 < int((bits == 0).sum()) < checked
    # professionals see what is on sale whatever their assessment (the treated one included)
    pro = [row_of[c] for c in ids if facts[c].professional]
    assert row_of[lowest_ordinary] in pro
    assert len(pro) > 1 and not (bits[pro] & SUITABILITY).any()

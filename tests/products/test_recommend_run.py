"""The recommendations a run makes (issue 16 section 3), on a generated brokerage: what is
shown is always suitable, each customer's list is a ranked top 10 with reasons in words, the
gate's removals are counted, the model is kept and refit only when stale."""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq
import pytest

from brokerlens.pipeline import run_pipeline
from brokerlens.products.recommend.model import RecModels
from brokerlens.products.recommend.service import usable_model
from brokerlens.suitability.lake import customer_facts, lake_connection, product_target
from brokerlens.suitability.matching import check
from brokerlens.suitability.questionnaire import load_definitions
from brokerlens.suitability.rules import load_rules
from brokerlens.warehouse.layout import WarehouseLayout
from support.recommend import RecommendRun


@pytest.fixture(scope="module")
def shown(recommend_run: RecommendRun) -> list[dict]:
    warehouse = WarehouseLayout(recommend_run.settings.warehouse_dir)
    return pq.read_table(warehouse.recommendations_file(recommend_run.as_of)).to_pylist()


def test_the_run_fits_a_model_and_recommends(recommend_run: RecommendRun, shown: list) -> None:
    assert recommend_run.notes["recommendation model"].startswith("v1 fitted")
    assert "items for" in recommend_run.notes["recommendations"]
    customers = {r["customer_id"] for r in shown}
    assert len(customers) > 500 and len(shown) > 5 * len(customers)


def test_nothing_shown_is_unsuitable(recommend_run: RecommendRun, shown: list) -> None:
    """Every shown item passes suitability's own check as a recommendation, is on sale, and is
    not a termed product the customer already holds (independent of the gate's code)."""
    settings, as_of = recommend_run.settings, recommend_run.as_of
    rules = load_rules(settings)
    warehouse = WarehouseLayout(settings.warehouse_dir)
    with lake_connection(settings) as conn:
        facts = customer_facts(
            conn, as_of, load_definitions(settings), kept=warehouse.suitability_facts_file(as_of)
        )
        products = {
            r[0]: (r[1], r[2], r[3])
            for r in conn.sql(
                "SELECT product_id, status, term_days, product_type FROM products"
            ).fetchall()
        }
        targets = {p: product_target(conn, p, rules) for p in products}
        held = set(
            conn.execute(
                "SELECT customer_id, product_id FROM product_holdings "
                "WHERE biz_date = $d AND units > 0",
                {"d": as_of},
            ).fetchall()
        )
    bad = []
    for r in shown:
        customer, product = facts[r["customer_id"]], r["product_id"]
        status, term_days, ptype = products[product]
        verdict = check(customer, targets[product], rules, context="recommendation").verdict
        if (
            verdict != "match"
            or status != "on_sale"
            or (ptype == "private_fund" and not customer.professional)
            or (term_days is not None and (r["customer_id"], product) in held)
        ):
            bad.append((r["customer_id"], product, verdict, status))
    assert bad == []
    # and the check had something to refuse: the gate removed items from the top lists
    assert sum(recommend_run.removed.values()) > 0
    assert recommend_run.removed["risk_above_class"] > 0


def test_each_list_is_a_ranked_top_ten_with_reasons(shown: list) -> None:
    by_customer: dict[str, list] = {}
    for r in shown:
        by_customer.setdefault(r["customer_id"], []).append(r)
    for rows in by_customer.values():
        assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
        assert len(rows) <= 10
        assert len({r["product_id"] for r in rows}) == len(rows)
        scores = [r["score"] for r in rows]
        assert scores == sorted(scores, reverse=True) and all(0 < s < 1 for s in scores)
    for r in shown:
        assert 1 <= len(r["reasons"]) <= 3
        # the last reason says why the gate let it through
        assert r["reasons"][-1].startswith(("风险等级 R", "专业投资者"))
    worded = {reason for r in shown for reason in r["reasons"][:-1]}
    assert any(w.startswith("持有或买过同类产品 ") and w.endswith(" 只") for w in worded)
    assert not any("_" in w or "nan" in w.lower() for w in worded)


def test_targets_are_the_same_rows_by_product(recommend_run: RecommendRun, shown: list) -> None:
    warehouse = WarehouseLayout(recommend_run.settings.warehouse_dir)
    targets = pq.read_table(warehouse.targets_file(recommend_run.as_of)).to_pylist()
    assert sorted((r["customer_id"], r["product_id"]) for r in targets) == sorted(
        (r["customer_id"], r["product_id"]) for r in shown
    )
    keys = [(r["product_id"], -r["score"], r["customer_id"]) for r in targets]
    assert keys == sorted(keys)


def test_the_gate_report_counts_removals(recommend_run: RecommendRun) -> None:
    warehouse = WarehouseLayout(recommend_run.settings.warehouse_dir)
    report = json.loads(warehouse.gate_report_file(recommend_run.as_of).read_text("utf-8"))
    assert report["removed_from_top"] == recommend_run.removed
    assert report["pairs_scored"] == report["customers"] * len_shelf(recommend_run)
    # a pair may carry several reasons; the removals from the top lists are a subset of all
    for reason, n in report["removed_from_top"].items():
        assert 0 <= n <= report["removed"][reason]


def len_shelf(recommend_run: RecommendRun) -> int:
    with lake_connection(recommend_run.settings) as conn:
        return conn.execute("SELECT count(*) FROM products").fetchone()[0]


def test_recommendations_are_queryable(recommend_run: RecommendRun, shown: list) -> None:
    from brokerlens.warehouse.views import create_computed_views

    conn = duckdb.connect()
    create_computed_views(conn, WarehouseLayout(recommend_run.settings.warehouse_dir))
    n, first = conn.execute(
        "SELECT count(*), min(as_of_date) FROM recommendations WHERE as_of_date = ?",
        [recommend_run.as_of],
    ).fetchone()
    assert n == len(shown) and first == recommend_run.as_of


def test_a_fresh_model_is_not_refit(recommend_run: RecommendRun) -> None:
    models = RecModels(WarehouseLayout(recommend_run.settings.warehouse_dir))
    before = models.versions()
    current = usable_model(models, recommend_run.as_of)
    assert current is not None and current.through == recommend_run.as_of
    report = run_pipeline(recommend_run.settings, as_of=recommend_run.as_of)
    assert models.versions() == before
    assert report.note("recommendation model").startswith(f"v{current.version} fresh")

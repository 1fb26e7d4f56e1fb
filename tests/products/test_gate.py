"""The recommendations' hard suitability gate (issue 16 section 3): each reason on hand-built
customers and products, its counts, its settings, its speed; the all-pairs test against
suitability's own check on a generated brokerage is in test_gate_all_pairs.py."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from brokerlens.config import load_settings
from brokerlens.errors import ConfigError
from brokerlens.products.recommend.config import (
    TYPES,
    RecommendationConfig,
    config_path,
    default_config,
    load_config,
    parse_config,
)
from brokerlens.products.recommend.gate import (
    BIT,
    REASONS,
    SUITABILITY,
    GateCustomers,
    GateProducts,
    counts,
    gate,
    gate_customers,
    gate_products,
    held_matrix,
    removed,
)
from brokerlens.suitability.rules import default_rules
from brokerlens.web.i18n import MESSAGES, translate
from support.page_text import run_problems

T = dt.date(2025, 6, 30)
RULES = default_rules()
ALL_VARIETIES = list(TYPES)

FACT_TYPES = {
    "customer_id": pa.string(),
    "investor_class": pa.string(),
    "assessment_id": pa.string(),
    "risk_class": pa.string(),
    "horizon": pa.string(),
    "varieties": pa.string(),
    "expire_date": pa.date32(),
    "lowest_category": pa.bool_(),
    "services": pa.list_(pa.string()),
}
PRODUCT_TYPES = {
    "product_id": pa.string(),
    "product_type": pa.string(),
    "risk_level": pa.string(),
    "term_days": pa.int64(),
    "status": pa.string(),
}


def customer(
    customer_id: str,
    klass: str | None = "C3",
    *,
    horizon: str | None = "long",
    varieties: list[str] | str | None = None,
    expire: dt.date | None = dt.date(2026, 6, 30),
    lowest: bool = False,
    professional: bool = False,
    services: list[str] | None = None,
) -> dict[str, Any]:
    """A row of the run's suitability facts (the columns the gate reads); klass None: no
    assessment."""
    declared = ALL_VARIETIES if varieties is None else varieties
    assessed = klass is not None
    return {
        "customer_id": customer_id,
        "investor_class": "professional" if professional else "ordinary",
        "assessment_id": f"Q{customer_id}" if assessed else None,
        "risk_class": klass,
        "horizon": horizon if assessed else None,
        "varieties": (
            (declared if isinstance(declared, str) else json.dumps(declared)) if assessed else None
        ),
        "expire_date": expire if assessed else None,
        "lowest_category": lowest if assessed else None,
        "services": services,
    }


def product(
    product_id: str,
    grade: str = "R3",
    *,
    ptype: str = "hybrid_fund",
    term: int | None = None,
    status: str = "on_sale",
) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "product_type": ptype,
        "risk_level": grade,
        "term_days": term,
        "status": status,
    }


def table(rows: list[dict[str, Any]], types: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({n: pa.array([r[n] for r in rows], t) for n, t in types.items()})


def run_gate(
    customers: list[dict[str, Any]],
    products: list[dict[str, Any]],
    *,
    held: tuple[tuple[int, int], ...] = (),
    config: RecommendationConfig | None = None,
) -> np.ndarray:
    gc = gate_customers(table(customers, FACT_TYPES), T, RULES)
    gp = gate_products(table(products, PRODUCT_TYPES), RULES, config or default_config())
    matrix = np.zeros((len(customers), len(products)), bool)
    for i, j in held:
        matrix[i, j] = True
    return gate(gc, gp, matrix)


def reasons(bits: int) -> set[str]:
    return {r for r in REASONS if bits & int(BIT[r])}


GRADED = [
    product(f"P{g}", g, ptype="asset_mgmt" if g != "R1" else "money_market")
    for g in ["R1", "R2", "R3", "R4", "R5"]
]


def shown(bits: np.ndarray, row: int, products: list[dict[str, Any]]) -> list[str]:
    return [p["product_id"] for p, b in zip(products, bits[row], strict=True) if b == 0]


# --- risk -----------------------------------------------------------------------------------------


def test_a_c1_customer_never_sees_above_r1() -> None:
    bits = run_gate([customer("A", "C1")], GRADED)
    assert shown(bits, 0, GRADED) == ["PR1"]
    assert [reasons(b) for b in bits[0, 1:]] == [{"risk_above_class"}] * 4


def test_a_c3_customer_sees_r3_but_not_r4() -> None:
    bits = run_gate([customer("A", "C3"), customer("B", "C5")], GRADED)
    assert shown(bits, 0, GRADED) == ["PR1", "PR2", "PR3"]
    assert reasons(bits[0, 3]) == {"risk_above_class"}
    assert shown(bits, 1, GRADED) == ["PR1", "PR2", "PR3", "PR4", "PR5"]


def test_the_lowest_category_caps_at_r1_whatever_the_class() -> None:
    bits = run_gate([customer("A", "C4", lowest=True)], GRADED)
    assert shown(bits, 0, GRADED) == ["PR1"]
    # the lowest category's own reason, not the class's (C4 would match R2..R4)
    assert {frozenset(reasons(b)) for b in bits[0, 1:]} == {frozenset({"lowest_category"})}


def test_an_unknown_class_or_grade_shows_nothing_risky() -> None:
    offer = [*GRADED, product("PX", "R9")]
    bits = run_gate([customer("A", "C9"), customer("B", "C5")], offer)
    assert shown(bits, 0, offer) == []
    assert shown(bits, 1, offer) == ["PR1", "PR2", "PR3", "PR4", "PR5"]
    assert reasons(bits[1, -1]) == {"risk_above_class"}


# --- the assessment -------------------------------------------------------------------------------


def test_an_expired_or_missing_assessment_removes_everything_for_ordinary_investors() -> None:
    people = [
        customer("A", None),
        customer("B", "C5", expire=T - dt.timedelta(days=1)),
        customer("C", "C5", expire=T),  # expires on T: still valid on T
        customer("D", None, professional=True),
    ]
    bits = run_gate(people, GRADED)
    assert {frozenset(reasons(b)) for b in bits[0]} == {frozenset({"no_assessment"})}
    assert {frozenset(reasons(b)) for b in bits[1]} == {frozenset({"assessment_expired"})}
    assert shown(bits, 2, GRADED) == [p["product_id"] for p in GRADED]
    # a professional needs no assessment to see what is on sale (private funds included)
    assert shown(bits, 3, GRADED) == [p["product_id"] for p in GRADED]


def test_a_professional_sees_every_suitable_product_but_not_a_closed_one() -> None:
    offer = [
        *GRADED,
        product("PF", "R5", ptype="private_fund", term=730),
        product("CL", "R1", ptype="money_market", status="closed"),
        product("LQ", "R1", ptype="money_market", status="liquidated"),
    ]
    pro = customer(
        "A", "C1", horizon="short", varieties=["money_market"], lowest=True, professional=True
    )
    bits = run_gate([pro], offer)
    assert shown(bits, 0, offer) == ["PR1", "PR2", "PR3", "PR4", "PR5", "PF"]
    assert reasons(bits[0, -2]) == reasons(bits[0, -1]) == {"not_on_sale"}


# --- horizon and variety --------------------------------------------------------------------------


def test_the_horizon_of_a_termed_product_against_the_declared_one() -> None:
    offer = [
        product("OPEN", "R3"),  # open-ended: no requirement
        product("T180", "R3", ptype="asset_mgmt", term=180),  # short
        product("T730", "R3", ptype="asset_mgmt", term=730),  # medium
        product("T2000", "R3", ptype="asset_mgmt", term=2000),  # long
    ]
    people = [
        customer("S", horizon="short"),
        customer("M", horizon="medium"),
        customer("L", horizon="long"),
        customer("N", horizon=None),
    ]
    bits = run_gate(people, offer)
    assert shown(bits, 0, offer) == ["OPEN", "T180"]
    assert shown(bits, 1, offer) == ["OPEN", "T180", "T730"]
    assert shown(bits, 2, offer) == ["OPEN", "T180", "T730", "T2000"]
    assert shown(bits, 3, offer) == ["OPEN"]  # none declared: no termed product
    assert reasons(bits[1, 3]) == {"horizon"}


def test_a_type_outside_the_declared_varieties_is_removed() -> None:
    offer = [product("MM", "R1", ptype="money_market"), product("BF", "R2", ptype="bond_fund")]
    people = [
        customer("A", "C3", varieties=["money_market"]),
        customer("B", "C3", varieties="not json"),
        customer("C", "C3", varieties='{"bond_fund": 1}'),
    ]
    bits = run_gate(people, offer)
    assert shown(bits, 0, offer) == ["MM"]
    assert reasons(bits[0, 1]) == {"variety"}
    assert shown(bits, 1, offer) == shown(bits, 2, offer) == []  # unreadable: none declared


def test_several_reasons_of_one_pair_are_all_kept() -> None:
    offer = [product("EQ", "R4", ptype="equity_fund", term=730, status="closed")]
    bits = run_gate([customer("A", "C2", horizon="short", varieties=["money_market"])], offer)
    assert reasons(bits[0, 0]) == {"not_on_sale", "risk_above_class", "horizon", "variety"}


# --- investor class, permission, holdings ---------------------------------------------------------


def test_private_funds_go_to_professional_investors_only() -> None:
    offer = [product("PF", "R5", ptype="private_fund", term=180)]
    people = [customer("A", "C5"), customer("B", "C5", professional=True)]
    bits = run_gate(people, offer)
    assert reasons(bits[0, 0]) == {"investor_class"}
    assert bits[1, 0] == 0
    anyone = parse_config("gate: {professional_only_types: []}", "f.yaml")
    assert run_gate(people, offer, config=anyone)[0, 0] == 0


def test_a_type_mapped_to_a_service_needs_the_signed_service() -> None:
    config = parse_config("gate: {service_of_type: {advisory: advisory}}", "f.yaml")
    offer = [product("ADV", "R3", ptype="advisory"), product("HF", "R3")]
    people = [
        customer("A", services=["advisory", "margin"]),
        customer("B", services=["margin"]),
        customer("C", services=None),
        customer("D", services=None, professional=True),
    ]
    bits = run_gate(people, offer, config=config)
    assert shown(bits, 0, offer) == ["ADV", "HF"]
    assert reasons(bits[1, 0]) == reasons(bits[2, 0]) == reasons(bits[3, 0]) == {"permission"}
    assert bits[1:, 1].tolist() == [0, 0, 0]
    assert not run_gate(people, offer).any()  # the shipped settings map no type


def test_a_held_termed_product_is_removed_a_held_open_ended_one_kept() -> None:
    offer = [product("OPEN", "R3"), product("TERM", "R3", ptype="asset_mgmt", term=365)]
    people = [customer("A"), customer("B", professional=True), customer("C")]
    bits = run_gate(people, offer, held=((0, 0), (0, 1), (1, 1)))
    assert bits[0, 0] == 0 and reasons(bits[0, 1]) == {"held_no_adding"}
    assert reasons(bits[1, 1]) == {"held_no_adding"}  # professionals too: nothing can be added
    assert shown(bits, 2, offer) == ["OPEN", "TERM"]
    with pytest.raises(ValueError, match="held"):
        gate(
            gate_customers(table(people, FACT_TYPES), T, RULES),
            gate_products(table(offer, PRODUCT_TYPES), RULES, default_config()),
            np.zeros((2, 2), bool),
        )


def test_the_held_matrix_of_a_chunk_of_customers() -> None:
    holdings = pa.table(
        {
            "customer_id": ["B", "A", "Z", "B", "A"],
            "product_id": ["P2", "P1", "P1", "P9", "P2"],
        }
    )
    held = held_matrix(pa.chunked_array([["A"], ["B", "C"]]), pa.array(["P1", "P2"]), holdings)
    assert held.tolist() == [[True, True], [False, True], [False, False]]


def test_a_treatment_approved_in_the_store_replaces_the_source_class() -> None:
    people = [customer("A", None), customer("B", "C5", professional=True)]
    facts = table(people, FACT_TYPES)
    treated = gate_customers(facts, T, RULES, treated={"A": "professional", "B": "ordinary"})
    assert treated.professional.tolist() == [True, False]
    assert gate_customers(facts, T, RULES).professional.tolist() == [False, True]


# --- counts ---------------------------------------------------------------------------------------


def test_counts_per_reason_over_all_pairs_and_over_a_subset() -> None:
    offer = [*GRADED, product("CL", "R5", ptype="equity_fund", status="closed")]
    people = [customer("A", "C1", varieties=["money_market", "asset_mgmt"]), customer("B", None)]
    bits = run_gate(people, offer)
    every = counts(bits)
    assert list(every) == list(REASONS)
    # A: R2..R5 above C1 (4), CL closed, above C1 and not declared; B: 6 without assessment
    assert every["risk_above_class"] == 5
    assert every["not_on_sale"] == 2
    assert every["variety"] == 1
    assert every["no_assessment"] == 6
    assert sum(every.values()) == 14 and removed(bits) == 11
    first = np.zeros(bits.shape, bool)
    first[:, 0] = True
    assert counts(bits, first) == {**dict.fromkeys(REASONS, 0), "no_assessment": 1}
    assert removed(bits, first) == 1
    assert counts(np.zeros((0, 3), np.uint16)) == dict.fromkeys(REASONS, 0)


def test_the_suitability_mask_holds_the_reasons_of_the_check() -> None:
    assert reasons(int(SUITABILITY)) == {
        "no_assessment",
        "assessment_expired",
        "lowest_category",
        "risk_above_class",
        "horizon",
        "variety",
    }


def test_every_reason_reads_in_chinese_and_english() -> None:
    for reason in REASONS:
        key = f"rec.gate.{reason}"
        assert key in MESSAGES, key
        zh, en = translate(key, "zh"), translate(key, "en")
        assert zh != en and run_problems(zh) == [], (key, zh)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii()
    assert {k for k in MESSAGES if k.startswith("rec.gate.")} == {f"rec.gate.{r}" for r in REASONS}


# --- settings -------------------------------------------------------------------------------------


def test_the_shipped_settings_and_an_installations_file(tmp_path: Path) -> None:
    shipped = default_config().gate
    assert shipped.professional_only_types == ("private_fund",)
    assert shipped.service_of_type == {}
    settings = load_settings(home=tmp_path)
    assert load_config(settings) == default_config()
    config_path(settings).parent.mkdir(parents=True)
    config_path(settings).write_text(
        "gate:\n  professional_only_types: [private_fund, asset_mgmt]\n"
        "  service_of_type: {advisory: advisory}\n",
        "utf-8",
    )
    mine = load_config(settings).gate
    assert mine.professional_only_types == ("private_fund", "asset_mgmt")
    assert mine.service_of_type == {"advisory": "advisory"}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "gate: {professional_only_types: [hedge_fund]}",
            r"gate\.professional_only_types.*hedge_fund.*private_fund",
        ),
        (
            "gate: {service_of_type: {advisory: robo}}",
            r"gate\.service_of_type.*robo.*use one of advisory",
        ),
        ("gate: {service_of_type: {robo_fund: advisory}}", r"gate\.service_of_type.*robo_fund"),
        ("gate: {professional_only: [private_fund]}", r"gate\.professional_only"),
        ("gate: [private_fund]", r"field `gate`"),
        ("gate: {professional_only_types: [x}", r"not valid YAML"),
    ],
)
def test_a_bad_settings_file_names_the_key(tmp_path: Path, text: str, names: str) -> None:
    settings = load_settings(home=tmp_path)
    config_path(settings).parent.mkdir(parents=True)
    config_path(settings).write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=rf"recommendation\.yaml.*{names}") as raised:
        load_config(settings)
    if "YAML" not in names:
        assert "recommendation settings" in str(raised.value.hint)


# --- speed ----------------------------------------------------------------------------------------


@pytest.mark.timed
def test_200000_customers_by_100_products_in_well_under_a_second() -> None:
    rng = np.random.default_rng(16)
    n_c, n_p = 200_000, 100
    customers = GateCustomers(
        professional=rng.random(n_c) < 0.01,
        has_assessment=rng.random(n_c) < 0.98,
        expired=rng.random(n_c) < 0.1,
        lowest=rng.random(n_c) < 0.05,
        class_rank=rng.integers(1, 6, n_c).astype(np.int8),
        max_grade=rng.integers(1, 6, n_c).astype(np.int8),
        horizon_rank=rng.integers(0, 4, n_c).astype(np.int8),
        varieties=rng.integers(0, 1 << len(TYPES), n_c).astype(np.int32),
        services=rng.integers(0, 1 << 8, n_c).astype(np.int32),
    )
    products = GateProducts(
        on_sale=rng.random(n_p) < 0.9,
        grade_rank=rng.integers(1, 6, n_p).astype(np.int8),
        horizon_rank=rng.integers(0, 4, n_p).astype(np.int8),
        type_bit=(1 << rng.integers(0, len(TYPES), n_p)).astype(np.int32),
        professional_only=rng.random(n_p) < 0.05,
        service_bit=np.where(rng.random(n_p) < 0.1, 1, 0).astype(np.int32),
        no_adding=rng.random(n_p) < 0.2,
    )
    held = rng.random((n_c, n_p)) < 0.01
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        bits = gate(customers, products, held)
        best = min(best, time.perf_counter() - started)
    assert bits.shape == (n_c, n_p) and bits.dtype == np.uint16
    assert 0 < removed(bits) < n_c * n_p
    assert best < 0.5, f"gate() took {best:.3f} s"

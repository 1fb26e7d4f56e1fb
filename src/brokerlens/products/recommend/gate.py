"""The hard suitability gate of the recommendations: which (customer, product) pairs may be shown.

Applied after scoring and before anything is shown (issue 16 section 3). For each pair, a bit
per reason that removes it (REASONS order); 0 means the pair may be shown. The suitability
reasons (no_assessment .. variety) are exactly `suitability.matching.check(..., context=
"recommendation")` not answering "match": an ordinary investor needs a valid assessment, and
then nothing above the class (the lowest category: nothing above its cap), longer than the
declared horizon or outside the declared varieties; professionals pass them all. The others
hold for everyone but the investor class: a product not on sale, a type sold to professionals
only, a missing service agreement the type needs, a termed product (no adding) already held.

Vectorised for the scorer's chunks: 200,000 customers x 100 products take ~0.1-0.2 s.
A pair removed by a customer-wide reason (no or an expired assessment) carries that reason
only, not the risk, horizon or variety ones (as `check` stops there), so the counts say why.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brokerlens.products.recommend.config import SERVICES, TYPES, RecommendationConfig
from brokerlens.suitability.grades import CLASSES, GRADES, HORIZONS
from brokerlens.suitability.matching import product_horizon
from brokerlens.suitability.rules import Rules

REASONS = (
    "not_on_sale",
    "no_assessment",
    "assessment_expired",
    "lowest_category",
    "risk_above_class",
    "horizon",
    "variety",
    "investor_class",
    "permission",
    "held_no_adding",
)
BIT = {reason: np.uint16(1 << i) for i, reason in enumerate(REASONS)}
# the reasons `suitability.matching.check` gives (a pair without them is a "match" there)
SUITABILITY = np.uint16(sum(int(BIT[r]) for r in REASONS[1:7]))
ALL_TYPES = np.int32((1 << len(TYPES)) - 1)
TOP_GRADE = len(GRADES)
LONGEST = len(HORIZONS)


@dataclass(frozen=True)
class GateCustomers:
    """One entry per customer (row i = the facts table's row i)."""

    professional: np.ndarray  # bool: treated as a professional investor
    has_assessment: np.ndarray  # bool
    expired: np.ndarray  # bool: the newest assessment's expire_date is before T
    lowest: np.ndarray  # bool: the answers place the investor in the lowest category
    class_rank: np.ndarray  # int8: 1..5 for C1..C5, 0 none (or a class the rules do not know)
    max_grade: np.ndarray  # int8: the highest grade rank the risk rules match (rules.matching
    #   of the class, or rules.lowest_category_max_grade in the lowest category; 0 none)
    horizon_rank: np.ndarray  # int8: 0 none declared, 1 short, 2 medium, 3 long
    varieties: np.ndarray  # int32: bit i = TYPES[i] declared
    services: np.ndarray  # int32: bit i = SERVICES[i] signed and live on T

    def __len__(self) -> int:
        return len(self.professional)


@dataclass(frozen=True)
class GateProducts:
    """One entry per product (row j = the products table's row j)."""

    on_sale: np.ndarray  # bool
    grade_rank: np.ndarray  # int8: 1..5 for R1..R5
    horizon_rank: np.ndarray  # int8: what the term asks for, 0 = no requirement (open-ended)
    type_bit: np.ndarray  # int32: 1 << TYPES.index(product_type), 0 for a type not in TYPES
    professional_only: np.ndarray  # bool: sold to professional investors only (config)
    service_bit: np.ndarray  # int32: 1 << SERVICES.index(service needed), 0 = none
    no_adding: np.ndarray  # bool: termed (closed periods): nothing added once held

    def __len__(self) -> int:
        return len(self.on_sale)


def gate(
    customers: GateCustomers, products: GateProducts, held: np.ndarray | None = None
) -> np.ndarray:
    """(n_customers, n_products) uint16: a bit per reason removing the pair; 0 = may be shown.
    `held` (bool, same shape): the customer holds the product on T (None: nothing held)."""
    n_c, n_p = len(customers), len(products)
    c, p = customers, products
    ordinary = ~c.professional
    # the pairwise suitability reasons apply to ordinary investors with a valid assessment only
    judged = ordinary & c.has_assessment & ~c.expired
    per_customer = np.zeros(n_c, np.uint16)
    per_customer[ordinary & ~c.has_assessment] |= BIT["no_assessment"]
    per_customer[ordinary & c.has_assessment & c.expired] |= BIT["assessment_expired"]
    per_product = np.where(p.on_sale, 0, BIT["not_on_sale"]).astype(np.uint16)
    bits = per_customer[:, None] | per_product[None, :]

    # risk: one comparison; the customer decides which reason it is (lowest cap or class)
    cap = np.where(judged, c.max_grade, np.iinfo(np.int8).max).astype(np.int8)
    which = np.where(c.lowest, BIT["lowest_category"], BIT["risk_above_class"]).astype(np.uint16)
    bits |= (p.grade_rank[None, :] > cap[:, None]) * which[:, None]
    reach = np.where(judged, c.horizon_rank, LONGEST).astype(np.int8)
    bits |= (p.horizon_rank[None, :] > reach[:, None]) * BIT["horizon"]
    # (types and services fit in 16 bits: uint16 halves the memory the masks go through)
    declared = np.where(judged, c.varieties, ALL_TYPES).astype(np.uint16)
    bits |= ((declared[:, None] & p.type_bit.astype(np.uint16)[None, :]) == 0) * BIT["variety"]

    only = p.professional_only
    if only.any():
        bits |= (ordinary[:, None] & only[None, :]) * BIT["investor_class"]
    needs = p.service_bit.astype(np.uint16)
    if needs.any():
        lacks = (c.services.astype(np.uint16)[:, None] & needs[None, :]) == 0
        bits |= (lacks & (needs != 0)[None, :]) * BIT["permission"]
    if held is not None and p.no_adding.any():
        if held.shape != (n_c, n_p):
            raise ValueError(f"held is {held.shape}, the gate is ({n_c}, {n_p})")
        bits |= (held & p.no_adding[None, :]) * BIT["held_no_adding"]
    return bits


def counts(bits: np.ndarray, among: np.ndarray | None = None) -> dict[str, int]:
    """Pairs carrying each reason (REASONS order), over all pairs or those `among` marks (bool,
    the shape of `bits`); a pair with several reasons counts for each."""
    chosen = bits[among] if among is not None else bits.ravel()
    tally = np.bincount(chosen, minlength=1 << len(REASONS))
    values = np.arange(len(tally))
    return {r: int(tally[(values & int(BIT[r])) != 0].sum()) for r in REASONS}


def removed(bits: np.ndarray, among: np.ndarray | None = None) -> int:
    """Pairs the gate removes (any reason), over all pairs or those `among` marks."""
    chosen = bits[among] if among is not None else bits
    return int(np.count_nonzero(chosen))


# -- from the run's files -----------------------------------------------------------------------


def gate_customers(
    facts: pa.Table,
    as_of: dt.date,
    rules: Rules,
    *,
    treated: Mapping[str, str] | None = None,
) -> GateCustomers:
    """The gate's view of the run's suitability facts (`suitability_facts_file(T)`, any row
    order, kept). `treated`: customer_id -> investor class as treated after an approved
    request (`suitability.workflow.treatments`), replacing the source's for those customers.

    The lowest category is the file's `lowest_category` (the questionnaires' triggers, in SQL);
    the service layer re-scores the answers instead and finds none when they cannot be scored.
    The two differ only there, and the file's is the stricter (R1 at most)."""
    n = facts.num_rows
    professional = _bool(pc.equal(facts.column("investor_class"), "professional"))
    if treated:
        keys = pa.array(list(treated), pa.string())
        as_professional = np.array([v == "professional" for v in treated.values()], bool)
        where = _positions(facts.column("customer_id"), keys)
        found = where >= 0
        professional[found] = as_professional[where[found]]
    has_assessment = _bool(pc.is_valid(facts.column("assessment_id")))
    expire = facts.column("expire_date")
    expired = has_assessment & _bool(pc.less(expire, pa.scalar(as_of, pa.date32())))
    lowest = has_assessment & _bool(facts.column("lowest_category"))
    class_rank = _ranks(facts.column("risk_class"), CLASSES) * has_assessment
    allowed = np.array([0] + [GRADES.index(rules.matching[k]) + 1 for k in CLASSES], np.int8)
    cap = np.int8(GRADES.index(rules.lowest_category_max_grade) + 1)
    max_grade = np.where(lowest, cap, allowed[class_rank]).astype(np.int8)
    horizon_rank = _ranks(facts.column("horizon"), HORIZONS) * has_assessment
    return GateCustomers(
        professional=professional,
        has_assessment=has_assessment,
        expired=expired,
        lowest=lowest,
        class_rank=class_rank.astype(np.int8),
        max_grade=max_grade,
        horizon_rank=horizon_rank.astype(np.int8),
        varieties=_varieties(facts.column("varieties"), n),
        services=_services(facts.column("services"), n),
    )


def gate_products(products: pa.Table, rules: Rules, config: RecommendationConfig) -> GateProducts:
    """The gate's view of the products as of T (product_id, product_type, risk_level, term_days,
    status; any row order, kept)."""
    ptype = products.column("product_type")
    term = products.column("term_days")
    horizons = [product_horizon(t, rules) for t in term.to_pylist()]
    type_index = _ranks(ptype, TYPES)
    type_bit = np.where(type_index > 0, np.left_shift(1, np.maximum(type_index - 1, 0)), 0)
    needs = config.gate.service_of_type
    # an unknown grade counts as above every grade: no class's matching lets it through
    grade = _ranks(products.column("risk_level"), GRADES)
    grade_rank = np.where(grade > 0, grade, TOP_GRADE + 1).astype(np.int8)
    service_bit = [1 << SERVICES.index(needs[t]) if t in needs else 0 for t in ptype.to_pylist()]
    return GateProducts(
        on_sale=_bool(pc.equal(products.column("status"), "on_sale")),
        grade_rank=grade_rank,
        horizon_rank=np.array(
            [0 if h is None else HORIZONS.index(h) + 1 for h in horizons], np.int8
        ),
        type_bit=type_bit.astype(np.int32),
        professional_only=_bool(
            pc.is_in(ptype, value_set=pa.array(config.gate.professional_only_types, pa.string()))
        ),
        service_bit=np.array(service_bit, np.int32),
        no_adding=_bool(pc.is_valid(term)),
    )


def held_matrix(
    customer_ids: pa.Array | pa.ChunkedArray,
    product_ids: pa.Array | pa.ChunkedArray,
    holdings: pa.Table,
) -> np.ndarray:
    """bool (len(customer_ids), len(product_ids)): which of these customers hold which of these
    products, from `holdings` (customer_id, product_id: the product holdings of T; other
    customers' and products' rows are left out)."""
    out = np.zeros((len(customer_ids), len(product_ids)), bool)
    rows = _positions(holdings.column("customer_id"), customer_ids)
    cols = _positions(holdings.column("product_id"), product_ids)
    both = (rows >= 0) & (cols >= 0)
    out[rows[both], cols[both]] = True
    return out


def _positions(values: pa.Array | pa.ChunkedArray, of: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Each value's position in `of`, -1 where it is not there."""
    listed = of.combine_chunks() if isinstance(of, pa.ChunkedArray) else of
    index = pc.index_in(values, value_set=listed)
    return np.asarray(pc.fill_null(index, -1).to_numpy(zero_copy_only=False), np.int64)


def _bool(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean column as numpy, null as False."""
    filled = pc.fill_null(values, False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def _ranks(values: pa.Array | pa.ChunkedArray, scale: tuple[str, ...]) -> np.ndarray:
    """1-based position of each value in `scale`, 0 for null or a value not in it."""
    index = pc.index_in(values, value_set=pa.array(scale, pa.string()))
    return np.asarray(pc.fill_null(index, -1).to_numpy(zero_copy_only=False), np.int64) + 1


def _varieties(texts: pa.Array | pa.ChunkedArray, n: int) -> np.ndarray:
    """The declared varieties (JSON text of a list of product types) as a bitmask; the texts
    repeat, so each distinct one is read once."""
    encoded = pc.dictionary_encode(texts).combine_chunks()
    masks = np.array([_variety_mask(t) for t in encoded.dictionary.to_pylist()] + [0], np.int32)
    index = pc.fill_null(encoded.indices, len(masks) - 1).to_numpy(zero_copy_only=False)
    return masks[np.asarray(index, np.int64)] if n else np.zeros(0, np.int32)


def _variety_mask(text: str | None) -> int:
    # as the service layer reads them (suitability.lake): a JSON list, else none declared
    try:
        listed = json.loads(text) if text else []
    except json.JSONDecodeError:
        listed = []
    if not isinstance(listed, list):
        return 0
    return sum(1 << TYPES.index(str(v)) for v in set(map(str, listed)) if str(v) in TYPES)


def _services(lists: pa.Array | pa.ChunkedArray, n: int) -> np.ndarray:
    """The live services (a list of service names per customer) as a bitmask."""
    combined = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
    out = np.zeros(n, np.int32)
    if len(combined) == 0:
        return out
    owner = np.asarray(pc.list_parent_indices(combined).to_numpy(), np.int64)
    rank = _ranks(pc.list_flatten(combined), SERVICES)
    known = rank > 0
    np.bitwise_or.at(out, owner[known], np.left_shift(1, rank[known] - 1).astype(np.int32))
    return out

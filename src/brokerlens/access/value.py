"""Value and contribution (issue 22, 经营分析 section 3): how concentrated net commission is
(Pareto: the fewest customers making 80% of it, overall, by tier and by branch) and the top
contributors over the customers' whole history, within the viewer's scope.

Read from the served profile: the columnar copy by DuckDB when served, else the store. The
scoped customers' 12-month net commission comes back as one Arrow column (3 million customers:
a few tenths of a second) and is ranked in exact integer cents with numpy, one sort for every
grouping; the answer is kept per served file and scope (`columnar.remember`). The top
contributors are a customer list (`customers.filters_on`, masked) and audited `view_value`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from brokerlens.access import columnar
from brokerlens.access.audit import audit_read
from brokerlens.access.conditions import CustomerQuery, Filters, order_by
from brokerlens.access.customers import columnar_page, filters_on, page_of
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.engine.sqltext import ident
from brokerlens.errors import InvalidRequest
from brokerlens.warehouse.served import parquet_source

MEASURE = "net_commission_12m"  # the Pareto's commission: the indicators' 12-month window
LIFETIME = "net_commission_lifetime"  # the top contributors' ranking
TIER = "customer_tier"
BRANCH = "branch_id"
DEFAULT_SHARE = 0.8
MAX_TOP = 100
CURVE_POINTS = 100  # the curve's points: every percent of the customers in scope
TOP_COLUMNS = (
    "customer_id",
    "name",
    "branch_id",
    "customer_tier",
    "open_date",
    LIFETIME,
    MEASURE,
)
CENT = Decimal("0.01")

Cents = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ParetoGroup:
    """One group's concentration: of `customers` in scope, `contributors` had a positive net
    commission (`commission` in all, yuan) and the `needed` largest of them make `share` of it."""

    key: str | None  # the tier's value, the branch id; None: everyone in scope
    customers: int
    contributors: int
    commission: Decimal
    needed: int

    @property
    def customer_share(self) -> float | None:
        """`needed` as a share of every customer of the group (None: an empty group)."""
        return self.needed / self.customers if self.customers else None

    @property
    def contributor_share(self) -> float | None:
        return self.needed / self.contributors if self.contributors else None


@dataclass(frozen=True)
class Concentration:
    overall: ParetoGroup
    by_tier: list[ParetoGroup]
    by_branch: list[ParetoGroup]
    # (share of the customers in scope, share of the commission they make), the largest first
    curve: list[tuple[float, float]]


@dataclass(frozen=True)
class ValueAnalysis:
    as_of_date: dt.date
    snapshot_id: int
    measure: str
    share: float
    overall: ParetoGroup
    by_tier: list[ParetoGroup]
    by_branch: list[ParetoGroup]
    curve: list[tuple[float, float]]
    top_measure: str | None  # None: the profile has no lifetime column (published before it)
    top: list[dict[str, Any]] = field(default_factory=list)  # masked


def value_analysis(
    db: sa.Engine, principal: Principal, *, share: float = DEFAULT_SHARE, top: int = 20
) -> ValueAnalysis:
    """The Pareto of the scope's 12-month net commission and its `top` lifetime contributors;
    audited `view_value` with those customers."""
    if not 0.5 <= share <= 0.99:
        raise InvalidRequest(f"share: {share} is not between 0.5 and 0.99")
    if not 1 <= top <= MAX_TOP:
        raise InvalidRequest(f"top: {top} is not between 1 and {MAX_TOP}")
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        if snapshot.column(MEASURE) is None:
            raise InvalidRequest(
                f"the published profile has no {MEASURE} column",
                hint="run the day again (brokerlens run, publish) with this version",
            )
        path, filters = filters_on(
            connection, principal, snapshot, CustomerQuery(), purpose="value"
        )
        found = _concentration(connection, snapshot, path, filters, share)
        top_measure = LIFETIME if snapshot.column(LIFETIME) is not None else None
        rows: list[dict[str, Any]] = []
        if top_measure is not None:
            query = CustomerQuery(sort=top_measure, descending=True, page_size=top)
            ranked = _sorted(snapshot, filters, query)
            page = (
                columnar_page(connection, path, snapshot, ranked, query)
                if path is not None
                else page_of(connection, snapshot, ranked, query)
            )
            rows = [{k: r.get(k) for k in TOP_COLUMNS} for r in page.rows]
    ids = [str(r["customer_id"]) for r in rows]
    detail = {"share": share, "top": top, "snapshot_id": snapshot.snapshot_id}
    audit_read(db, principal, "view_value", ids, detail)
    return ValueAnalysis(
        as_of_date=snapshot.as_of_date,
        snapshot_id=snapshot.snapshot_id,
        measure=MEASURE,
        share=share,
        overall=found.overall,
        by_tier=found.by_tier,
        by_branch=found.by_branch,
        curve=found.curve,
        top_measure=top_measure,
        top=rows,
    )


def _sorted(snapshot: Snapshot, filters: Filters, query: CustomerQuery) -> Filters:
    """The scope's filters, sorted as `query` says (a known column)."""
    return Filters(filters.where, order_by(snapshot, query.sort, query.descending))


# --- the concentration --------------------------------------------------------------------------


def _concentration(
    connection: sa.Connection,
    snapshot: Snapshot,
    path: str | None,
    filters: Filters,
    share: float,
) -> Concentration:
    has_tier = snapshot.column(TIER) is not None
    if path is None:
        found = _store_rows(connection, snapshot, filters, has_tier)
        return _compute(*found, snapshot, share)
    where = filters.duckdb_where()
    question = ("value", where.sql, tuple(map(str, where.params)), share, has_tier)
    return columnar.remember(
        path,
        question,
        lambda: _compute(*_columnar_rows(path, where.sql, where.params, has_tier), snapshot, share),
    )


# (tier, branch, customers) of the scope; the contributors' (tier, branch, m) as Arrow
Counts = list[tuple[str | None, str | None, int]]


def _columnar_rows(
    path: str, where: str, params: Sequence[Any], has_tier: bool
) -> tuple[Counts, pa.Table]:
    """Counted by DuckDB; only the customers with commission come back as rows (at 3 million
    customers, moving every row to Python cost more than ranking the contributors)."""
    tier = ident(TIER) if has_tier else "CAST(NULL AS VARCHAR)"
    source = parquet_source(path)
    counted = columnar.arrow_of(
        f"SELECT {tier} AS tier, {ident(BRANCH)} AS branch, count(*) AS n FROM {source} "
        f"WHERE {where} GROUP BY ALL",
        list(params),
    )
    counts = [(r["tier"], r["branch"], int(r["n"])) for r in counted.to_pylist()]
    contributors = columnar.arrow_of(
        f"SELECT {tier} AS tier, {ident(BRANCH)} AS branch, {ident(MEASURE)} AS m "
        f"FROM {source} WHERE ({where}) AND {ident(MEASURE)} > 0",
        list(params),
    )
    return counts, contributors


def _store_rows(
    connection: sa.Connection, snapshot: Snapshot, filters: Filters, has_tier: bool
) -> tuple[Counts, pa.Table]:
    table = snapshot.table
    tier = table.c[TIER] if has_tier else sa.null()
    branch, measure = table.c[BRANCH], table.c[MEASURE]
    counts = [
        (r[0], r[1], int(r[2]))
        for r in connection.execute(
            sa.select(tier, branch, sa.func.count()).where(*filters.where).group_by(tier, branch)
        ).all()
    ]
    rows = connection.execute(
        sa.select(tier, branch, measure).where(*filters.where, measure > 0)
    ).all()
    contributors = pa.table(
        {
            "tier": pa.array([r[0] for r in rows], pa.string()),
            "branch": pa.array([r[1] for r in rows], pa.string()),
            "m": pa.array([r[2] for r in rows], pa.float64()),
        }
    )
    return counts, contributors


def _compute(counts: Counts, found: pa.Table, snapshot: Snapshot, share: float) -> Concentration:
    """Every grouping from one descending sort of the contributors' cents."""
    money = found["m"].to_numpy(zero_copy_only=False)
    cents = np.rint(np.nan_to_num(money.astype(np.float64)) * 100).astype(np.int64)
    positive = cents > 0  # an amount under half a cent contributes nothing
    order = np.argsort(-cents[positive], kind="stable")
    ranked = cents[positive][order]
    need = _needed_fraction(share)
    _, (needed, _, _) = _needed(ranked, np.zeros(len(ranked), np.int64), need)
    customers = sum(n for _, _, n in counts)
    overall = ParetoGroup(None, customers, len(ranked), _yuan(int(ranked.sum())), int(needed.sum()))
    tier_counts: dict[str | None, int] = {}
    branch_counts: dict[str | None, int] = {}
    for tier, branch, n in counts:
        tier_counts[tier] = tier_counts.get(tier, 0) + n
        branch_counts[branch] = branch_counts.get(branch, 0) + n
    by_tier = _groups(_codes(found["tier"]), tier_counts, positive, order, ranked, need)
    by_branch = _groups(_codes(found["branch"]), branch_counts, positive, order, ranked, need)
    tier_order = _tier_order(snapshot)
    by_tier.sort(key=lambda g: (tier_order.get(g.key or "", len(tier_order)), g.key or ""))
    by_branch.sort(key=lambda g: g.key or "")
    return Concentration(overall, by_tier, by_branch, _curve(ranked, customers))


def _codes(column: pa.ChunkedArray) -> tuple[list[str | None], npt.NDArray[np.int64]]:
    """(the distinct values, each row's index among them)."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    values = [None if v is None else str(v) for v in encoded.dictionary.to_pylist()]
    indices = encoded.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    if encoded.indices.null_count:
        values.append(None)
    return values, indices.astype(np.int64)


def _needed_fraction(share: float) -> tuple[int, int]:
    """`share` as a fraction of whole numbers (0.8 -> 4/5), so the comparison stays exact."""
    fraction = Decimal(str(share)).as_integer_ratio()
    return int(fraction[0]), int(fraction[1])


def _needed(
    ranked: Cents, codes: npt.NDArray[np.int64], need: tuple[int, int]
) -> tuple[npt.NDArray[np.int64], tuple[npt.NDArray[np.int64], Cents, npt.NDArray[np.int64]]]:
    """Per group of `codes` (aligned with `ranked`, the cents in descending order): (the
    groups' codes, (needed, total cents, contributors)). A customer is needed while the larger
    ones before it make less than `need` of the group's total: an exact count whatever the
    order among equal amounts."""
    if len(ranked) == 0:
        empty = np.zeros(0, np.int64)
        return empty, (empty, empty, empty)
    if codes.max() == codes.min():  # one group: already in order
        group, cents = codes, ranked
    else:
        # by group, each still largest first; small codes sort by radix (a few ms at millions)
        small = codes.astype(np.int16) if codes.max() < np.iinfo(np.int16).max else codes
        order = np.argsort(small, kind="stable")
        group, cents = codes[order], ranked[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    running = np.cumsum(cents)
    prior = np.r_[0, running[starts[1:] - 1]]
    totals = running[ends - 1] - prior
    sizes = ends - starts
    before = running - cents - np.repeat(prior, sizes)
    numerator, denominator = need
    wanted = before * denominator < np.repeat(totals, sizes) * numerator
    needed = np.add.reduceat(wanted.astype(np.int64), starts)
    return group[starts], (needed, totals, sizes)


def _groups(
    coded: tuple[list[str | None], npt.NDArray[np.int64]],
    everyone: dict[str | None, int],
    positive: npt.NDArray[np.bool_],
    order: npt.NDArray[np.intp],
    ranked: Cents,
    need: tuple[int, int],
) -> list[ParetoGroup]:
    """Every group of the scope (`everyone`: its customers), with its contributors' figures."""
    values, codes = coded
    keys, (needed, totals, sizes) = _needed(ranked, codes[positive][order], need)
    found = {
        values[int(k)]: (int(n), int(t), int(s))
        for k, n, t, s in zip(keys, needed, totals, sizes, strict=True)
    }
    groups = []
    for value, customers in everyone.items():
        n, total, size = found.get(value, (0, 0, 0))
        groups.append(ParetoGroup(value, customers, size, _yuan(total), n))
    return groups


def _curve(ranked: Cents, customers: int) -> list[tuple[float, float]]:
    """The cumulative share of commission against the share of customers (all of the scope,
    the largest contributors first), at every percent."""
    if customers == 0 or len(ranked) == 0:
        return [(0.0, 0.0), (1.0, 0.0)] if customers else []
    running = np.cumsum(ranked)
    total = float(running[-1])
    points = [(0.0, 0.0)]
    for step in range(1, CURVE_POINTS + 1):
        upto = -(-customers * step // CURVE_POINTS)  # ceil: the customers up to this percent
        made = running[min(upto, len(ranked)) - 1]
        points.append((step / CURVE_POINTS, round(float(made) / total, 6)))
    return points


def _yuan(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def _tier_order(snapshot: Snapshot) -> dict[str, int]:
    item = snapshot.catalog.get(TIER) if snapshot.catalog is not None else None
    if item is None:
        return {}
    values = [r.value for r in item.rules if r.value] + [item.default]
    return {v: i for i, v in enumerate(dict.fromkeys(values))}

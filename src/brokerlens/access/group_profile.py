"""A group's profile (群组画像, issue 25): its distribution over tiers, asset buckets, risk
classes, preferences and branches, beside the whole book in the viewer's scope.

One query per dimension: `SELECT value, count(*) FILTER (WHERE <group>), count(*) FROM profile
WHERE <scope> GROUP BY value`, over the served columnar copy when there is one (DuckDB), else the
store's profile table. The group's conditions and the scope are compiled as every list compiles
them (`filters_on`: values bound, personal fields refused). Aggregates only: audited
`view_group_profile` naming no customer, as the cross-tab is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.access import columnar
from brokerlens.access.audit import audit_read
from brokerlens.access.conditions import CustomerQuery
from brokerlens.access.customers import filters_on
from brokerlens.access.render import duckdb_sql
from brokerlens.access.segments import _get
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.warehouse.served import parquet_source

# the profile's columns a group is described by, those the served profile has, in this order
DIMENSIONS = (
    "customer_tier",
    "service_level",
    "asset_bucket_current",
    "regulatory_class",
    "holdings_risk_score",
    "product_preference",
    "board_preference",
    "branch_id",
)
MAX_BUCKETS = 60  # a dimension's values shown (the biggest in the book), the rest as one


@dataclass(frozen=True)
class Bucket:
    value: Any  # None: customers without a value
    group: int
    book: int
    group_share: float | None
    book_share: float | None

    @property
    def lift(self) -> float | None:
        """The group's share over the book's (1: as common in the group as in the book)."""
        if self.group_share is None or not self.book_share:
            return None
        return self.group_share / self.book_share


@dataclass(frozen=True)
class Dimension:
    name: str
    buckets: list[Bucket]


@dataclass(frozen=True)
class GroupProfile:
    segment_id: int
    as_of_date: dt.date
    group_total: int
    book_total: int
    dimensions: list[Dimension]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def group_profile(
    db: sa.Engine, principal: Principal, segment_id: int, settings: Settings | None = None
) -> GroupProfile:
    """The group's distribution against the book, both cut to the viewer's scope; audited
    `view_group_profile` (aggregates: no customer named)."""
    with db.connect() as connection:
        item = _get(connection, principal, segment_id)
        snapshot = served_snapshot_on(connection)
        names = [d for d in DIMENSIONS if snapshot.column(d) is not None]
        path, book = filters_on(
            connection, principal, snapshot, CustomerQuery(), purpose="group_profile"
        )
        _, group = filters_on(
            connection,
            principal,
            snapshot,
            CustomerQuery(conditions=item.conditions),
            purpose="group_profile",
            settings=settings,
        )
        member = sa.and_(*group.where) if group.where else sa.true()
        found: dict[str, list[tuple[Any, int, int]]] = {}
        for name in names:
            value = snapshot.table.c[name]
            if path is not None:
                cond, p1 = duckdb_sql(member)
                value_sql, p0 = duckdb_sql(value)
                where = book.duckdb_where()
                sql = (
                    f"SELECT {value_sql} AS v, count(*) FILTER (WHERE {cond}) AS g, "
                    f"count(*) AS b FROM {parquet_source(path)} WHERE {where.sql} GROUP BY 1"
                )
                rows = columnar.query_file(path, sql, p0 + p1 + list(where.params))
                found[name] = [(r["v"], int(r["g"] or 0), int(r["b"] or 0)) for r in rows]
            else:
                rows_ = connection.execute(
                    sa.select(value, sa.func.count().filter(member), sa.func.count())
                    .where(*book.where)
                    .group_by(value)
                ).all()
                found[name] = [(r[0], int(r[1] or 0), int(r[2] or 0)) for r in rows_]
    group_total = book_total = 0
    if found:
        first = next(iter(found.values()))
        group_total = sum(g for _, g, _ in first)
        book_total = sum(b for _, _, b in first)
    dimensions = [
        Dimension(
            name,
            _buckets(found[name], group_total, book_total, catalog_values(snapshot, name)),
        )
        for name in names
    ]
    audit_read(
        db,
        principal,
        "view_group_profile",
        [],
        {
            "segment_id": segment_id,
            "dimensions": names,
            "customers": group_total,
            "book": book_total,
        },
    )
    return GroupProfile(segment_id, snapshot.as_of_date, group_total, book_total, dimensions)


def catalog_values(snapshot: Any, name: str) -> dict[str, str | None]:
    """A classification's values in the catalog's order -> their English label (None: none)."""
    catalog = getattr(snapshot, "catalog", None)
    item = catalog.get(name) if catalog is not None else None
    if item is None:
        return {}
    out: dict[str, str | None] = {}
    if item.buckets is not None:
        english = item.buckets.labels_en or [None] * len(item.buckets.labels)
        out.update(zip(item.buckets.labels, english, strict=False))
    for rule in item.rules:
        if rule.value is not None:
            out.setdefault(rule.value, rule.value_en)
    out.setdefault(item.default, item.default_en)
    return out


def _buckets(
    rows: list[tuple[Any, int, int]], group: int, book: int, known: dict[str, str | None]
) -> list[Bucket]:
    rows = sorted(rows, key=lambda r: (-r[2], str(r[0])))
    kept = rows[:MAX_BUCKETS]
    rest = rows[MAX_BUCKETS:]
    if rest:
        kept.append(("…", sum(r[1] for r in rest), sum(r[2] for r in rest)))
    place = {v: i for i, v in enumerate(known)}

    def order(row: tuple[Any, int, int]) -> tuple[int, int, str]:
        value = row[0]
        if value is None or value == "…":
            return (2, 0, "")
        return (0, place[value], "") if value in place else (1, 0, str(value))

    return [
        Bucket(value, g, b, _share(g, group), _share(b, book))
        for value, g, b in sorted(kept, key=order)
    ]

"""Customer lists, counts, the 360 view and the assets curve, always within the caller's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.access import columnar
from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.conditions import (
    MAX_PAGE_SIZE,
    Condition,
    CustomerQuery,
    Filters,
    Node,
    compile_query,
)
from brokerlens.access.detail import (
    INDEX_ID,
    AssetPoint,
    CustomerFacts,
    assets_history,
    chart_history,
    customer_facts,
)
from brokerlens.access.masking import mask_row
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Principal
from brokerlens.classify.model import Classification
from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest, LakeError, NotFound
from brokerlens.store.schema import relationships, staff


@dataclass(frozen=True)
class CustomerPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    as_of_date: dt.date


def not_found(customer_id: str) -> NotFound:
    """The one answer for an unknown customer and for one outside the caller's scope."""
    return NotFound(f"no customer {customer_id[:64]!r}")


def _unfiltered_all(principal: Principal, snapshot: Snapshot, query: CustomerQuery) -> bool:
    return (
        principal.role in ALL_CUSTOMER_ROLES
        and snapshot.rows > 0
        and not (query.conditions or query.branch_id or query.team_id or query.staff_id)
        and not (query.search and query.search.strip())
    )


def page_of(
    connection: sa.Connection,
    snapshot: Snapshot,
    filters: Filters,
    query: CustomerQuery,
    *,
    known_total: int | None = None,
) -> CustomerPage:
    if query.page_size > MAX_PAGE_SIZE:
        raise InvalidRequest(f"page_size: at most {MAX_PAGE_SIZE}")
    table = snapshot.table
    total = known_total
    if total is None:
        total = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(*filters.where)
        ).scalar_one()
    rows = connection.execute(
        sa.select(table)
        .where(*filters.where)
        .order_by(*filters.order)
        .limit(query.page_size)
        .offset((query.page - 1) * query.page_size)
    ).mappings()
    return CustomerPage(
        [mask_row(r) for r in rows], int(total), query.page, query.page_size, snapshot.as_of_date
    )


def columnar_page(
    connection: sa.Connection,
    path: str,
    snapshot: Snapshot,
    filters: Filters,
    query: CustomerQuery,
) -> CustomerPage:
    """As `page_of`: count and the page's ids from the Parquet copy, the page's rows from the
    store's table of the same snapshot by primary key (the same values; a handful of lookups)."""
    if query.page_size > MAX_PAGE_SIZE:
        raise InvalidRequest(f"page_size: at most {MAX_PAGE_SIZE}")
    where = filters.duckdb_where()
    total = columnar.count(path, where)
    offset = (query.page - 1) * query.page_size
    order = filters.duckdb_order()
    ids = columnar.page_ids(path, where, order, query.page_size, offset) if total else []
    table = snapshot.table
    by_id: dict[str, Any] = {}
    if ids:

        def fetch() -> dict[str, Any]:
            found = connection.execute(sa.select(table).where(table.c.customer_id.in_(ids)))
            return {str(r["customer_id"]): dict(r) for r in found.mappings()}

        # a served profile table never changes: the same page's rows are kept with its ids
        by_id = columnar.remember(path, ("rows", snapshot.snapshot_id, *ids), fetch)
    rows = [mask_row(by_id[i]) for i in ids if i in by_id]
    return CustomerPage(rows, total, query.page, query.page_size, snapshot.as_of_date)


def filters_on(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    query: CustomerQuery,
    *,
    purpose: str,
    settings: Settings | None = None,
) -> tuple[str | None, Filters]:
    """(the columnar file or None, the query compiled for the reader that will answer), the
    store's transaction committed (a personal field's audit row; a DuckDB read then holds no
    store transaction open). `settings`: where a product's target customers are found (the
    `recommended_product` condition)."""
    path = columnar.columnar_file(snapshot)
    filters = compile_query(
        connection,
        principal,
        snapshot,
        query,
        purpose=purpose,
        columnar=path is not None,
        settings=settings,
    )
    connection.commit()
    return path, filters


def list_customers(db: sa.Engine, principal: Principal, query: CustomerQuery) -> CustomerPage:
    """One page of customers in scope matching the query (masked), and how many match;
    audited `view_list` with the page's customers."""
    found = _list_page(db, principal, query)
    detail = {"page": query.page, "page_size": query.page_size, "total": found.total}
    audit_read(db, principal, "view_list", _ids(found.rows), detail)
    return found


def _ids(rows: list[dict[str, Any]]) -> list[str]:
    return [str(r["customer_id"]) for r in rows]


def _list_page(db: sa.Engine, principal: Principal, query: CustomerQuery) -> CustomerPage:
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        path, filters = filters_on(connection, principal, snapshot, query, purpose="list")
        if path is not None:
            return columnar_page(connection, path, snapshot, filters, query)
        # The whole book unfiltered: the snapshot knows its row count, no 3-million-row count.
        known = snapshot.rows if _unfiltered_all(principal, snapshot, query) else None
        return page_of(connection, snapshot, filters, query, known_total=known)


def count_filtered(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    query: CustomerQuery,
    *,
    purpose: str,
    settings: Settings | None = None,
) -> int:
    """How many customers in scope match the query, from whichever reader serves."""
    path, filters = filters_on(
        connection, principal, snapshot, query, purpose=purpose, settings=settings
    )
    if path is not None:
        return columnar.count(path, filters.duckdb_where())
    table = snapshot.table
    return int(
        connection.execute(
            sa.select(sa.func.count()).select_from(table).where(*filters.where)
        ).scalar_one()
    )


def count_customers(
    db: sa.Engine,
    principal: Principal,
    conditions: list[Condition] | None = None,
    settings: Settings | None = None,
) -> int:
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        query = CustomerQuery(conditions=list[Node](conditions or []))
        return count_filtered(
            connection, principal, snapshot, query, purpose="count", settings=settings
        )


def scoped_row(
    connection: sa.Connection, principal: Principal, snapshot: Snapshot, customer_id: str
) -> dict[str, Any]:
    """The customer's profile row (unmasked) if in scope; NotFound alike for unknown ids."""
    table = snapshot.table
    row = (
        connection.execute(
            sa.select(table).where(
                table.c.customer_id == customer_id, customer_scope(principal, snapshot)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise not_found(customer_id)
    return dict(row)


def _value_en(item: Classification, value: Any) -> str | None:
    if value is None:
        return None
    if value == item.default:
        return item.default_en
    if item.buckets is not None and item.buckets.labels_en:
        for label, en in zip(item.buckets.labels, item.buckets.labels_en, strict=True):
            if label == value:
                return en
    return next((r.value_en for r in item.rules if r.value == value), None)


def grouped(snapshot: Snapshot, row: dict[str, Any]) -> dict[str, Any]:
    """A profile row split into customer, indicators, classifications (labelled) and meta."""
    out: dict[str, Any] = {"customer": {}, "indicators": {}, "classifications": [], "meta": {}}
    for col in snapshot.columns:
        value = row.get(col.name)
        if col.kind == "classification":
            item = snapshot.catalog.get(col.name) if snapshot.catalog else None
            out["classifications"].append(
                {
                    "id": col.name,
                    "zh": item.zh if item else col.name,
                    "en": item.en if item else col.name,
                    "value": value,
                    "value_en": _value_en(item, value) if item else None,
                }
            )
        elif col.kind in ("customer", "indicator"):
            out[col.kind if col.kind == "customer" else "indicators"][col.name] = value
        else:
            out["meta"][col.name] = value
    out["customer"] = mask_row(out["customer"])
    return out


def _relationships(
    connection: sa.Connection, customer_id: str, as_of: dt.date
) -> list[dict[str, Any]]:
    rows = connection.execute(
        sa.select(
            relationships.c.staff_id,
            staff.c.name.label("staff_name"),
            staff.c.unit_id,
            relationships.c.role,
            relationships.c.start_date,
            relationships.c.end_date,
            relationships.c.share_pct,
        )
        .select_from(relationships.outerjoin(staff, staff.c.staff_id == relationships.c.staff_id))
        .where(relationships.c.customer_id == customer_id)
        .order_by(relationships.c.start_date.desc(), relationships.c.role)
    ).mappings()
    return [
        {
            **r,
            "active": r["start_date"] <= as_of and (r["end_date"] is None or r["end_date"] > as_of),
        }
        for r in rows
    ]


def customer_360(
    db: sa.Engine, settings: Settings, principal: Principal, customer_id: str
) -> dict[str, Any]:
    """Everything about one customer in scope; audited `view_360`."""
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        row = scoped_row(connection, principal, snapshot, customer_id)
        rels = _relationships(connection, customer_id, snapshot.as_of_date)
        record_audit(connection, principal, "view_360", [customer_id], {})
    result = grouped(snapshot, row)
    result["customer_id"] = customer_id
    result["as_of_date"] = snapshot.as_of_date
    result["snapshot_id"] = snapshot.snapshot_id
    result["relationships"] = rels
    try:
        facts = customer_facts(settings, customer_id, snapshot.as_of_date)
        result["facts_error"] = None
    except LakeError as exc:
        # The published profile still answers when the lake cannot be read; say so.
        facts = CustomerFacts()
        result["facts_error"] = exc.message
    result.update(facts.by_kind())
    return result


@dataclass(frozen=True)
class CustomerAssets:
    """A customer's daily total assets with the index over the same dates."""

    customer_id: str
    as_of_date: dt.date
    index_id: str
    points: list[AssetPoint]


def customer_assets(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    *,
    charts: bool = False,
) -> CustomerAssets:
    """The customer's daily assets (last 250 loaded dates to the as-of date) with 000300.SH;
    audited `view_assets`. `charts`: what the 360's charts draw (the total, the net transfers
    in, the mix on the last day only), read from the run's lookup when it has them."""
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        record_audit(connection, principal, "view_assets", [customer_id], {})
    history = chart_history if charts else assets_history
    points = history(settings, customer_id, snapshot.as_of_date)
    return CustomerAssets(customer_id, snapshot.as_of_date, INDEX_ID, points)

"""Recommendations (issue 16 section 3), as the run kept them, for the 360, the product pages,
the API and the export.

The run writes every customer's top 10 after the suitability gate twice: by customer
(`recommendations`, sorted by customer_id, rank) and by product (`targets`, sorted by product_id,
score DESC, customer_id), in row groups, so DuckDB's WHERE on the sort key reads a few row
groups of a 30-million-row file, never all of it. Both are read on the lake's one cached
connection (`detail.lake_cursor`), through `warehouse.served` only.

Scope as everywhere: a customer's recommendations answer only a reader who may see the customer
(else 404, as the 360); a product's target customers are cut in DuckDB to the reader's scope
(a staff role's customer ids bound against the file; a manager's branch or region through
`products.scoped_customers`, the profile's columnar copy or the store's ids in scope), so a
broker's page never carries another broker's customers into Python.
The page's names, tiers and branches come from the served profile by primary key, masked like
the customer list. Reads are audited (`view_recommendations`, `view_product_targets`, `export`,
`view_recommendation_report`); the gate's report (counts per reason, no customer) needs the
suitability reports permission (compliance, head office).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.conditions import Condition
from brokerlens.access.customers import scoped_row
from brokerlens.access.detail import lake_cursor
from brokerlens.access.exports import MAX_EXPORT_ROWS, Exported, RowSink, export_name
from brokerlens.access.masking import mask_row
from brokerlens.access.org import org_names
from brokerlens.access.products import RISK_CLASS, TIER, in_scope, scoped_customers
from brokerlens.access.recommended import FIELD as RECOMMENDED_PRODUCT
from brokerlens.access.render import duckdb_where
from brokerlens.access.scope import active_on, scope_clause
from brokerlens.access.segments import Segment, create_segment
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import STAFF_ROLES, Permission, Principal
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, InvalidRequest, LakeError, NotFound
from brokerlens.lake.layout import LakeLayout
from brokerlens.products.recommend.gate import REASONS as GATE_REASONS
from brokerlens.store.schema import relationships
from brokerlens.warehouse.served import gate_report_file, kept_file, newest_date, parquet_source

MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000
MAX_PRODUCT_ID = 40
SERVICER = "servicer"  # the relationship whose staff member a target's row names
# A target's columns, in order (the export's too).
TARGET_COLUMNS = (
    "customer_id",
    "name",
    "branch_id",
    "staff_id",
    TIER,
    RISK_CLASS,
    "rank",
    "score",
    "reasons",
)
_PROFILE_COLUMNS = ("name", "branch_id", TIER, RISK_CLASS)
_CHUNK = 5_000  # ids bound in one store statement


@dataclass(frozen=True)
class Recommended:
    """One recommended product of a customer."""

    rank: int
    product_id: str
    name: str | None
    product_type: str | None
    risk_level: str | None
    score: float  # the model's probability of a purchase in the next 20 trading days
    reasons: list[str]


@dataclass(frozen=True)
class CustomerRecommendations:
    customer_id: str
    as_of_date: dt.date  # the served date
    run_date: dt.date | None  # the recommendation run read; None: no run yet
    rows: list[Recommended]


@dataclass(frozen=True)
class Target:
    """One target customer of a product, as the reader may see them (masked)."""

    customer_id: str
    name: str | None
    branch_id: str | None
    branch_name: str | None
    staff_id: str | None  # the servicer in an active relationship
    staff_name: str | None
    customer_tier: str | None
    regulatory_class: str | None
    rank: int  # the product's place in the customer's top 10
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class TargetPage:
    product: dict[str, Any]
    as_of_date: dt.date
    run_date: dt.date | None
    rows: list[Target]
    total: int  # target customers in the reader's scope
    page: int
    page_size: int


@dataclass(frozen=True)
class GateReport:
    """What the run's suitability gate removed, per reason (no customer in it)."""

    run_date: dt.date | None
    model_version: Any = None
    customers: int | None = None
    products: int | None = None
    pairs_scored: int | None = None
    shown: int | None = None
    customers_without: int | None = None
    removed: list[tuple[str, int]] = field(default_factory=list)
    removed_from_top: list[tuple[str, int]] = field(default_factory=list)


# --- the run and the shelf ---------------------------------------------------------------------


def _run_date(settings: Settings, served: dt.date, as_of: dt.date | None) -> dt.date | None:
    """The recommendation run read: the date asked (which must have been kept), else the
    newest on or before the served date."""
    if as_of is None:
        return newest_date(settings, "recommendations", served)
    if kept_file(settings, "recommendations", as_of) is None:
        raise NotFound(
            f"no recommendations as of {as_of.isoformat()}",
            hint="leave as_of out for the newest run",
        )
    return as_of


def _file(settings: Settings, kind: Any, day: dt.date | None) -> Path | None:
    return kept_file(settings, kind, day) if day is not None else None


_shelves: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
_shelf_lock = threading.Lock()


def product_shelf(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every product (latest version): id -> name, type, risk level, status. Read once per lake
    catalog (a hundred rows; the 360's panel must not rescan the products feed each time)."""
    layout = LakeLayout(settings.lake_dir)
    try:
        stamp = layout.catalog_path.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = 0
    key = (str(layout.root), stamp)
    with _shelf_lock:
        held = _shelves.get(key)
    if held is not None:
        return held
    cursor = lake_cursor(settings)
    try:
        result = cursor.execute(
            "SELECT product_id, name, product_type, risk_level, status FROM products"
        )
        names = [str(d[0]) for d in result.description or []]
        rows = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    except duckdb.Error as exc:
        raise LakeError(f"the lake's products could not be read: {exc}") from None
    finally:
        cursor.close()
    shelf = {str(r["product_id"]): r for r in rows}
    with _shelf_lock:
        _shelves.clear()  # one lake per process in practice; tests switch homes
        _shelves[key] = shelf
    return shelf


def _product(settings: Settings, product_id: str) -> dict[str, Any]:
    product_id = product_id.strip()
    found = product_shelf(settings).get(product_id) if 0 < len(product_id) <= 40 else None
    if found is None:
        raise NotFound(f"未找到该产品 / no product {product_id[:40]!r}")
    return found


def _reasons(value: Any) -> list[str]:
    return [str(r) for r in value or [] if r is not None]


# --- a customer's recommendations --------------------------------------------------------------


def customer_recommendations(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    as_of: dt.date | None = None,
) -> CustomerRecommendations:
    """The customer's top products of the newest run (or of `as_of`), best first; NotFound for
    a customer outside the reader's scope as for an unknown one; audited
    `view_recommendations`."""
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        day = _run_date(settings, snapshot.as_of_date, as_of)
        detail = {"as_of": day.isoformat() if day else None}
        record_audit(connection, principal, "view_recommendations", [customer_id], detail)
    path = _file(settings, "recommendations", day)
    if path is None:
        return CustomerRecommendations(customer_id, snapshot.as_of_date, None, [])
    cursor = lake_cursor(settings)
    try:
        found = cursor.execute(
            f"SELECT rank, product_id, score, reasons FROM {parquet_source(path)} "
            "WHERE customer_id = ? ORDER BY rank",
            [customer_id],
        ).fetchall()
    except duckdb.Error as exc:
        raise LakeError(f"the recommendations could not be read: {exc}") from None
    finally:
        cursor.close()
    shelf = product_shelf(settings) if found else {}
    rows = []
    for rank, product_id, score, reasons in found:
        product = shelf.get(str(product_id), {})
        rows.append(
            Recommended(
                rank=int(rank),
                product_id=str(product_id),
                name=product.get("name"),
                product_type=product.get("product_type"),
                risk_level=product.get("risk_level"),
                score=float(score),
                reasons=_reasons(reasons),
            )
        )
    return CustomerRecommendations(customer_id, snapshot.as_of_date, day, rows)


# --- a product's target customers --------------------------------------------------------------


def check_page(page: int, page_size: int) -> None:
    """The page from 1, the page size 1 to MAX_PAGE_SIZE; else InvalidRequest naming it."""
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise InvalidRequest(f"page: a whole number from 1 to {MAX_PAGE:,} / 页码无效")
    if (
        isinstance(page_size, bool)
        or not isinstance(page_size, int)
        or not 1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise InvalidRequest(f"page_size: a whole number from 1 to {MAX_PAGE_SIZE} / 每页条数无效")


def _store_rows(
    connection: sa.Connection, snapshot: Snapshot, ids: list[str]
) -> dict[str, dict[str, Any]]:
    """The profile's shown columns of the customers, masked, by primary key."""
    table = snapshot.table
    columns = [table.c.customer_id, *(table.c[c] for c in _PROFILE_COLUMNS if c in table.c)]
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        for row in connection.execute(sa.select(*columns).where(table.c.customer_id.in_(part))):
            out[str(row.customer_id)] = mask_row(row._mapping)
    return out


def _servicers(connection: sa.Connection, ids: list[str], day: dt.date) -> dict[str, str]:
    """customer -> the staff member serving them on `day` (the lowest id when several)."""
    out: dict[str, str] = {}
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        rows = connection.execute(
            sa.select(relationships.c.customer_id, relationships.c.staff_id)
            .where(
                relationships.c.customer_id.in_(part),
                relationships.c.role == SERVICER,
                active_on(day),
            )
            .order_by(relationships.c.customer_id, relationships.c.staff_id)
        )
        for customer, staff_id in rows:
            out.setdefault(str(customer), str(staff_id))
    return out


# The targets file as the scope predicate sees it: a staff role's scope is a list of customer ids
# (`scope_clause` reads them on the store connection and binds them), checked on the file itself.
_TARGETS = sa.table("t", sa.column("customer_id"), sa.column("branch_id"), sa.column("region_id"))


def _scope_filter(
    connection: sa.Connection,
    cursor: duckdb.DuckDBPyConnection,
    principal: Principal,
    snapshot: Snapshot,
) -> tuple[str, list[Any]]:
    """A condition on the targets file (alias `t`) keeping the reader's customers: a staff
    role's ids bound directly (4x faster at 3 million customers than a pass over the profile),
    a manager's branch or region through the served profile, everyone for head office."""
    if principal.role in STAFF_ROLES:
        clause = scope_clause(principal, _TARGETS, snapshot.as_of_date, resolve_on=connection)
        where = duckdb_where([clause])
        return where.sql, list(where.params)
    return in_scope(scoped_customers(connection, cursor, principal, snapshot, ()), "t")


def _targets(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    product_id: str,
    as_of: dt.date | None,
    limit: int | None,
    offset: int,
) -> tuple[dict[str, Any], Snapshot, dt.date | None, list[Target], int]:
    """(the product, the snapshot, the run date, the page's targets in the reader's scope best
    first, how many there are in scope)."""
    product = _product(settings, product_id)
    product_id = str(product["product_id"])
    cursor = lake_cursor(settings)
    try:
        with db.connect() as connection:
            snapshot = served_snapshot_on(connection)
            day = _run_date(settings, snapshot.as_of_date, as_of)
            path = _file(settings, "targets", day)
            if path is None:
                return product, snapshot, None, [], 0
            where, params = _scope_filter(connection, cursor, principal, snapshot)
            source = f"{parquet_source(path)} t WHERE t.product_id = ? AND {where}"
            bound = [product_id, *params]
            counted = cursor.execute(f"SELECT count(*) FROM {source}", bound).fetchone()
            total = int(counted[0]) if counted else 0
            sql = (
                f"SELECT t.customer_id, t.rank, t.score, t.reasons FROM {source} "
                "ORDER BY t.score DESC, t.customer_id"
            )
            if limit is not None:
                sql += " LIMIT ? OFFSET ?"
                bound += [limit, offset]
            elif total > MAX_EXPORT_ROWS:
                raise InvalidRequest(
                    f"the export would hold {total:,} customers, more than the "
                    f"{MAX_EXPORT_ROWS:,} allowed"
                )
            found = cursor.execute(sql, bound).fetchall()
            ids = [str(r[0]) for r in found]
            profiles = _store_rows(connection, snapshot, ids)
            servicers = _servicers(connection, ids, snapshot.as_of_date)
    except duckdb.Error as exc:
        raise LakeError(f"the target customers could not be read: {exc}") from None
    finally:
        cursor.close()
    names = org_names(db)
    rows = []
    for customer_id, rank, score, reasons in found:
        customer = str(customer_id)
        profile = profiles.get(customer, {})
        staff_id = servicers.get(customer)
        branch = profile.get("branch_id")
        rows.append(
            Target(
                customer_id=customer,
                name=profile.get("name"),
                branch_id=branch,
                branch_name=names.unit(branch),
                staff_id=staff_id,
                staff_name=names.person(staff_id),
                customer_tier=profile.get(TIER),
                regulatory_class=profile.get(RISK_CLASS),
                rank=int(rank),
                score=float(score),
                reasons=_reasons(reasons),
            )
        )
    return product, snapshot, day, rows, total


def product_targets(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    product_id: str,
    page: int = 1,
    page_size: int = 50,
    as_of: dt.date | None = None,
) -> TargetPage:
    """One page of the product's target customers in the reader's scope, best score first, and
    how many there are; audited `view_product_targets` with the page's customers."""
    check_page(page, page_size)
    product, snapshot, day, rows, total = _targets(
        db, settings, principal, product_id, as_of, page_size, (page - 1) * page_size
    )
    detail = {
        "product_id": product["product_id"],
        "as_of": day.isoformat() if day else None,
        "page": page,
        "page_size": page_size,
        "total": total,
    }
    audit_read(db, principal, "view_product_targets", [r.customer_id for r in rows], detail)
    return TargetPage(product, snapshot.as_of_date, day, rows, total, page, page_size)


def write_product_targets(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    product_id: str,
    sink: RowSink,
    as_of: dt.date | None = None,
) -> Exported:
    """Every target customer of the product in the reader's scope into `sink` (masked, best
    first, the reasons joined by "；"); audited `export` naming every customer."""
    if not principal.can(Permission.EXPORT):
        raise Forbidden("exporting needs the export permission")
    product, snapshot, day, rows, _ = _targets(db, settings, principal, product_id, as_of, None, 0)
    sink.columns(list(TARGET_COLUMNS))
    for r in rows:
        sink.row(
            [
                r.customer_id,
                r.name,
                r.branch_id,
                r.staff_id,
                r.customer_tier,
                r.regulatory_class,
                r.rank,
                r.score,
                "；".join(r.reasons),
            ]
        )
    detail = {
        "kind": "product_targets",
        "product_id": product["product_id"],
        "as_of": day.isoformat() if day else None,
        "count": len(rows),
    }
    audit_read(db, principal, "export", [r.customer_id for r in rows], detail)
    stamp = day or snapshot.as_of_date
    return Exported(export_name(f"targets_{product['product_id']}", stamp), len(rows))


# --- a segment of a product's target customers -------------------------------------------------


def targets_condition(product_id: str) -> Condition:
    """The segment condition: the product's target customers in the newest run."""
    return Condition(field=RECOMMENDED_PRODUCT, op="eq", value=product_id)


def save_targets_segment(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    product_id: str,
    name: str | None = None,
) -> Segment:
    """A private segment of the product's target customers (each viewer sees those in their
    scope; it follows every new run), for a campaign; audited `save_targets_segment`."""
    product = _product(settings, product_id)
    product_id = str(product["product_id"])
    title = (name or "").strip() or f"产品推荐目标客户：{product.get('name') or product_id}"
    segment = create_segment(
        db,
        principal,
        title[:200],
        [targets_condition(product_id)],
        description=f"{product.get('name') or product_id}（{product_id}）的推荐目标客户",
        settings=settings,
    )
    detail = {"segment_id": segment.segment_id, "product_id": product_id}
    audit_read(db, principal, "save_targets_segment", [], detail)
    return segment


# --- the gate's report -------------------------------------------------------------------------


def _counts(value: Any) -> list[tuple[str, int]]:
    if not isinstance(value, dict):
        return []
    known = [r for r in GATE_REASONS if r in value]
    others = sorted(k for k in value if k not in GATE_REASONS)
    return [(str(k), int(value[k] or 0)) for k in (*known, *others)]


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def recommendation_report(
    db: sa.Engine, settings: Settings, principal: Principal, as_of: dt.date | None = None
) -> GateReport:
    """The newest run's report (or that of `as_of`): the counts and what the suitability gate
    removed, per reason, over all pairs scored and from the customers' top 10. Needs the
    suitability reports permission; audited `view_recommendation_report`."""
    if not principal.can(Permission.SUITABILITY_REPORTS):
        raise Forbidden("the recommendation gate's report needs the suitability_reports permission")
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
    day = _run_date(settings, snapshot.as_of_date, as_of)
    path = gate_report_file(settings, day) if day is not None else None
    audit_read(
        db,
        principal,
        "view_recommendation_report",
        [],
        {"as_of": day.isoformat() if day else None},
    )
    if path is None:
        return GateReport(day)  # no run (None), or a run that kept no report
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise LakeError(f"the recommendation report could not be read: {exc}") from None
    if not isinstance(data, dict):
        raise LakeError("the recommendation report is not a JSON object")
    return GateReport(
        run_date=day,
        model_version=data.get("model_version"),
        customers=_number(data.get("customers")),
        products=_number(data.get("products")),
        pairs_scored=_number(data.get("pairs_scored")),
        shown=_number(data.get("shown")),
        customers_without=_number(data.get("customers_without")),
        removed=_counts(data.get("removed")),
        removed_from_top=_counts(data.get("removed_from_top")),
    )

"""客户移交: handing customers from one staff member to another (issue 19 section 2).

A holder of manage_org picks customers of a giving staff member in their reach (one or more
customers, a saved segment, or the whole book), the receiving staff member, the roles (default:
every role the giver holds for them) and the effective date (default: the served as-of date, so
scope changes at once). `preview_handover` says who moves, their total assets (the served
profile) and their net commission of the last complete month (the warehouse's customer_month),
else of the month to date (the statements' income file), the basis named; `request_handover`
records it and asks for approval (kind `relationship_handover`: the giver's branch decides, a
receiver in another branch makes it head office's); approving applies it in the decision's
transaction (`brokers.ledger.overlay`): the giver's `relationships` rows end at the date and the
receiver's start, so the next read of scope already follows it. Every read and change is audited
with the customers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from brokerlens.access.approvals import (
    Applying,
    Approval,
    ApprovalKind,
    register_kind,
    request_approval,
)
from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.conditions import compile_query
from brokerlens.access.group_access import GroupSource
from brokerlens.access.org import ancestors, parents
from brokerlens.access.records import utc_now
from brokerlens.access.segments import segment_source
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.access.staff_scope import check_staff, staff_clause, staff_reach
from brokerlens.auth.principal import Permission, Principal
from brokerlens.brokers.ledger.overlay import ItemKey, apply_item
from brokerlens.config import Settings
from brokerlens.engine.sqltext import literal
from brokerlens.errors import Conflict, FieldRejected, Forbidden, NotFound
from brokerlens.store.brokers_handover_schema import handover_items, handovers
from brokerlens.store.schema import org_units, relationships, staff
from brokerlens.warehouse.served import kept_file

KIND = "relationship_handover"
ROLES = ("developer", "servicer", "advisor")
ROLE_ZH = {"developer": "开发", "servicer": "服务", "advisor": "投顾"}
MAX_CUSTOMERS = 20_000  # one request; a bigger book is handed over in parts
AHEAD_DAYS = 366  # an effective date at most this far after the served date
LIST_LIMIT = 200
ASSETS_COLUMN = "total_assets_t"


class HandoverRejected(FieldRejected):
    """A handover's field is unusable (422); `field` names it for the form."""


@dataclass(frozen=True)
class HandoverInput:
    """What to hand over. `customer_ids` and `segment_id` both None: the giver's whole book."""

    giver_id: str
    receiver_id: str
    customer_ids: Sequence[str] | None = None
    segment_id: int | None = None
    roles: Sequence[str] | None = None
    effective_date: dt.date | None = None
    reason: str | None = None

    @property
    def selection(self) -> str:
        if self.segment_id is not None:
            return "segment"
        return "customers" if self.customer_ids else "book"


@dataclass(frozen=True)
class Moving:
    """One customer that moves, with the roles that move and their assets."""

    customer_id: str
    roles: list[str]
    total_assets: float | None


@dataclass(frozen=True)
class HandoverPreview:
    giver_id: str
    giver_name: str
    receiver_id: str
    receiver_name: str
    effective_date: dt.date
    roles: list[str]
    selection: str
    customers: list[Moving]
    total_assets: Decimal
    commission_cents: int | None  # net commission of the basis month; None: no month kept
    commission_month: dt.date | None
    commission_basis: str  # "last_complete_month" | "none"
    unit_id: str | None  # the branch that decides; None: head office
    not_held: list[str] = field(default_factory=list)  # picked customers the giver does not hold

    @property
    def customer_ids(self) -> list[str]:
        return [m.customer_id for m in self.customers]

    @property
    def moves(self) -> int:
        return sum(len(m.roles) for m in self.customers)


@dataclass(frozen=True)
class Handover:
    handover_id: int
    request_id: int | None
    giver_id: str
    receiver_id: str
    effective_date: dt.date
    roles: list[str]
    selection: str
    customer_ids: list[str]
    unit_id: str | None
    status: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    moved: int

    @classmethod
    def of(cls, row: Any) -> Handover:
        return cls(
            handover_id=int(row["handover_id"]),
            request_id=row["request_id"],
            giver_id=row["giver_id"],
            receiver_id=row["receiver_id"],
            effective_date=row["effective_date"],
            roles=list(row["roles"] or []),
            selection=row["selection"],
            customer_ids=[str(c) for c in row["customer_ids"] or []],
            unit_id=row["unit_id"],
            status=row["status"],
            requested_by=row["requested_by"],
            requested_at=row["requested_at"],
            decided_by=row["decided_by"],
            decided_at=row["decided_at"],
            moved=int(row["moved"] or 0),
        )


@dataclass(frozen=True)
class BookLeft:
    """What a staff member still holds on or after a date: customers per role."""

    staff_id: str
    name: str | None
    as_of: dt.date
    by_role: dict[str, int]
    open_handovers: list[Handover] = field(default_factory=list)

    @property
    def customers(self) -> int:
        return sum(self.by_role.values())

    def words(self) -> str:
        return ", ".join(f"{role} {n}" for role, n in sorted(self.by_role.items()))


# --- reading the store ------------------------------------------------------------------------


def _held_on(day: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(
        relationships.c.start_date <= day,
        sa.or_(relationships.c.end_date.is_(None), relationships.c.end_date > day),
    )


def book_left(connection: sa.Connection, staff_id: str, day: dt.date) -> dict[str, int]:
    """Customers per role the staff member holds on `day` or later (rows not ended by then)."""
    rows = connection.execute(
        sa.select(relationships.c.role, sa.func.count(sa.distinct(relationships.c.customer_id)))
        .where(
            relationships.c.staff_id == staff_id,
            sa.or_(relationships.c.end_date.is_(None), relationships.c.end_date > day),
        )
        .group_by(relationships.c.role)
    ).all()
    return {str(role): int(n) for role, n in rows if n}


def served_day(connection: sa.Connection) -> dt.date:
    """The served snapshot's as-of date (today's date before anything was published)."""
    try:
        return served_snapshot_on(connection).as_of_date
    except NotFound:
        return dt.date.today()


def _staff_row(connection: sa.Connection, staff_id: str, name: str) -> Any:
    row = connection.execute(sa.select(staff).where(staff.c.staff_id == staff_id)).mappings()
    found = row.first()
    if found is None:
        raise HandoverRejected(name, f"no staff member {staff_id[:32]!r}")
    return found


def _branch_of(unit_id: str | None, parent_of: dict[str, str | None], kinds: dict[str, str]) -> str:
    for unit in ancestors(unit_id or "", parent_of):
        if kinds.get(unit) == "branch":
            return unit
    return unit_id or ""


def _deciding_unit(connection: sa.Connection, giver: Any, receiver: Any) -> str | None:
    """The giver's branch when the receiver is in the same branch; None (head office) else."""
    parent_of = parents(connection)
    kinds = dict(connection.execute(sa.select(org_units.c.unit_id, org_units.c.unit_type)).all())
    mine = _branch_of(giver["unit_id"], parent_of, kinds)
    theirs = _branch_of(receiver["unit_id"], parent_of, kinds)
    return mine if mine and mine == theirs else None


def _roles(asked: Sequence[str] | None) -> list[str] | None:
    if not asked:
        return None
    unknown = [r for r in asked if r not in ROLES]
    if unknown:
        raise HandoverRejected("roles", f"unknown role {unknown[0]!r:.20}; one of {ROLES}")
    return sorted(set(asked))


def _effective(connection: sa.Connection, asked: dt.date | None) -> dt.date:
    today = served_day(connection)
    day = asked or today
    if day < today:
        raise HandoverRejected(
            "effective_date",
            f"{day} is before the served date {today}",
            hint="a handover starts on the served date or later (history is the feed's)",
        )
    if day > today + dt.timedelta(days=AHEAD_DAYS):
        raise HandoverRejected("effective_date", f"{day} is more than a year ahead")
    return day


def _segment_members(
    connection: sa.Connection,
    settings: Settings,
    principal: Principal,
    group: GroupSource,
    book: list[str],
) -> list[str]:
    """The customers of `book` the segment's conditions hold for (within the reader's scope),
    evaluated on the served profile."""
    snapshot = served_snapshot_on(connection)
    filters = compile_query(
        connection,
        principal,
        snapshot,
        group.query(),
        purpose="segment_members",
        settings=settings,
    )
    table = snapshot.table
    where = [*filters.where, *group.where(table)]  # a static group: its hand-added members
    found: list[str] = []
    for start in range(0, len(book), 1000):
        part = book[start : start + 1000]
        rows = connection.execute(
            sa.select(table.c.customer_id).where(*where, table.c.customer_id.in_(part))
        )
        found.extend(str(c) for c in rows.scalars())
    return sorted(found)


def _picked(
    db: sa.Engine, settings: Settings, principal: Principal, entry: HandoverInput
) -> list[str] | None:
    if entry.segment_id is not None:
        return None  # resolved against the giver's book (`_prepare`)
    if entry.customer_ids:
        ids = sorted({c.strip() for c in entry.customer_ids if c and c.strip()})
        if len(ids) > MAX_CUSTOMERS:
            raise HandoverRejected("customer_ids", f"{len(ids)} customers, at most {MAX_CUSTOMERS}")
        return ids
    return None


def _book(
    connection: sa.Connection,
    giver_id: str,
    day: dt.date,
    roles: list[str] | None,
    picked: list[str] | None,
) -> dict[str, list[str]]:
    """customer -> the roles the giver holds on `day` (among `roles`, of `picked`)."""
    query = sa.select(relationships.c.customer_id, relationships.c.role).where(
        relationships.c.staff_id == giver_id, _held_on(day)
    )
    if roles:
        query = query.where(relationships.c.role.in_(roles))
    held: dict[str, set[str]] = {}
    for customer, role in connection.execute(query):
        held.setdefault(str(customer), set()).add(str(role))
    if picked is not None:
        wanted = set(picked)
        held = {c: r for c, r in held.items() if c in wanted}
    return {c: sorted(r) for c, r in sorted(held.items())}


def _assets(connection: sa.Connection, snapshot: Snapshot | None, ids: list[str]) -> dict[str, Any]:
    if snapshot is None or snapshot.column(ASSETS_COLUMN) is None or not ids:
        return {}
    table = snapshot.table
    found: dict[str, Any] = {}
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        rows = connection.execute(
            sa.select(table.c.customer_id, table.c[ASSETS_COLUMN]).where(
                table.c.customer_id.in_(part)
            )
        )
        found.update({str(c): v for c, v in rows})
    return found


def _month_before(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def commission_of(
    settings: Settings, ids: list[str], day: dt.date
) -> tuple[int | None, dt.date | None, str]:
    """Net commission (cents) of the customers: of the last complete month before `day` (the
    warehouse's customer_month file), else of the month to date (the commission statements'
    income file of `day`'s month, in cents); (None, None, "none") when neither is kept."""
    month = _month_before(day)
    path = kept_file(settings, "customer_month", month)
    if path is not None:
        total = "CAST(coalesce(sum(m.net_commission), 0) * 100 AS BIGINT)"
        return _summed(path, total, ids), month, "last_complete_month"
    current = day.replace(day=1)
    income = kept_file(settings, "income", current)
    if income is not None:
        # the days up to the served date only: a file a later run wrote may reach past it
        upto = literal(day.isoformat())
        total = f"coalesce(sum(m.commission_cents) FILTER (WHERE m.day <= DATE {upto}), 0)"
        return _summed(income, total, ids), current, "month_to_date"
    return None, None, "none"


def _summed(path: Path, total: str, ids: list[str]) -> int:
    """`total` (an aggregate over `m`) over the rows of the kept file `path` of the customers."""
    if not ids:
        return 0
    duck = duckdb.connect(":memory:")
    try:
        duck.execute("CREATE TEMP TABLE wanted (customer_id VARCHAR)")
        duck.executemany("INSERT INTO wanted VALUES (?)", [(c,) for c in ids])
        row = duck.execute(
            f"SELECT {total} "
            f"FROM read_parquet({literal(str(path))}) AS m JOIN wanted USING (customer_id)"
        ).fetchall()
    finally:
        duck.close()
    return int(row[0][0])


def _managing(principal: Principal) -> None:
    if not principal.can(Permission.MANAGE_ORG):
        raise Forbidden(
            "handing customers over needs the manage_org permission "
            "(branch or region manager, head office marketing)",
            hint="ask your branch manager",
        )


def _prepare(
    db: sa.Engine, settings: Settings, principal: Principal, entry: HandoverInput
) -> HandoverPreview:
    _managing(principal)
    roles = _roles(entry.roles)
    picked = _picked(db, settings, principal, entry)
    group = (
        segment_source(db, principal, entry.segment_id) if entry.segment_id is not None else None
    )
    with db.connect() as connection:
        check_staff(connection, principal, entry.giver_id)
        giver = _staff_row(connection, entry.giver_id, "giver_id")
        receiver = _staff_row(connection, entry.receiver_id, "receiver_id")
        if giver["staff_id"] == receiver["staff_id"]:
            raise HandoverRejected("receiver_id", "the receiver is the giver")
        day = _effective(connection, entry.effective_date)
        if receiver["leave_date"] is not None and receiver["leave_date"] <= day:
            raise HandoverRejected(
                "receiver_id", f"{receiver['staff_id']} has left ({receiver['leave_date']})"
            )
        book = _book(connection, entry.giver_id, day, roles, picked)
        if group is not None:
            members = set(_segment_members(connection, settings, principal, group, list(book)))
            book = {c: r for c, r in book.items() if c in members}
        try:
            snapshot: Snapshot | None = served_snapshot_on(connection)
        except NotFound:
            snapshot = None
        assets = _assets(connection, snapshot, list(book))
        unit_id = _deciding_unit(connection, giver, receiver)
    ids = list(book)
    cents, month, basis = commission_of(settings, ids, day)
    total = sum((Decimal(str(v)) for v in assets.values() if v is not None), Decimal(0))
    return HandoverPreview(
        giver_id=str(giver["staff_id"]),
        giver_name=str(giver["name"]),
        receiver_id=str(receiver["staff_id"]),
        receiver_name=str(receiver["name"]),
        effective_date=day,
        roles=roles or sorted({r for held in book.values() for r in held}),
        selection=entry.selection,
        customers=[Moving(c, book[c], assets.get(c)) for c in ids],
        total_assets=total.quantize(Decimal("0.01")),
        commission_cents=cents,
        commission_month=month,
        commission_basis=basis,
        unit_id=unit_id,
        not_held=sorted(set(picked or []) - set(book)),
    )


def _detail(preview: HandoverPreview, **more: Any) -> dict[str, Any]:
    return {
        "giver_id": preview.giver_id,
        "receiver_id": preview.receiver_id,
        "effective_date": preview.effective_date.isoformat(),
        "roles": preview.roles,
        "customers": len(preview.customers),
        **more,
    }


def preview_handover(
    db: sa.Engine, settings: Settings, principal: Principal, entry: HandoverInput
) -> HandoverPreview:
    """Who would move, their assets and commission; nothing changes. Audited
    `handover_preview` with the customers."""
    preview = _prepare(db, settings, principal, entry)
    audit_read(db, principal, "handover_preview", preview.customer_ids, _detail(preview))
    return preview


def _subject(preview: HandoverPreview) -> str:
    return (
        f"客户移交 {preview.giver_name}({preview.giver_id}) → "
        f"{preview.receiver_name}({preview.receiver_id}): {len(preview.customers)} 户"
    )


def request_handover(
    db: sa.Engine, settings: Settings, principal: Principal, entry: HandoverInput
) -> Handover:
    """Record the handover and ask for its approval (kind `relationship_handover`, unit: the
    giver's branch, or head office for a receiver elsewhere). Audited `handover_request` (and
    `approval_request`) with the customers."""
    preview = _prepare(db, settings, principal, entry)
    if not preview.customers:
        raise HandoverRejected(
            "customer_ids",
            f"{preview.giver_id} holds none of these customers in these roles on "
            f"{preview.effective_date}",
            hint="preview first: it lists what would move",
        )
    with db.begin() as connection:
        handover_id = connection.execute(
            handovers.insert()
            .values(
                giver_id=preview.giver_id,
                receiver_id=preview.receiver_id,
                effective_date=preview.effective_date,
                roles=preview.roles,
                selection=preview.selection,
                selection_ref=str(entry.segment_id) if entry.segment_id is not None else None,
                customer_ids=preview.customer_ids,
                unit_id=preview.unit_id,
                status="pending",
                requested_by=principal.username,
                requested_at=utc_now(None),
                moved=0,
            )
            .returning(handovers.c.handover_id)
        ).scalar_one()
        asked = request_approval(
            connection,
            principal,
            kind=KIND,
            subject=_subject(preview),
            subject_ref=f"handover:{handover_id}",
            payload={
                "handover_id": handover_id,
                "giver_id": preview.giver_id,
                "receiver_id": preview.receiver_id,
                "effective_date": preview.effective_date.isoformat(),
                "roles": preview.roles,
                "customers": len(preview.customers),
                "total_assets": str(preview.total_assets),
                "commission_cents": preview.commission_cents,
                "commission_month": (
                    preview.commission_month.isoformat() if preview.commission_month else None
                ),
            },
            unit_id=preview.unit_id,
            reason=entry.reason,
        )
        connection.execute(
            handovers.update()
            .where(handovers.c.handover_id == handover_id)
            .values(request_id=asked.request_id)
        )
        detail = _detail(preview, handover_id=handover_id, request_id=asked.request_id)
        record_audit(connection, principal, "handover_request", preview.customer_ids, detail)
        row = _handover_row(connection, handover_id)
    return Handover.of(row)


def _handover_row(connection: sa.Connection, handover_id: int) -> Any:
    row = (
        connection.execute(sa.select(handovers).where(handovers.c.handover_id == handover_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no handover {handover_id}", hint="see /handovers")
    return row


# --- the approval kind ------------------------------------------------------------------------


def apply_handover(applying: Applying, decider: Principal, request: Approval) -> str:
    """In the decision's transaction: each customer's roles move (the giver's rows end at the
    date, the receiver's start) and what changed is kept as the handover's items."""
    connection = applying.connection
    assert connection is not None  # a transactional kind
    found = Handover.of(_handover_row(connection, int(request.payload["handover_id"])))
    if found.status != "pending":
        raise Conflict(f"handover {found.handover_id} is already {found.status}")
    moved: list[str] = []
    kept: list[dict[str, Any]] = []
    for customer in found.customer_ids:
        for role in found.roles:
            key = ItemKey(customer, role, found.giver_id, found.receiver_id, found.effective_date)
            state = apply_item(connection, key)
            if state is None:
                continue
            kept.append(
                {
                    "handover_id": found.handover_id,
                    "customer_id": customer,
                    "role": role,
                    "giver_id": found.giver_id,
                    "receiver_id": found.receiver_id,
                    "effective_date": found.effective_date,
                    "overlaid": True,
                    "caught_up": None,
                    **state.values(),
                }
            )
            if not moved or moved[-1] != customer:
                moved.append(customer)
    if kept:
        connection.execute(handover_items.insert(), kept)
    items = len(kept)
    connection.execute(
        handovers.update()
        .where(handovers.c.handover_id == found.handover_id)
        .values(
            status="applied", decided_by=decider.username, decided_at=utc_now(None), moved=items
        )
    )
    detail = {
        "handover_id": found.handover_id,
        "request_id": request.request_id,
        "giver_id": found.giver_id,
        "receiver_id": found.receiver_id,
        "effective_date": found.effective_date.isoformat(),
        "customers": len(moved),
    }
    record_audit(connection, decider, "handover_apply", moved, detail)
    return (
        f"{len(moved)} customers ({items} relationships) moved from {found.giver_id} to "
        f"{found.receiver_id} from {found.effective_date}"
    )


def close_handover(applying: Applying, decider: Principal, request: Approval, status: str) -> None:
    """A rejected or withdrawn request leaves the handover so (nothing moved)."""
    if applying.connection is None:
        return
    applying.connection.execute(
        handovers.update()
        .where(
            handovers.c.handover_id == int(request.payload["handover_id"]),
            handovers.c.status == "pending",
        )
        .values(status=status, decided_by=decider.username, decided_at=utc_now(None))
    )


def describe_handover(
    settings: Settings, request: Approval, language: str
) -> list[tuple[str, str]]:
    p = request.payload
    en = language == "en"
    cents = p.get("commission_cents")
    month = p.get("commission_month")
    commission = "—"
    if cents is not None:
        commission = f"{Decimal(int(cents)) / 100:,.2f} ({month})"
    return [
        ("From" if en else "移出人员", str(p.get("giver_id"))),
        ("To" if en else "接收人员", str(p.get("receiver_id"))),
        ("Effective" if en else "生效日期", str(p.get("effective_date"))),
        ("Roles" if en else "角色", ", ".join(p.get("roles") or [])),
        ("Customers" if en else "客户数", str(p.get("customers"))),
        ("Total assets" if en else "总资产", f"{Decimal(str(p.get('total_assets') or 0)):,.2f}"),
        ("Net commission" if en else "净佣金", commission),
        ("Handover" if en else "移交单号", str(p.get("handover_id"))),
    ]


HANDOVER_KIND = register_kind(
    ApprovalKind(
        name=KIND,
        zh="客户移交",
        en="Relationship handover",
        apply=apply_handover,
        permission=Permission.MANAGE_ORG,
        describe=describe_handover,
        transactional=True,
        close=close_handover,
        deciders="a manager of the giver's branch or above, or head office (manage_org)",
    )
)


# --- reading handovers ------------------------------------------------------------------------


def _visible_clause(connection: sa.Connection, principal: Principal) -> sa.ColumnElement[bool]:
    reach = staff_reach(connection, principal)
    return sa.or_(
        handovers.c.requested_by == principal.username,
        staff_clause(reach, handovers.c.giver_id),
        staff_clause(reach, handovers.c.receiver_id),
    )


def list_handovers(
    db: sa.Engine,
    principal: Principal,
    *,
    staff_id: str | None = None,
    status: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[Handover]:
    """Handovers from or to staff in the reader's reach (or requested by them), newest first.
    Audited `view_handovers` (counts only, no customer rows)."""
    with db.connect() as connection:
        query = sa.select(handovers).where(_visible_clause(connection, principal))
        if staff_id:
            query = query.where(
                sa.or_(handovers.c.giver_id == staff_id, handovers.c.receiver_id == staff_id)
            )
        if status:
            query = query.where(handovers.c.status == status)
        rows = connection.execute(
            query.order_by(handovers.c.handover_id.desc()).limit(max(1, min(limit, LIST_LIMIT)))
        ).mappings()
        found = [Handover.of(r) for r in rows]
    audit_read(db, principal, "view_handovers", [], {"rows": len(found), "staff_id": staff_id})
    return found


def get_handover(db: sa.Engine, principal: Principal, handover_id: int) -> Handover:
    """One handover the reader may see (else 404); audited `view_handover` with its customers."""
    with db.connect() as connection:
        row = (
            connection.execute(
                sa.select(handovers).where(
                    handovers.c.handover_id == handover_id, _visible_clause(connection, principal)
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"no handover {handover_id}", hint="see /handovers")
    found = Handover.of(row)
    audit_read(db, principal, "view_handover", found.customer_ids, {"handover_id": handover_id})
    return found


def staff_book_left(db: sa.Engine, principal: Principal, staff_id: str) -> BookLeft:
    """The book a staff member still holds on the served date or later, per role, with their
    open handovers (the staff page's slot). Audited `view_staff_handover` (counts only)."""
    with db.connect() as connection:
        check_staff(connection, principal, staff_id)
        day = served_day(connection)
        name = connection.execute(
            sa.select(staff.c.name).where(staff.c.staff_id == staff_id)
        ).scalar()
        left = book_left(connection, staff_id, day)
        pending = connection.execute(
            sa.select(handovers)
            .where(handovers.c.giver_id == staff_id, handovers.c.status == "pending")
            .order_by(handovers.c.handover_id)
        ).mappings()
        waiting = [Handover.of(r) for r in pending]
    audit_read(db, principal, "view_staff_handover", [], {"staff_id": staff_id})
    return BookLeft(staff_id, name, day, left, waiting)


def refuse_if_book_left(connection: sa.Connection, username: str, staff_id: str | None) -> None:
    """A staff member's account is disabled only once their book is handed over (Conflict
    naming what is left, per role)."""
    if not staff_id:
        return
    day = served_day(connection)
    left = book_left(connection, staff_id, day)
    if left:
        words = ", ".join(f"{role} {n}" for role, n in sorted(left.items()))
        zh = "、".join(f"{ROLE_ZH.get(role, role)} {n} 户" for role, n in sorted(left.items()))
        raise Conflict(
            f"{username}（{staff_id}）名下仍有客户：{zh}，请先移交 / "
            f"{username} ({staff_id}) still holds customers on or after {day}: {words}",
            hint=f"hand the book over first: /staff/{staff_id}/handover or "
            f"brokerlens handover request --giver {staff_id} --to STAFF --user NAME",
        )

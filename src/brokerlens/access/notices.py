"""Notices (通知公告, issue 23 section 4): head office or a branch publishes a notice to roles
and units; it shows on the home page of everyone it reaches until they read it.

Who publishes: a holder of the `publish_notices` permission (head office marketing and
compliance, branch and region managers by default). Head office addresses any unit; anyone else
their own unit and the units below it (a branch manager cannot address another branch: 403
naming the unit). Brokers cannot publish.

Who reads: a notice reaches a user when one of its units is the user's unit or a unit above it
(head office users, who have no unit, sit at the root) and, when it names roles, the user's role
is one of them; and it shows while published, from its publish time until it expires or is
withdrawn. The publisher sees their notices in every state; a manager who may publish sees the
published notices that reach their units (and their read receipts, cut to their units:
`access.notice_receipts`).

Every change (create, publish, withdraw, a first read) is audited in its transaction. Reading
the list and a notice is not: notices are no customer data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from brokerlens.access.audit import record_audit
from brokerlens.access.org import ancestors, descendants, parents, principal_unit
from brokerlens.access.records import as_utc, utc_now
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, STAFF_ROLES, Permission, Principal, Role
from brokerlens.errors import Conflict, FieldRejected, Forbidden, NotFound
from brokerlens.store.notices_schema import (
    BODY_FORMATS,
    NOTICE_IMPORTANCE,
    notice_reads,
    notice_roles,
    notice_units,
    notices,
)
from brokerlens.store.schema import org_units

TITLE_MAX = 200
BODY_MAX = 20_000
NOTE_MAX = 500
UNITS_MAX = 200
LIST_LIMIT = 200
HOME_LIMIT = 5
CLOCK_SKEW = dt.timedelta(minutes=5)  # a publish time this far behind the server is "now"
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
# Roles without a unit of their own: they sit at the root of the organisation.
HEAD_OFFICE = frozenset({*ALL_CUSTOMER_ROLES, Role.ADMIN})
ROLE_VALUES = tuple(r.value for r in Role)
# A read receipt is inserted once: a second (another tab meanwhile) is ignored on both stores.
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
NoticeView = Literal["inbox", "managed"]
NOTICE_VIEWS: tuple[NoticeView, ...] = ("inbox", "managed")
# Where a notice stands for a reader: its status, split by its times.
NOTICE_STATES = ("draft", "scheduled", "showing", "expired", "withdrawn")


class NoticeRejected(FieldRejected):
    """A notice's field is unusable (422); `field` names it for the form."""


@dataclass(frozen=True)
class NoticeInput:
    """A notice as written: naive times are Beijing time."""

    title: str  # 1..200 characters
    body: str  # 1..20,000 characters, Markdown or plain text
    units: Sequence[str]  # at least one unit the publisher may address
    roles: Sequence[str] = ()  # none: every role
    body_format: str = "markdown"  # BODY_FORMATS
    importance: str = "normal"  # NOTICE_IMPORTANCE
    pinned: bool = False
    publish_at: dt.datetime | None = None  # None: now (a draft: when it is published)
    expire_at: dt.datetime | None = None  # None: until withdrawn
    draft: bool = False


@dataclass(frozen=True)
class Notice:
    """One `notices` row with its audience."""

    notice_id: int
    title: str
    body: str
    body_format: str
    importance: str
    pinned: bool
    status: str
    publisher: str
    publisher_unit_id: str | None
    publish_at: dt.datetime | None
    expire_at: dt.datetime | None
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    units: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # empty: every role


@dataclass(frozen=True)
class NoticeRow:
    """A notice as one reader sees it: their receipt, where it stands, what they may do."""

    notice: Notice
    state: str  # NOTICE_STATES
    addressed: bool  # it reaches the reader and shows now
    read_at: dt.datetime | None
    may_publish: bool  # a draft of the reader's
    may_withdraw: bool
    may_see_receipts: bool

    @property
    def unread(self) -> bool:
        return self.addressed and self.read_at is None


@dataclass(frozen=True)
class NoticeList:
    rows: list[NoticeRow]
    unread: int  # of the inbox: notices showing to the reader not read yet


# -- who may do what -------------------------------------------------------------------------------


def may_publish(principal: Principal) -> bool:
    return principal.can(Permission.PUBLISH_NOTICES)


def _roots(parent_of: Mapping[str, str | None]) -> list[str]:
    return sorted(u for u, p in parent_of.items() if p is None or p not in parent_of)


def place_of(
    unit: str | None, role: Role | str, parent_of: Mapping[str, str | None]
) -> tuple[str, ...]:
    """A user's unit and every unit above it (a notice to any of them reaches the user); head
    office roles, which have no unit, the root units."""
    if unit is None:
        return tuple(_roots(parent_of)) if role in HEAD_OFFICE else ()
    return tuple(ancestors(unit, dict(parent_of))) if unit in parent_of else (unit,)


def user_unit(unit_id: str | None, staff_unit: str | None, role: Role | str) -> str | None:
    """A stored user's unit: a manager's own, else (broker, advisor, team lead) their staff
    record's, as `access.org.principal_unit` says for a signed-in one."""
    if unit_id:
        return unit_id
    return staff_unit if role in STAFF_ROLES else None


@dataclass(frozen=True)
class Standing:
    """The principal among the units: where they sit and which units they may address."""

    place: tuple[str, ...]  # their unit and the units above it (head office: the roots)
    reach: frozenset[str] | None  # units they may address; None: every unit (head office)
    unit: str | None  # their unit (head office: the first root), the publishing unit
    parent_of: dict[str, str | None] = field(default_factory=dict)

    def reaches(self, units: Iterable[str]) -> bool:
        """Whether a notice to `units` concerns the principal's units (to manage)."""
        if self.reach is None:
            return True
        return any(u in self.reach or u in self.place for u in units)


def standing(connection: sa.Connection, principal: Principal) -> Standing:
    parent_of = parents(connection)
    unit = principal_unit(connection, principal)
    place = place_of(unit, principal.role, parent_of)
    reach: frozenset[str] | None
    if not may_publish(principal):
        reach = frozenset()
    elif principal.role in HEAD_OFFICE and unit is None:
        reach = None
    else:
        reach = frozenset(descendants(unit, parent_of)) if unit else frozenset()
    if unit is None and principal.role in HEAD_OFFICE:
        unit = place[0] if place else None
    return Standing(place, reach, unit, parent_of)


def addressable_units(db: sa.Engine, principal: Principal) -> list[tuple[str, str, int]]:
    """(unit id, name, depth) of the units the principal may address, in tree order; none for
    a user who may not publish."""
    if not may_publish(principal):
        return []
    with db.connect() as connection:
        where = standing(connection, principal)
        rows = connection.execute(
            sa.select(org_units.c.unit_id, org_units.c.parent_id, org_units.c.name)
        ).all()
    names = {str(r.unit_id): str(r.name) for r in rows}
    children: dict[str | None, list[str]] = {}
    for r in rows:
        parent = r.parent_id if r.parent_id in names else None
        children.setdefault(parent, []).append(str(r.unit_id))
    out: list[tuple[str, str, int]] = []
    todo = [(u, 0) for u in sorted(children.get(None, []), reverse=True)]
    while todo:
        unit, depth = todo.pop()
        if where.reach is None or unit in where.reach:
            out.append((unit, names[unit], depth))
        todo += [(c, depth + 1) for c in sorted(children.get(unit, []), reverse=True)]
    return out


# -- reading rows ----------------------------------------------------------------------------------


def _state(row: Mapping[str, Any], now: dt.datetime) -> str:
    if row["status"] != "published":
        return str(row["status"])
    if row["publish_at"] is not None and as_utc(row["publish_at"]) > now:
        return "scheduled"
    if row["expire_at"] is not None and as_utc(row["expire_at"]) <= now:
        return "expired"
    return "showing"


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else as_utc(value)


def _audiences(
    connection: sa.Connection, ids: Sequence[int]
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    units: dict[int, list[str]] = {}
    roles: dict[int, list[str]] = {}
    if not ids:
        return units, roles
    for nid, unit in connection.execute(
        sa.select(notice_units.c.notice_id, notice_units.c.unit_id)
        .where(notice_units.c.notice_id.in_(ids))
        .order_by(notice_units.c.unit_id)
    ):
        units.setdefault(int(nid), []).append(str(unit))
    for nid, role in connection.execute(
        sa.select(notice_roles.c.notice_id, notice_roles.c.role)
        .where(notice_roles.c.notice_id.in_(ids))
        .order_by(notice_roles.c.role)
    ):
        roles.setdefault(int(nid), []).append(str(role))
    return units, roles


def _notice(row: Mapping[str, Any], units: list[str], roles: list[str]) -> Notice:
    return Notice(
        notice_id=int(row["notice_id"]),
        title=row["title"],
        body=row["body"],
        body_format=row["body_format"],
        importance=row["importance"],
        pinned=bool(row["pinned"]),
        status=row["status"],
        publisher=row["publisher"],
        publisher_unit_id=row["publisher_unit_id"],
        publish_at=_utc(row["publish_at"]),
        expire_at=_utc(row["expire_at"]),
        created_at=as_utc(row["created_at"]),
        withdrawn_at=_utc(row["withdrawn_at"]),
        withdrawn_by=row["withdrawn_by"],
        units=tuple(units),
        roles=tuple(roles),
    )


def _reaches_me(notice: Notice, principal: Principal, where: Standing) -> bool:
    """The notice's audience holds the principal (whatever its state)."""
    in_units = any(u in where.place for u in notice.units)
    return in_units and (not notice.roles or principal.role.value in notice.roles)


def _may_withdraw(notice: Notice, principal: Principal, where: Standing) -> bool:
    if notice.status == "withdrawn":
        return False
    if notice.publisher == principal.username:
        return True
    if notice.status == "draft" or not may_publish(principal):
        return False
    return where.reach is None or all(u in where.reach for u in notice.units)


def _row(
    raw: Mapping[str, Any],
    notice: Notice,
    principal: Principal,
    where: Standing,
    now: dt.datetime,
) -> NoticeRow:
    state = _state(raw, now)
    mine = notice.publisher == principal.username
    manages = may_publish(principal) and notice.status != "draft" and where.reaches(notice.units)
    return NoticeRow(
        notice=notice,
        state=state,
        addressed=state == "showing" and _reaches_me(notice, principal, where),
        read_at=_utc(raw.get("read_at")),
        may_publish=mine and notice.status == "draft",
        may_withdraw=_may_withdraw(notice, principal, where),
        may_see_receipts=notice.status != "draft" and (mine or manages),
    )


def _audience_clause(principal: Principal, where: Standing) -> Any:
    n = notices.c.notice_id
    in_units = sa.exists().where(
        notice_units.c.notice_id == n, notice_units.c.unit_id.in_(list(where.place))
    )
    any_role = ~sa.exists().where(notice_roles.c.notice_id == n)
    my_role = sa.exists().where(
        notice_roles.c.notice_id == n, notice_roles.c.role == principal.role.value
    )
    return sa.and_(in_units, sa.or_(any_role, my_role))


def _showing_clause(now: dt.datetime) -> Any:
    c = notices.c
    return sa.and_(
        c.status == "published",
        c.publish_at <= now,
        sa.or_(c.expire_at.is_(None), c.expire_at > now),
    )


def _managed_clause(principal: Principal, where: Standing) -> Any:
    mine = notices.c.publisher_id == principal.user_id
    if not may_publish(principal):
        return mine
    if where.reach is None:
        return sa.or_(mine, notices.c.status != "draft")
    concerned = sorted(where.reach | set(where.place))
    theirs = sa.and_(
        notices.c.status != "draft",
        sa.exists().where(
            notice_units.c.notice_id == notices.c.notice_id,
            notice_units.c.unit_id.in_(concerned),
        ),
    )
    return sa.or_(mine, theirs)


def _select(principal: Principal) -> sa.Select[Any]:
    receipt = sa.and_(
        notice_reads.c.notice_id == notices.c.notice_id,
        notice_reads.c.user_id == principal.user_id,
    )
    return sa.select(notices, notice_reads.c.read_at).select_from(
        notices.outerjoin(notice_reads, receipt)
    )


def _rows(
    connection: sa.Connection,
    principal: Principal,
    where: Standing,
    query: sa.Select[Any],
    now: dt.datetime,
) -> list[NoticeRow]:
    raws = [dict(r) for r in connection.execute(query).mappings()]
    units, roles = _audiences(connection, [int(r["notice_id"]) for r in raws])
    out = []
    for raw in raws:
        nid = int(raw["notice_id"])
        notice = _notice(raw, units.get(nid, []), roles.get(nid, []))
        out.append(_row(raw, notice, principal, where, now))
    return out


IMPORTANCE_RANK = sa.case(
    (notices.c.importance == "urgent", 0), (notices.c.importance == "important", 1), else_=2
)


def list_notices(
    db: sa.Engine,
    principal: Principal,
    view: str = "inbox",
    *,
    unread_only: bool = False,
    limit: int = LIST_LIMIT,
    now: dt.datetime | None = None,
) -> NoticeList:
    """The notices showing to the principal (`inbox`: unread first, then pinned, by importance,
    newest first), or those they manage (`managed`: their own in every state and, for a
    manager who may publish, the published ones reaching their units; newest first). `unread`
    counts the inbox's unread ones either way."""
    if view not in NOTICE_VIEWS:
        raise NoticeRejected("view", f"one of {', '.join(NOTICE_VIEWS)}")
    at = utc_now(now)
    limit = max(1, min(limit, LIST_LIMIT))
    c = notices.c
    with db.connect() as connection:
        where = standing(connection, principal)
        inbox = sa.and_(_showing_clause(at), _audience_clause(principal, where))
        unread = connection.execute(
            sa.select(sa.func.count()).select_from(
                _select(principal).where(inbox, notice_reads.c.read_at.is_(None)).subquery()
            )
        ).scalar_one()
        if view == "inbox":
            query = _select(principal).where(inbox)
            if unread_only:
                query = query.where(notice_reads.c.read_at.is_(None))
            query = query.order_by(
                notice_reads.c.read_at.is_not(None),
                c.pinned.desc(),
                IMPORTANCE_RANK,
                c.publish_at.desc(),
                c.notice_id.desc(),
            )
        else:
            query = _select(principal).where(_managed_clause(principal, where))
            query = query.order_by(c.created_at.desc(), c.notice_id.desc())
        found = _rows(connection, principal, where, query.limit(limit), at)
    return NoticeList(found, int(unread))


def visible_row(
    connection: sa.Connection, principal: Principal, notice_id: int, now: dt.datetime
) -> tuple[NoticeRow, Standing]:
    """One notice the principal may see (it reaches them and shows, they published it, or they
    manage it), else NotFound alike for an unknown one."""
    where = standing(connection, principal)
    found = _rows(
        connection,
        principal,
        where,
        _select(principal).where(notices.c.notice_id == notice_id),
        now,
    )
    row = found[0] if found else None
    if row is None or not (
        row.addressed or row.notice.publisher == principal.username or row.may_see_receipts
    ):
        raise NotFound(f"no notice {notice_id}", hint="see your notices at /notices")
    return row, where


def get_notice(
    db: sa.Engine, principal: Principal, notice_id: int, *, now: dt.datetime | None = None
) -> NoticeRow:
    """One notice the principal may see; reading it changes nothing (see `mark_read`)."""
    with db.connect() as connection:
        return visible_row(connection, principal, notice_id, utc_now(now))[0]


def mark_read(
    db: sa.Engine,
    principal: Principal,
    notice_id: int,
    *,
    now: dt.datetime | None = None,
    strict: bool = True,
) -> NoticeRow:
    """The principal's read receipt of a notice showing to them (kept from the first read;
    audited `notice_read` then). `strict`: a notice that does not reach them (their own, one
    they manage) is a 409; else it is answered as it is (a page that shows it)."""
    at = utc_now(now)
    with db.begin() as connection:
        row, _ = visible_row(connection, principal, notice_id, at)
        if not row.addressed:
            if strict:
                raise Conflict(
                    f"notice {notice_id} is not addressed to you (or does not show now)",
                    hint="only its audience reads it",
                )
            return row
        if row.read_at is not None:
            return row
        insert: Any = INSERTS[connection.dialect.name](notice_reads)
        added = connection.execute(
            insert.values(notice_id=notice_id, user_id=principal.user_id, read_at=at)
            .on_conflict_do_nothing(index_elements=["notice_id", "user_id"])
            .returning(notice_reads.c.user_id)
        ).first()
        if added is None:  # read meanwhile (another tab): the first receipt stands
            return visible_row(connection, principal, notice_id, at)[0]
        record_audit(connection, principal, "notice_read", [], {"notice_id": notice_id})
        return visible_row(connection, principal, notice_id, at)[0]


# -- publishing ------------------------------------------------------------------------------------


def _text(name: str, value: Any, most: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise NoticeRejected(name, "required", hint=f"write 1 to {most} characters")
    if len(text) > most:
        raise NoticeRejected(name, f"{len(text)} characters, at most {most}")
    return text


def _one_of(name: str, value: Any, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise NoticeRejected(name, f"one of {', '.join(allowed)} (got {value!r:.40})")
    return value


def typed_instant(value: dt.datetime) -> dt.datetime:
    """A time a user typed: naive is Beijing time; stored in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(dt.UTC)


def _roles(values: Sequence[str]) -> list[str]:
    roles: list[str] = []
    for value in values:
        role = _one_of("roles", value, ROLE_VALUES)
        if role not in roles:
            roles.append(role)
    return roles


def _units(connection: sa.Connection, values: Sequence[str], where: Standing) -> list[str]:
    """The units asked for: known, within the publisher's reach, at least one."""
    units: list[str] = []
    for value in values:
        unit = value.strip() if isinstance(value, str) else ""
        if unit and unit not in units:
            units.append(unit)
    if not units:
        raise NoticeRejected("units", "address at least one unit", hint="pick the units to reach")
    if len(units) > UNITS_MAX:
        raise NoticeRejected("units", f"{len(units)} units, at most {UNITS_MAX}")
    known = set(where.parent_of)
    for unit in units:
        if unit not in known:
            raise NoticeRejected("units", f"no unit {unit[:32]!r}", hint="pick a published unit")
    if where.reach is not None:
        outside = [u for u in units if u not in where.reach]
        if outside:
            mine = where.unit or "-"
            raise Forbidden(
                f"units: {outside[0][:32]} is outside your unit {mine}: you may address "
                f"{mine} and the units below it only",
                hint="head office addresses other branches",
            )
    return units


def _instant(name: str, value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or not 1900 <= value.year <= 2999:
        raise NoticeRejected(name, "give a date and time between 1900 and 2999")
    return typed_instant(value)


def _times(entry: NoticeInput, at: dt.datetime) -> tuple[dt.datetime, dt.datetime | None]:
    start = _instant("publish_at", entry.publish_at) or at
    if start < at - CLOCK_SKEW:
        raise NoticeRejected("publish_at", "in the past", hint="now or later")
    start = max(start, at)
    end = _instant("expire_at", entry.expire_at)
    if end is not None and end <= start:
        raise NoticeRejected("expire_at", "not after the publish time", hint="a later time")
    return start, end


def _checked(entry: NoticeInput) -> dict[str, Any]:
    return {
        "title": _text("title", entry.title, TITLE_MAX),
        "body": _text("body", entry.body, BODY_MAX),
        "body_format": _one_of("body_format", entry.body_format, BODY_FORMATS),
        "importance": _one_of("importance", entry.importance, NOTICE_IMPORTANCE),
        "pinned": bool(entry.pinned),
        "roles": _roles(entry.roles),
    }


def _publisher(principal: Principal) -> None:
    if not may_publish(principal):
        raise Forbidden(
            "publishing notices needs the publish_notices permission",
            hint="head office and branch managers publish notices",
        )


def create_notice(
    db: sa.Engine, principal: Principal, entry: NoticeInput, *, now: dt.datetime | None = None
) -> NoticeRow:
    """Publish a notice (or keep it as a draft) to units within the publisher's reach and,
    optionally, to some roles only. Audited `notice_create`."""
    _publisher(principal)
    values = _checked(entry)
    at = utc_now(now)
    start, end = _times(entry, at)
    roles = values.pop("roles")
    with db.begin() as connection:
        where = standing(connection, principal)
        units = _units(connection, entry.units, where)
        status = "draft" if entry.draft else "published"
        notice_id = connection.execute(
            notices.insert()
            .values(
                **values,
                status=status,
                publisher_id=principal.user_id,
                publisher=principal.username,
                publisher_unit_id=where.unit,
                publish_at=None if entry.draft and entry.publish_at is None else start,
                expire_at=end,
                created_at=at,
                updated_at=at,
            )
            .returning(notices.c.notice_id)
        ).scalar_one()
        connection.execute(
            notice_units.insert(), [{"notice_id": notice_id, "unit_id": u} for u in units]
        )
        if roles:
            connection.execute(
                notice_roles.insert(), [{"notice_id": notice_id, "role": r} for r in roles]
            )
        detail = {
            "notice_id": int(notice_id),
            "title": values["title"],
            "unit_id": units,
            "role": roles,
            "importance": values["importance"],
            "notice_status": status,
        }
        record_audit(connection, principal, "notice_create", [], detail)
        return visible_row(connection, principal, int(notice_id), at)[0]


def publish_notice(
    db: sa.Engine, principal: Principal, notice_id: int, *, now: dt.datetime | None = None
) -> NoticeRow:
    """Publish a draft of one's own (at its planned time, or now when that has passed; its
    units checked again against the publisher's reach). Audited `notice_publish`."""
    _publisher(principal)
    at = utc_now(now)
    with db.begin() as connection:
        row, where = visible_row(connection, principal, notice_id, at)
        notice = row.notice
        if not row.may_publish:
            if notice.publisher != principal.username:
                raise Forbidden(
                    f"only its publisher ({notice.publisher}) publishes notice {notice_id}"
                )
            raise Conflict(f"notice {notice_id} is {notice.status}: only a draft is published")
        _units(connection, notice.units, where)
        start = max(notice.publish_at or at, at)
        if notice.expire_at is not None and notice.expire_at <= start:
            raise NoticeRejected("expire_at", "already passed", hint="write the notice again")
        changed = connection.execute(
            notices.update()
            .where(notices.c.notice_id == notice_id, notices.c.status == "draft")
            .values(status="published", publish_at=start, updated_at=at)
        ).rowcount
        if changed != 1:
            raise Conflict(f"notice {notice_id} changed meanwhile")
        detail = {"notice_id": notice_id, "title": notice.title, "notice_status": "published"}
        record_audit(connection, principal, "notice_publish", [], detail)
        return visible_row(connection, principal, notice_id, at)[0]


def withdraw_notice(
    db: sa.Engine,
    principal: Principal,
    notice_id: int,
    note: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> NoticeRow:
    """Withdraw a notice (a draft is discarded alike): its publisher, or a manager who may
    publish to every unit it addresses (head office: any). It leaves every home page; its
    receipts stay. Audited `notice_withdraw`."""
    text = note.strip() if isinstance(note, str) and note.strip() else None
    if text is not None and len(text) > NOTE_MAX:
        raise NoticeRejected("note", f"{len(text)} characters, at most {NOTE_MAX}")
    at = utc_now(now)
    with db.begin() as connection:
        row, _ = visible_row(connection, principal, notice_id, at)
        notice = row.notice
        if notice.status == "withdrawn":
            raise Conflict(f"notice {notice_id} is withdrawn already")
        if not row.may_withdraw:
            raise Forbidden(
                f"only its publisher ({notice.publisher}) or a manager of every unit it "
                f"addresses withdraws notice {notice_id}"
            )
        changed = connection.execute(
            notices.update()
            .where(notices.c.notice_id == notice_id, notices.c.status == notice.status)
            .values(
                status="withdrawn", withdrawn_at=at, withdrawn_by=principal.username, updated_at=at
            )
        ).rowcount
        if changed != 1:
            raise Conflict(f"notice {notice_id} changed meanwhile")
        detail = {
            "notice_id": notice_id,
            "title": notice.title,
            "notice_status": notice.status,
            "note": text,
        }
        record_audit(connection, principal, "notice_withdraw", [], detail)
        return visible_row(connection, principal, notice_id, at)[0]

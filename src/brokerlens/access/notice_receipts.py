"""A notice's read receipts per unit (通知公告, issue 23 section 4): of the users it addresses
(the store's active users with their unit: a manager's own, else their staff record's; head
office users at the root), how many read it and who has not, unit by unit.

Its publisher sees every unit it reaches; a manager who may publish sees the units within their
reach (a branch manager their branch's, of a notice head office sent everyone). Audited
`notice_receipts`: the report names staff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.notices import NoticeRow, Standing, place_of, user_unit, visible_row
from brokerlens.access.records import as_utc, utc_now
from brokerlens.auth.principal import Principal
from brokerlens.errors import Forbidden
from brokerlens.store.notices_schema import notice_reads
from brokerlens.store.schema import staff, users


@dataclass(frozen=True)
class Reader:
    """A user a notice addresses, with their receipt."""

    username: str
    display_name: str
    role: str
    unit_id: str | None
    read_at: dt.datetime | None


@dataclass(frozen=True)
class UnitReceipts:
    unit_id: str | None  # None: users without a unit (outside the organisation's tree)
    addressed: int
    read: int
    unread: list[Reader]  # who has not read it, by username

    @property
    def rate(self) -> float:
        return self.read / self.addressed if self.addressed else 0.0


@dataclass(frozen=True)
class Receipts:
    notice: NoticeRow
    addressed: int
    read: int
    units: list[UnitReceipts]  # by unit id, units without one last
    whole: bool  # every unit it reaches (the publisher, head office); else the reader's units

    @property
    def rate(self) -> float:
        return self.read / self.addressed if self.addressed else 0.0


def _addressed(
    connection: sa.Connection, row: NoticeRow, where: Standing, whole: bool
) -> list[Reader]:
    """The active users the notice reaches (cut to the reader's units unless `whole`)."""
    notice = row.notice
    targets, roles = set(notice.units), set(notice.roles)
    reads = {
        int(uid): as_utc(at)
        for uid, at in connection.execute(
            sa.select(notice_reads.c.user_id, notice_reads.c.read_at).where(
                notice_reads.c.notice_id == notice.notice_id
            )
        )
    }
    found = connection.execute(
        sa.select(
            users.c.user_id,
            users.c.username,
            users.c.display_name,
            users.c.role,
            users.c.unit_id,
            staff.c.unit_id.label("staff_unit"),
        )
        .select_from(users.outerjoin(staff, staff.c.staff_id == users.c.staff_id))
        .where(users.c.active.is_(True))
        .order_by(users.c.username)
    )
    out = []
    for r in found:
        if roles and r.role not in roles:
            continue
        unit = user_unit(r.unit_id, r.staff_unit, r.role)
        place = place_of(unit, r.role, where.parent_of)
        if not targets.intersection(place):
            continue
        if unit is None and place:
            unit = place[0]  # head office: the root
        if not whole and unit not in (where.reach or ()):
            continue  # outside the reader's units
        out.append(Reader(r.username, r.display_name, r.role, unit, reads.get(int(r.user_id))))
    return out


def notice_receipts(
    db: sa.Engine, principal: Principal, notice_id: int, *, now: dt.datetime | None = None
) -> Receipts:
    """Who of a notice's audience read it, per unit; for its publisher and the managers who
    may publish to the units it reaches. Audited `notice_receipts`."""
    at = utc_now(now)
    with db.begin() as connection:
        row, where = visible_row(connection, principal, notice_id, at)
        if not row.may_see_receipts:
            raise Forbidden(
                "a notice's read receipts are for its publisher and the managers of its units",
                hint="publish_notices holders see the receipts of their units",
            )
        whole = row.notice.publisher == principal.username or where.reach is None
        readers = _addressed(connection, row, where, whole)
        by_unit: dict[str | None, list[Reader]] = {}
        for reader in readers:
            by_unit.setdefault(reader.unit_id, []).append(reader)
        units = [
            UnitReceipts(
                unit_id=unit,
                addressed=len(members),
                read=sum(1 for m in members if m.read_at is not None),
                unread=[m for m in members if m.read_at is None],
            )
            for unit, members in sorted(
                by_unit.items(), key=lambda kv: (kv[0] is None, kv[0] or "")
            )
        ]
        read = sum(u.read for u in units)
        detail = {"notice_id": notice_id, "addressed": len(readers), "read": read}
        record_audit(connection, principal, "notice_receipts", [], detail)
    return Receipts(row, len(readers), read, units, whole)

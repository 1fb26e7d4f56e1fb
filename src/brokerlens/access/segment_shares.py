"""Groups shared with named colleagues (issue 25): read-only or editable.

Only the owner shares, changes a share and revokes it. A colleague a group is shared with sees
it among their groups, and its members only within their own scope; an editable share lets them
change its name, conditions and members, never delete or share it. Every change audited
(`segment_share`, `segment_unshare`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.segments import owned_segment, visible_segment
from brokerlens.auth.principal import Principal
from brokerlens.errors import InvalidRequest, NotFound
from brokerlens.store.schema import segment_shares, users


@dataclass(frozen=True)
class Share:
    segment_id: int
    user_id: int
    username: str
    display_name: str
    can_edit: bool
    shared_by: str | None
    shared_at: dt.datetime


def _user(connection: sa.Connection, username: str) -> Any:
    name = (username or "").strip()
    if not name or len(name) > 64:
        raise InvalidRequest("user: name a colleague by username")
    row = connection.execute(
        sa.select(users.c.user_id, users.c.username, users.c.active).where(users.c.username == name)
    ).first()
    if row is None or not row.active:
        raise InvalidRequest(f"user: no active user {name!r}")
    return row


def _shares(connection: sa.Connection, segment_id: int) -> list[Share]:
    sharer = users.alias("sharer")
    rows = connection.execute(
        sa.select(
            segment_shares.c.segment_id,
            segment_shares.c.user_id,
            users.c.username,
            users.c.display_name,
            segment_shares.c.can_edit,
            sharer.c.username.label("shared_by"),
            segment_shares.c.shared_at,
        )
        .select_from(
            segment_shares.join(users, users.c.user_id == segment_shares.c.user_id).outerjoin(
                sharer, sharer.c.user_id == segment_shares.c.shared_by
            )
        )
        .where(segment_shares.c.segment_id == segment_id)
        .order_by(users.c.username)
    )
    return [
        Share(
            segment_id=int(r.segment_id),
            user_id=int(r.user_id),
            username=str(r.username),
            display_name=str(r.display_name),
            can_edit=bool(r.can_edit),
            shared_by=r.shared_by,
            shared_at=r.shared_at,
        )
        for r in rows
    ]


def list_shares(db: sa.Engine, principal: Principal, segment_id: int) -> list[Share]:
    """Who the group is shared with by name (anyone who sees the group may read it)."""
    with db.connect() as connection:
        visible_segment(connection, principal, segment_id)
        return _shares(connection, segment_id)


def share_segment(
    db: sa.Engine, principal: Principal, segment_id: int, username: str, *, can_edit: bool = False
) -> Share:
    """Share the group with a colleague, read-only or editable (sharing again changes how).
    Only its owner; audited `segment_share`."""
    with db.begin() as connection:
        item = owned_segment(connection, principal, segment_id)
        user = _user(connection, username)
        if user.user_id == principal.user_id:
            raise InvalidRequest("user: the group is yours already")
        key = (segment_shares.c.segment_id == segment_id, segment_shares.c.user_id == user.user_id)
        before = connection.execute(sa.select(segment_shares.c.can_edit).where(*key)).first()
        values = {"can_edit": bool(can_edit), "shared_by": principal.user_id, "shared_at": _now()}
        if before is None:
            connection.execute(
                segment_shares.insert().values(
                    segment_id=segment_id, user_id=user.user_id, **values
                )
            )
        else:
            connection.execute(segment_shares.update().where(*key).values(**values))
        detail = {
            "segment_id": segment_id,
            "name": item.name,
            "user": user.username,
            "user_id": int(user.user_id),
            "can_edit": bool(can_edit),
            "before": None if before is None else ("edit" if before[0] else "read"),
        }
        record_audit(connection, principal, "segment_share", [], detail)
        return next(s for s in _shares(connection, segment_id) if s.user_id == user.user_id)


def unshare_segment(db: sa.Engine, principal: Principal, segment_id: int, username: str) -> None:
    """Revoke a colleague's share: the group is gone from their list. Only its owner; audited
    `segment_unshare`."""
    with db.begin() as connection:
        item = owned_segment(connection, principal, segment_id)
        user = _user(connection, username)
        gone = connection.execute(
            segment_shares.delete().where(
                segment_shares.c.segment_id == segment_id,
                segment_shares.c.user_id == user.user_id,
            )
        ).rowcount
        if not gone:
            raise NotFound(f"group {segment_id} is not shared with {user.username!r}")
        detail = {
            "segment_id": segment_id,
            "name": item.name,
            "user": user.username,
            "user_id": int(user.user_id),
        }
        record_audit(connection, principal, "segment_unshare", [], detail)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

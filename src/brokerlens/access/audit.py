"""The audit log: who looked at or took which customers' data, and searching it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from brokerlens.access.render import like_escape
from brokerlens.auth.principal import Permission, Principal
from brokerlens.errors import Forbidden
from brokerlens.store.schema import audit_log


def record_audit(
    connection: sa.Connection,
    principal: Principal,
    action: str,
    customer_ids: Sequence[str],
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit row, in the caller's transaction (so no data leaves without its record)."""
    connection.execute(
        audit_log.insert().values(
            at=dt.datetime.now(dt.UTC),
            user_id=principal.user_id,
            username=principal.username,
            role=str(principal.role),
            action=action,
            customer_count=len(customer_ids),
            customer_ids=",".join(customer_ids) if customer_ids else None,
            detail=detail or {},
            ip=(principal.ip or None) and principal.ip[:64],
            user_agent=(principal.user_agent or None) and principal.user_agent[:300],
        )
    )


def audit_read(
    db: sa.Engine,
    principal: Principal,
    action: str,
    customer_ids: Sequence[str],
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit row in its own transaction, for a read whose answer is already in hand (a
    page of a list, a customer's alerts): the customers it shows, under the reader's name."""
    with db.begin() as connection:
        record_audit(connection, principal, action, customer_ids, detail)


class AuditQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str | None = None
    action: str | None = None
    customer_id: str | None = None
    # A date means from its start (since) / through its end (until).
    since: dt.datetime | dt.date | None = Field(
        default=None, validation_alias=AliasChoices("since", "date_from")
    )
    until: dt.datetime | dt.date | None = Field(
        default=None, validation_alias=AliasChoices("until", "date_to")
    )
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=200)


@dataclass(frozen=True)
class AuditPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int


def _aware(value: dt.datetime | dt.date, *, end: bool = False) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        day = value + dt.timedelta(days=1) if end else value
        value = dt.datetime.combine(day, dt.time())
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def search_audit(db: sa.Engine, principal: Principal, query: AuditQuery) -> AuditPage:
    """Audit rows, newest first; needs the read_audit permission."""
    if not principal.can(Permission.READ_AUDIT):
        raise Forbidden("reading the audit log needs the read_audit permission")
    where: list[Any] = []
    if query.username:
        where.append(audit_log.c.username == query.username)
    if query.action:
        where.append(audit_log.c.action == query.action)
    if query.customer_id:
        # customer_ids is comma separated: match a whole id between commas.
        wrapped = sa.literal(",") + audit_log.c.customer_ids + sa.literal(",")
        where.append(wrapped.like(f"%,{like_escape(query.customer_id)},%", escape="\\"))
    if query.since:
        where.append(audit_log.c.at >= _aware(query.since))
    if query.until:
        where.append(audit_log.c.at < _aware(query.until, end=True))
    columns = [c for c in audit_log.c if c.name != "customer_ids"]
    with db.connect() as connection:
        total = connection.execute(
            sa.select(sa.func.count()).select_from(audit_log).where(*where)
        ).scalar_one()
        rows = connection.execute(
            sa.select(*columns, sa.func.substr(audit_log.c.customer_ids, 1, 2000).label("ids"))
            .where(*where)
            .order_by(audit_log.c.at.desc(), audit_log.c.audit_id.desc())
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        ).mappings()
        out = []
        for row in rows:
            item = dict(row)
            # A page shows the start of a long export's id list; the count says how many.
            ids = item.pop("ids")
            parts = ids.split(",") if ids else []
            if item["customer_count"] > len(parts):
                parts = parts[:-1]  # the last one may be cut short
            item["customer_ids"] = parts
            out.append(item)
    return AuditPage(out, int(total), query.page, query.page_size)

"""Audit rows for sign-in events. Written here, not through `access.record_audit`: a failed
sign-in has no principal, and auth sits below access in the import order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert

from brokerlens.store.schema import audit_log


def audit(
    connection: Connection,
    action: str,
    *,
    at: dt.datetime,
    username: str | None,
    user_id: int | None = None,
    role: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    connection.execute(
        insert(audit_log).values(
            at=at,
            user_id=user_id,
            username=username[:64] if username else username,
            role=role,
            action=action,
            customer_count=0,
            customer_ids=None,
            detail=detail,
            ip=ip[:64] if ip else ip,
            user_agent=user_agent[:300] if user_agent else user_agent,
        )
    )

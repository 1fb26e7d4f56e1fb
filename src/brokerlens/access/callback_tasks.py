"""One call-back task made in the caller's transaction (issue 18 section 1): the suitability
workflow (a high-risk sale to an ordinary investor), a complaint's closing and a user's own
request use it; the rules' tasks (new accounts, the year's sample) come from the run and are
loaded at publish. Apart from `access.callbacks` so that complaints (which schedule one on
closing) and call-backs (whose issues found become a complaint) need not import each other.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from brokerlens.auth.principal import Principal
from brokerlens.compliance.callbacks.config import CallbackConfig
from brokerlens.compliance.retention import keep_until
from brokerlens.store.compliance_schema import CALLBACK_KINDS, callbacks


def schedule_callback(
    connection: sa.Connection,
    principal: Principal,
    *,
    customer_id: str,
    kind: str,
    source_ref: str,
    due_date: dt.date,
    branch_id: str | None,
    config: CallbackConfig,
    today: dt.date,
) -> int | None:
    """Make a pending call-back task unless one of this kind and source exists for the customer;
    returns its id (or None when it existed). The caller audits the action that made it."""
    if kind not in CALLBACK_KINDS:
        raise ValueError(f"unknown call-back kind {kind!r}")
    found = connection.execute(
        sa.select(callbacks.c.callback_id).where(
            callbacks.c.kind == kind,
            callbacks.c.customer_id == customer_id,
            callbacks.c.source_ref == source_ref,
        )
    ).first()
    if found is not None:
        return None
    return int(
        connection.execute(
            callbacks.insert()
            .values(
                customer_id=customer_id,
                kind=kind,
                source_ref=source_ref,
                branch_id=branch_id,
                created_on=today,
                due_date=due_date,
                status="pending",
                attempts=0,
                created_by=principal.username,
                keep_until=keep_until(today, config.retention_years),
            )
            .returning(callbacks.c.callback_id)
        ).scalar_one()
    )

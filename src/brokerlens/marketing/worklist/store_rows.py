"""What the work list reads of the operational store as of T, as Arrow tables: the brokers'
states (snoozed, done, dismissed), the call-backs a broker can help with, service records'
follow-ups, launched campaigns' treatment members and open complaints. Rows are read with bound
values only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa
import sqlalchemy as sa

from brokerlens.store.compliance_schema import callbacks, complaints
from brokerlens.store.marketing_schema import (
    campaign_members,
    campaigns,
    service_records,
    work_item_states,
)
from brokerlens.store.schema import segments

SNOOZED = pa.schema([("staff_id", pa.string()), ("customer_id", pa.string())])
COOLDOWN = pa.schema([("customer_id", pa.string()), ("kind", pa.string())])
CALLBACKS = pa.schema(
    [
        ("customer_id", pa.string()),
        ("kind", pa.string()),
        ("due_date", pa.date32()),
        ("attempts", pa.int64()),
    ]
)
RECORDS = pa.schema(
    [
        ("record_id", pa.int64()),
        ("customer_id", pa.string()),
        ("staff_id", pa.string()),
        ("next_date", pa.date32()),
        ("next_step", pa.string()),
    ]
)
MEMBERS = pa.schema(
    [
        ("campaign_id", pa.int64()),
        ("name", pa.string()),
        ("customer_id", pa.string()),
        ("staff_id", pa.string()),
        ("window_end", pa.date32()),
    ]
)

COMPLAINTS = pa.schema(
    [
        ("complaint_id", pa.string()),
        ("customer_id", pa.string()),
        ("category", pa.string()),
        ("opened", pa.date32()),
    ]
)


@dataclass(frozen=True)
class StoreRows:
    snoozed: pa.Table
    cooldown: pa.Table
    callbacks: pa.Table
    records: pa.Table
    members: pa.Table
    complaints: pa.Table


def _table(rows: Sequence[Mapping[str, object]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def _kinds(value: object) -> list[str]:
    return [str(k) for k in value] if isinstance(value, list) else []


def read_states(
    connection: sa.Connection, as_of: dt.date, cooldown_days: int
) -> tuple[pa.Table, pa.Table, set[str]]:
    """(snoozed (staff, customer) pairs, (customer, kind) pairs in their cooldown, the follow-up
    kinds handled). A broker's latest state of a customer decides the snooze; every done or
    dismissed state within `cooldown_days` before T holds its kinds back; a follow-up (or any
    kind) done or dismissed on or before T is handled for good when it names one record."""
    found = connection.execute(
        sa.select(
            work_item_states.c.state_id,
            work_item_states.c.as_of_date,
            work_item_states.c.staff_id,
            work_item_states.c.customer_id,
            work_item_states.c.status,
            work_item_states.c.kinds,
            work_item_states.c.snooze_until,
            work_item_states.c.at,
        )
        .where(work_item_states.c.as_of_date <= as_of)
        .order_by(work_item_states.c.at, work_item_states.c.state_id)
    ).all()
    latest: dict[tuple[str, str], sa.Row] = {}
    cooldown: set[tuple[str, str]] = set()
    handled: set[str] = set()
    since = as_of - dt.timedelta(days=cooldown_days)
    for row in found:
        latest[(row.staff_id, row.customer_id)] = row
        if row.status in ("done", "dismissed"):
            kinds = _kinds(row.kinds)
            handled.update(k for k in kinds if k.startswith("follow_up:"))
            if row.as_of_date >= since:
                cooldown.update((row.customer_id, k) for k in kinds)
    snoozed = [
        {"staff_id": s, "customer_id": c}
        for (s, c), row in sorted(latest.items())
        if row.status == "snoozed" and row.snooze_until is not None and row.snooze_until > as_of
    ]
    return (
        _table(snoozed, SNOOZED),
        _table([{"customer_id": c, "kind": k} for c, k in sorted(cooldown)], COOLDOWN),
        handled,
    )


def read_callbacks(connection: sa.Connection, as_of: dt.date) -> pa.Table:
    """Pending call-back tasks (回访) the customer's broker can help with as of T: overdue
    (due before T), or tried and not reached at least once (a pending task with attempts:
    reached or refused ones are closed). The call itself stays with compliance / the call
    centre (independence); the broker reminds the customer or checks the contact details."""
    rows = connection.execute(
        sa.select(
            callbacks.c.customer_id, callbacks.c.kind, callbacks.c.due_date, callbacks.c.attempts
        )
        .where(
            callbacks.c.status == "pending",
            callbacks.c.created_on <= as_of,
            sa.or_(callbacks.c.due_date < as_of, callbacks.c.attempts >= 1),
        )
        .order_by(callbacks.c.callback_id)
    ).all()
    return _table([dict(r._mapping) for r in rows], CALLBACKS)


def read_records(connection: sa.Connection, as_of: dt.date, handled: set[str]) -> pa.Table:
    """Service records whose next step is due by T and not handled yet."""
    rows = connection.execute(
        sa.select(
            service_records.c.record_id,
            service_records.c.customer_id,
            service_records.c.staff_id,
            service_records.c.next_date,
            service_records.c.next_step,
        )
        .where(service_records.c.next_date.is_not(None), service_records.c.next_date <= as_of)
        .order_by(service_records.c.record_id)
    ).all()
    pending = [dict(r._mapping) for r in rows if f"follow_up:{r.record_id}" not in handled]
    return _table(pending, RECORDS)


def read_members(connection: sa.Connection, as_of: dt.date) -> pa.Table:
    """Treatment members of campaigns launched with a window covering T, not yet contacted and
    not converted."""
    rows = connection.execute(
        sa.select(
            campaign_members.c.campaign_id,
            campaigns.c.name,
            campaign_members.c.customer_id,
            campaign_members.c.staff_id,
            campaigns.c.window_end,
        )
        .join(campaigns, campaigns.c.campaign_id == campaign_members.c.campaign_id)
        .where(
            campaigns.c.status == "launched",
            campaigns.c.window_start <= as_of,
            campaigns.c.window_end >= as_of,
            campaign_members.c.grp == "treatment",
            campaign_members.c.contacted_on.is_(None),
            campaign_members.c.converted_on.is_(None),
        )
    ).all()
    return _table([dict(r._mapping) for r in rows], MEMBERS)


def read_complaints(connection: sa.Connection, as_of: dt.date) -> pa.Table:
    """The store's complaints opened by T and not closed (the feed's and the workbench's)."""
    rows = connection.execute(
        sa.select(
            complaints.c.complaint_id,
            complaints.c.customer_id,
            complaints.c.category,
            complaints.c.opened,
        ).where(complaints.c.status != "closed", complaints.c.opened <= as_of)
    ).all()
    return _table([dict(r._mapping) for r in rows], COMPLAINTS)


def read_store_rows(db: sa.Engine, as_of: dt.date, cooldown_days: int) -> StoreRows:
    with db.connect() as connection:
        snoozed, cooldown, handled = read_states(connection, as_of, cooldown_days)
        return StoreRows(
            snoozed=snoozed,
            cooldown=cooldown,
            callbacks=read_callbacks(connection, as_of),
            records=read_records(connection, as_of, handled),
            members=read_members(connection, as_of),
            complaints=read_complaints(connection, as_of),
        )


def read_group_names(db: sa.Engine, ids: Sequence[int]) -> dict[int, str]:
    """The names of the customer groups (segments) a work-list rule names, by id."""
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(segments.c.segment_id, segments.c.name).where(
                segments.c.segment_id.in_(list(ids))
            )
        ).all()
    return {int(r.segment_id): str(r.name) for r in rows}

"""What a broker does with a row of their work list (issue 17 section 1): done with the contact
logged, snoozed to a date, or dismissed with a reason.

Each action names the list (T, default the served date) and the broker (default the principal's
own; a lead or manager may act on a broker's list in their scope, as they may read it). The
customer must be on that list and in the principal's scope, else NotFound as for an unknown
one; a row already done or dismissed answers Conflict. The state row goes to the store's
`work_item_states` (the run leaves a snoozed customer out until the date, and does not raise the
same kinds again for the cool-down after done or dismissed), audited in the same transaction.
Done logs the contact first through `access.records.log_contact` (checked and audited there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.records import ContactInput, ServiceRecord, log_contact
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.access.worklist import (
    WorkItem,
    family,
    file_cursor,
    latest_states,
    list_date,
    read_rows,
    resolve_staff,
    scope_filter,
    with_state,
)
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.errors import Conflict, InvalidRequest, NotFound
from brokerlens.store.marketing_schema import campaign_members, work_item_states
from brokerlens.warehouse.served import kept_file

SNOOZE_MAX_DAYS = 90
REASON_MAX = 500
FINAL = ("done", "dismissed")
# The purpose a contact logged from an item has when the user names none: the first kind that
# says one, else service.
PURPOSE_OF_KIND = {
    "campaign": "marketing",
    "activation": "marketing",
    "callback_due": "callback",
    "complaint": "complaint",
    "birthday": "care",
    "anniversary": "care",
    "maturity": "care",
    "ipo_allotment": "care",
}


class WorkItemClosed(Conflict):
    """The row was already done or dismissed on this list (409)."""


def default_purpose(kinds: list[str]) -> str:
    for kind in kinds:
        found = PURPOSE_OF_KIND.get(family(kind))
        if found is not None:
            return found
    return "service"


def campaign_of(db: sa.Engine, kinds: list[str], customer_id: str) -> int | None:
    """The first campaign a `campaign:<id>` kind names that has the customer in its treatment
    group, so the contact counts for it (a campaign since removed is left out, not refused)."""
    ids = [
        int(tail)
        for kind in kinds
        if family(kind) == "campaign"
        for tail in [kind.partition(":")[2]]
        if tail.isdigit() and len(tail) < 10
    ]
    if not ids:
        return None
    m = campaign_members.c
    with db.connect() as connection:
        found = set(
            connection.execute(
                sa.select(m.campaign_id).where(
                    m.campaign_id.in_(ids), m.customer_id == customer_id, m.grp == "treatment"
                )
            ).scalars()
        )
    return next((i for i in ids if i in found), None)


def _find(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    as_of: dt.date | None,
    staff_id: str | None,
    *,
    open_only: bool = True,
) -> tuple[WorkItem, dt.date]:
    """The customer's row on the broker's list of T with its state, and T; NotFound when the list,
    the broker or the customer (in scope) is not there."""
    customer = (customer_id or "").strip()
    if not customer or len(customer) > 32:
        raise InvalidRequest("customer_id: 1 to 32 characters / 客户号无效")
    cursor = file_cursor()
    try:
        with db.connect() as connection:
            snapshot = served_snapshot_on(connection)
            day = list_date(snapshot, as_of)
            who, _ = resolve_staff(connection, principal, staff_id)
            path = kept_file(settings, "worklist", day)
            if path is None:
                raise NotFound(f"没有 {day.isoformat()} 的待办 / no work list as of {day}")
            scope = scope_filter(connection, cursor, principal, snapshot)
            read = read_rows(
                cursor, path, who, scope, budget_only=False, customer_id=customer, counts=False
            )
            if not read.rows:
                raise NotFound(f"未找到该待办 / customer {customer!r} is not on the work list")
            item = read.rows[0]
            state = latest_states(connection, who, day, [customer]).get(customer)
    finally:
        cursor.close()
    found = with_state(item, state)
    if open_only and found.status in FINAL:
        raise WorkItemClosed(
            f"该待办已{'完成' if found.status == 'done' else '忽略'} / the item is already "
            f"{found.status}",
            hint="it leaves the list with the next run",
        )
    return found, day


def work_item(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    *,
    as_of: dt.date | None = None,
    staff_id: str | None = None,
) -> WorkItem:
    """One customer's row of the broker's list of T with its state (a form shown again after a
    refused action); audited `view_worklist`."""
    item, day = _find(db, settings, principal, customer_id, as_of, staff_id, open_only=False)
    detail = {"as_of": day.isoformat(), "staff_id": item.staff_id, "one": True}
    audit_read(db, principal, "view_worklist", [item.customer_id], detail)
    return item


def _save(
    db: sa.Engine,
    principal: Principal,
    item: WorkItem,
    day: dt.date,
    status: str,
    *,
    snooze_until: dt.date | None = None,
    reason: str | None = None,
    record_id: int | None = None,
) -> WorkItem:
    now = dt.datetime.now(dt.UTC)
    values: dict[str, Any] = {
        "as_of_date": day,
        "staff_id": item.staff_id,
        "customer_id": item.customer_id,
        "status": status,
        "kinds": list(item.kinds),
        "snooze_until": snooze_until,
        "reason": reason,
        "record_id": record_id,
        "username": principal.username,
        "at": now,
    }
    with db.begin() as connection:
        connection.execute(work_item_states.insert().values(**values))
        detail = {
            "as_of": day.isoformat(),
            "staff_id": item.staff_id,
            "kinds": list(item.kinds),
            "snooze_until": snooze_until.isoformat() if snooze_until else None,
            "reason": reason,
            "record_id": record_id,
        }
        record_audit(connection, principal, f"worklist_{status}", [item.customer_id], detail)
    return with_state(item, values)


def mark_done(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    contact: ContactInput,
    *,
    as_of: dt.date | None = None,
    staff_id: str | None = None,
) -> tuple[WorkItem, ServiceRecord]:
    """Log the contact (`log_contact`: checked, scoped, audited) and mark the row done with it;
    the contact's purpose defaults from the row's kinds, a campaign kind names its campaign."""
    item, day = _find(db, settings, principal, customer_id, as_of, staff_id)
    contact = replace(
        contact,
        purpose=contact.purpose or default_purpose(item.kinds),
        campaign_id=contact.campaign_id
        if contact.campaign_id is not None
        else campaign_of(db, item.kinds, item.customer_id),
        work_item_date=day,
    )
    record = log_contact(db, principal, item.customer_id, contact)
    return _save(db, principal, item, day, "done", record_id=record.record_id), record


def log_and_close(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    contact: ContactInput,
) -> tuple[ServiceRecord, WorkItem | None]:
    """Log the contact (`log_contact`); when it names a work-list date (the 360 opened from a
    work item), the customer's open item on the author's own list of that date is marked done
    with it, so a call logged on the 360 closes the item it was made for. No item there (or not
    open, or no list of the author's): the record alone."""
    record = log_contact(db, principal, customer_id, contact)
    if contact.work_item_date is None or principal.staff_id is None:
        return record, None
    try:
        item, day = _find(db, settings, principal, customer_id, contact.work_item_date, None)
    except (NotFound, Conflict, InvalidRequest):
        return record, None
    return record, _save(db, principal, item, day, "done", record_id=record.record_id)


def check_until(until: Any, day: dt.date) -> dt.date:
    """A snooze date: after T, at most SNOOZE_MAX_DAYS after it."""
    if not isinstance(until, dt.date) or isinstance(until, dt.datetime):
        raise InvalidRequest("until: a date (YYYY-MM-DD) / 请填写提醒日期")
    latest = day + dt.timedelta(days=SNOOZE_MAX_DAYS)
    if not day < until <= latest:
        raise InvalidRequest(
            f"until: {until.isoformat()} must be after {day.isoformat()} and at most "
            f"{SNOOZE_MAX_DAYS} days later / 提醒日期须在待办日之后 {SNOOZE_MAX_DAYS} 天内",
            hint=f"give a date from {(day + dt.timedelta(days=1)).isoformat()} to "
            f"{latest.isoformat()}",
        )
    return until


def snooze(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    until: dt.date,
    *,
    as_of: dt.date | None = None,
    staff_id: str | None = None,
) -> WorkItem:
    """Leave the customer off the broker's list until `until` (after T, within 90 days)."""
    if as_of is not None:
        check_until(until, as_of)  # a bad date is named before the list is read
    item, day = _find(db, settings, principal, customer_id, as_of, staff_id)
    return _save(db, principal, item, day, "snoozed", snooze_until=check_until(until, day))


def check_reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise InvalidRequest(
            "reason: say why the item is dismissed / 请填写忽略原因",
            hint="the reason is kept with the item",
        )
    if len(text) > REASON_MAX:
        raise InvalidRequest(f"reason: at most {REASON_MAX} characters / 原因过长")
    return text


def dismiss(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    reason: str,
    *,
    as_of: dt.date | None = None,
    staff_id: str | None = None,
) -> WorkItem:
    """Dismiss the row with a reason (required): its kinds are not raised again for the
    cool-down."""
    text = check_reason(reason)
    item, day = _find(db, settings, principal, customer_id, as_of, staff_id)
    return _save(db, principal, item, day, "dismissed", reason=text)

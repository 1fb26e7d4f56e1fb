"""The mismatch workflow and its records, kept in the operational store.

A check is recorded with its verdict and reasons. On a mismatch the warning is shown (recorded),
then the customer may confirm (recorded; refused without a prior warning for that check); the
sale may then be recorded, which schedules a call-back (回访) for a high-risk sale to an ordinary
investor. A forbidden check allows none of these. Investor class requests (ordinary -> treated as
professional, and the reverse) are recorded with what the data showed, then decided.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.errors import InvalidRequest, NotFound
from brokerlens.store.suitability_schema import (
    investor_class_requests,
    suitability_checks,
    suitability_events,
)
from brokerlens.suitability.errors import WorkflowError
from brokerlens.suitability.facts import CustomerFacts
from brokerlens.suitability.investor_class import ClassAssessment
from brokerlens.suitability.matching import CheckResult
from brokerlens.suitability.rules import Rules

DIRECTIONS = {"to_professional": "ordinary", "to_ordinary": "professional"}  # -> required from


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Event:
    event_id: int
    check_id: int
    kind: str
    at: dt.datetime
    actor: str
    note: str | None
    due_date: dt.date | None


@dataclass(frozen=True)
class CheckRecord:
    check_id: int
    at: dt.datetime
    checked_by: str
    customer_id: str
    target_kind: str
    target_id: str
    verdict: str
    reasons: list[dict[str, str]]
    callback_required: bool
    events: list[Event]

    def has(self, kind: str) -> bool:
        return any(e.kind == kind for e in self.events)


def record_check(
    db: sa.Engine,
    result: CheckResult,
    *,
    by: str,
    branch_id: str | None = None,
    as_of: dt.date | None = None,
) -> int:
    """Keep a check (who, what, verdict, reasons, when); returns its id."""
    values = {
        "at": _now(),
        "checked_by": by,
        "customer_id": result.customer_id,
        "branch_id": branch_id,
        "as_of_date": as_of,
        "target_kind": result.target.kind,
        "target_id": result.target.target_id,
        "target_name": result.target.name,
        "target_grade": result.target.grade,
        "context": result.context,
        "risk_class": result.risk_class,
        "professional": result.professional,
        "verdict": result.verdict,
        "reasons": [dataclasses.asdict(r) for r in result.reasons],
        "callback_required": result.callback_required,
    }
    with db.begin() as connection:
        inserted = connection.execute(
            suitability_checks.insert().values(**values).returning(suitability_checks.c.check_id)
        )
        return int(inserted.scalar_one())


def get_check(db: sa.Engine, check_id: int) -> CheckRecord:
    with db.connect() as connection:
        return _load(connection, check_id)


def _load(connection: sa.Connection, check_id: int) -> CheckRecord:
    row = connection.execute(
        sa.select(suitability_checks).where(suitability_checks.c.check_id == check_id)
    ).first()
    if row is None:
        raise NotFound(f"check {check_id} does not exist", hint="give a recorded check's id")
    events = connection.execute(
        sa.select(suitability_events)
        .where(suitability_events.c.check_id == check_id)
        .order_by(suitability_events.c.event_id)
    ).all()
    return _record(row._mapping, [_event(e._mapping) for e in events])


def _record(m: Any, events: list[Event]) -> CheckRecord:
    return CheckRecord(
        m["check_id"], m["at"], m["checked_by"], m["customer_id"], m["target_kind"],
        m["target_id"], m["verdict"], list(m["reasons"]), bool(m["callback_required"]), events,
    )  # fmt: skip


def _event(m: Any) -> Event:
    return Event(
        m["event_id"], m["check_id"], m["kind"], m["at"], m["actor"], m["note"], m["due_date"]
    )


def _add(
    connection: sa.Connection,
    check_id: int,
    kind: str,
    by: str,
    note: str | None = None,
    due: dt.date | None = None,
) -> Event:
    at = _now()
    values = {"check_id": check_id, "kind": kind, "at": at, "actor": by, "note": note}
    inserted = connection.execute(
        suitability_events.insert()
        .values(**values, due_date=due)
        .returning(suitability_events.c.event_id)
    )
    return Event(int(inserted.scalar_one()), check_id, kind, at, by, note, due)


def show_warning(db: sa.Engine, check_id: int, *, by: str, note: str | None = None) -> Event:
    """Record that the special risk warning of a mismatch was shown to the customer."""
    with db.begin() as connection:
        check = _load(connection, check_id)
        if check.verdict != "mismatch":
            raise WorkflowError(
                f"check {check_id} is a {check.verdict}: only a mismatch is warned and confirmed",
                hint="a forbidden product cannot be sold; a match needs no warning",
            )
        return _add(connection, check_id, "warning_shown", by, note)


def confirm(db: sa.Engine, check_id: int, *, by: str, note: str | None = None) -> Event:
    """Record the customer's confirmation; refused unless the warning was shown first."""
    with db.begin() as connection:
        check = _load(connection, check_id)
        if check.verdict != "mismatch":
            raise WorkflowError(
                f"check {check_id} is a {check.verdict}: there is nothing to confirm",
                hint="only a mismatch is confirmed by the customer, after its warning",
            )
        if not check.has("warning_shown"):
            raise WorkflowError(
                f"check {check_id}: no risk warning was shown, so it cannot be confirmed",
                hint=f"record the warning first (`suitability warn {check_id}`)",
            )
        return _add(connection, check_id, "confirmed", by, note)


def record_sale(
    db: sa.Engine, check_id: int, *, by: str, rules: Rules, today: dt.date | None = None
) -> list[Event]:
    """Record that the sale went ahead; schedules the call-back when the check requires one."""
    with db.begin() as connection:
        check = _load(connection, check_id)
        if check.verdict == "forbidden":
            raise WorkflowError(
                f"check {check_id} is forbidden: the sale may not go ahead",
                hint="; ".join(r["text"] for r in check.reasons if r["verdict"] == "forbidden"),
            )
        if check.verdict == "mismatch" and not check.has("confirmed"):
            raise WorkflowError(
                f"check {check_id} is a mismatch not confirmed by the customer",
                hint="show the warning and record the customer's confirmation first",
            )
        events = [_add(connection, check_id, "sale_recorded", by)]
        if check.callback_required:
            due = (today or dt.date.today()) + dt.timedelta(days=rules.callback.days)
            note = "高风险产品销售给普通投资者: 回访"
            events.append(_add(connection, check_id, "callback_scheduled", by, note, due))
        return events


def complete_callback(db: sa.Engine, check_id: int, *, by: str, note: str) -> Event:
    with db.begin() as connection:
        check = _load(connection, check_id)
        if not check.has("callback_scheduled"):
            raise WorkflowError(f"check {check_id} has no call-back scheduled")
        return _add(connection, check_id, "callback_done", by, note)


def checks_of(db: sa.Engine, customer_id: str) -> list[CheckRecord]:
    """Every check of a customer, oldest first, with its events."""
    with db.connect() as connection:
        ids = connection.execute(
            sa.select(suitability_checks.c.check_id)
            .where(suitability_checks.c.customer_id == customer_id)
            .order_by(suitability_checks.c.check_id)
        ).scalars()
        return [_load(connection, i) for i in list(ids)]


def due_callbacks(db: sa.Engine, on: dt.date) -> list[Event]:
    """Call-backs scheduled and due by `on` that are not done yet."""
    done = sa.select(suitability_events.c.check_id).where(
        suitability_events.c.kind == "callback_done"
    )
    with db.connect() as connection:
        found = connection.execute(
            sa.select(suitability_events)
            .where(
                suitability_events.c.kind == "callback_scheduled",
                suitability_events.c.due_date <= on,
                suitability_events.c.check_id.not_in(done),
            )
            .order_by(suitability_events.c.due_date, suitability_events.c.check_id)
        ).all()
    return [_event(r._mapping) for r in found]


# -- investor class requests ----------------------------------------------------------------------


def effective_class(db: sa.Engine, customer_id: str, recorded: str) -> str:
    """The class the source records, unless a later approved request changed the treatment."""
    with db.connect() as connection:
        direction = connection.execute(
            sa.select(investor_class_requests.c.direction)
            .where(
                investor_class_requests.c.customer_id == customer_id,
                investor_class_requests.c.status == "approved",
            )
            .order_by(
                investor_class_requests.c.decided_at.desc(),
                investor_class_requests.c.request_id.desc(),
            )
            .limit(1)
        ).scalar()
    return recorded if direction is None else direction.removeprefix("to_")


def treatments(db: sa.Engine) -> dict[str, str]:
    """Every customer whose treatment an approved request changed: customer_id -> the class
    treated as (`effective_class` for all at once, e.g. for the recommendations' gate)."""
    table = investor_class_requests
    with db.connect() as connection:
        found = connection.execute(
            sa.select(table.c.customer_id, table.c.direction)
            .where(table.c.status == "approved")
            .order_by(table.c.decided_at, table.c.request_id)
        ).all()
    # the newest decision last, so it wins
    return {customer_id: direction.removeprefix("to_") for customer_id, direction in found}


def with_effective_class(db: sa.Engine, customer: CustomerFacts) -> CustomerFacts:
    klass = effective_class(db, customer.customer_id, customer.investor_class)
    return dataclasses.replace(customer, investor_class=klass)


def request_class(
    db: sa.Engine,
    customer: CustomerFacts,
    direction: str,
    *,
    by: str,
    assessment: ClassAssessment | None = None,
    evidence: str | None = None,
) -> int:
    """Record an application to be treated as professional (or as ordinary); returns its id."""
    if direction not in DIRECTIONS:
        raise InvalidRequest(
            f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}",
            hint="to_professional for an ordinary customer's application, or to_ordinary",
        )
    current = effective_class(db, customer.customer_id, customer.investor_class)
    if current != DIRECTIONS[direction]:
        raise WorkflowError(
            f"customer {customer.customer_id} is already treated as {current}",
            hint=f"{direction} is for a customer treated as {DIRECTIONS[direction]}",
        )
    values = {
        "customer_id": customer.customer_id,
        "direction": direction,
        "requested_at": _now(),
        "recorded_by": by,
        "evidence": evidence,
        "data_outcome": assessment.outcome if assessment else None,
        "data_reasons": list(assessment.reasons) if assessment else None,
        "status": "pending",
    }
    with db.begin() as connection:
        inserted = connection.execute(
            investor_class_requests.insert()
            .values(**values)
            .returning(investor_class_requests.c.request_id)
        )
        return int(inserted.scalar_one())


def decide_class_request(
    db: sa.Engine, request_id: int, *, approve: bool, by: str, note: str | None = None
) -> None:
    """Approve or reject a pending request. Approving against the data needs a note."""
    table = investor_class_requests
    with db.begin() as connection:
        row = connection.execute(sa.select(table).where(table.c.request_id == request_id)).first()
        if row is None:
            raise NotFound(f"class request {request_id} does not exist")
        if row.status != "pending":
            raise WorkflowError(f"class request {request_id} is already {row.status}")
        against_data = row.direction == "to_professional" and row.data_outcome == "ordinary"
        if approve and against_data and not note:
            raise WorkflowError(
                f"class request {request_id}: the data does not show the criteria",
                hint="approve only with a note naming the evidence (e.g. income proof)",
            )
        connection.execute(
            table.update()
            .where(table.c.request_id == request_id)
            .values(
                status="approved" if approve else "rejected",
                decided_at=_now(),
                decided_by=by,
                decision_note=note,
            )
        )


@dataclass(frozen=True)
class ClassRequest:
    request_id: int
    customer_id: str
    direction: str
    requested_at: dt.datetime
    recorded_by: str
    evidence: str | None
    data_outcome: str | None
    data_reasons: list[str]
    status: str
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_note: str | None


def class_requests(
    db: sa.Engine,
    *,
    customer_id: str | None = None,
    status: str | None = None,
    request_id: int | None = None,
    limit: int = 500,
) -> list[ClassRequest]:
    """Investor class requests, newest first: of a customer, in a status, or one by id."""
    table = investor_class_requests
    query = sa.select(table).order_by(table.c.request_id.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(table.c.customer_id == customer_id)
    if status is not None:
        query = query.where(table.c.status == status)
    if request_id is not None:
        query = query.where(table.c.request_id == request_id)
    with db.connect() as connection:
        found = connection.execute(query).mappings().all()
    return [
        ClassRequest(**{**dict(m), "data_reasons": list(m["data_reasons"] or [])}) for m in found
    ]

"""Call-backs (回访, issue 18 section 1) through the service layer.

`access.callback_tasks.schedule_callback` makes one task in the caller's transaction (a high-
risk sale, a complaint's closing, a compliance user's manual task); the rules' tasks (new
accounts, the year's sample) come from the run and are loaded at publish. This module serves the
users with the `callbacks` permission (compliance, the call centre): the work list of pending
tasks in scope with SLA timers, a task with its script, the attempts and the result (reached
with the script's answers, or unreachable after `max_attempts`), issues found turned into a
complaint or a suitability review, assignment, and the purge of records past their retention. A
task of a customer outside the caller's scope answers the same NotFound as an unknown one; every
read of customer rows and every change is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.callback_tasks import schedule_callback
from brokerlens.access.complaints import ComplaintInput, file_complaint
from brokerlens.access.customers import scoped_row
from brokerlens.access.records import as_utc, beijing_date, utc_now
from brokerlens.access.scope import active_on, customer_scope
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.access.work_orders import OrderInput, create_order
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Permission, Principal, Role
from brokerlens.compliance.callbacks.config import CallbackConfig
from brokerlens.compliance.callbacks.config import load_config as load_callback_config
from brokerlens.compliance.callbacks.scripts import (
    AnswerProblem,
    Question,
    checked_answers,
    flagged,
    load_scripts,
)
from brokerlens.compliance.complaints.config import load_config as load_complaint_config
from brokerlens.compliance.retention import keep_until
from brokerlens.config import Settings
from brokerlens.errors import Conflict, FieldRejected, Forbidden, NotFound
from brokerlens.store.compliance_schema import (
    ATTEMPT_OUTCOMES,
    CALLBACK_KINDS,
    CALLBACK_STATUSES,
    callback_attempts,
    callbacks,
)
from brokerlens.store.schema import relationships, users
from brokerlens.suitability import workflow
from brokerlens.suitability.errors import WorkflowError

NOTE_MAX = 1000
ISSUES_MAX = 2000
PAGE_SIZE_MAX = 200
DUE_FILTERS = ("overdue", "soon")  # overdue: due before today; soon: due within N days
FOLLOW_UPS = ("complaint", "review")  # a complaint, or a suitability review (a work order)
REVIEW_DAYS = 7  # a suitability review's work order is due a week after the call-back
CALLER_ROLES = frozenset({Role.COMPLIANCE, Role.CALL_CENTER})


class CallbackRejected(FieldRejected):
    """A call-back request's field is unusable (422); `field` names it for the form."""


# -- what is answered -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackTask:
    """One `callbacks` row with the customer's name and the SLA timer as of `today`."""

    callback_id: int
    customer_id: str
    kind: str
    source_ref: str
    branch_id: str | None
    tier: str | None
    created_on: dt.date
    due_date: dt.date
    status: str
    attempts: int
    result: str | None
    answers: dict[str, str] | None
    issues: str | None
    follow_up: str | None
    assigned_to: str | None
    closed_at: dt.datetime | None
    closed_by: str | None
    created_by: str
    keep_until: dt.date
    customer_name: str | None = None
    days_left: int = 0  # to the due date; negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.status == "pending" and self.days_left < 0

    @classmethod
    def of(
        cls, row: Mapping[str, Any] | sa.RowMapping, today: dt.date, name: str | None = None
    ) -> CallbackTask:
        values = {f.name: row[f.name] for f in fields(cls) if f.name in row}
        if values.get("closed_at") is not None:
            values["closed_at"] = as_utc(values["closed_at"])
        values["answers"] = dict(row["answers"]) if row.get("answers") else None
        return cls(**values, customer_name=name, days_left=(row["due_date"] - today).days)


@dataclass(frozen=True)
class Attempt:
    attempt_id: int
    at: dt.datetime
    username: str
    outcome: str
    note: str | None


@dataclass(frozen=True)
class CallbackDetail:
    """A task, its attempts, its kind's script and whether the reader may record a result
    (`blocked`: why not, in words, else None)."""

    task: CallbackTask
    attempts: list[Attempt]
    script: tuple[Question, ...]
    max_attempts: int
    blocked: str | None = None
    follow_ups: tuple[str, ...] = FOLLOW_UPS


@dataclass(frozen=True)
class CallbackPage:
    tasks: list[CallbackTask]
    total: int
    page: int
    page_size: int
    today: dt.date

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class CallbackQuery:
    """The work list's filters: status (pending by default; closed: any closed one; all),
    kind, branch, due (overdue, or soon: due within `within_days`), assigned to me, customer."""

    status: str = "pending"
    kind: str | None = None
    branch_id: str | None = None
    due: str | None = None
    within_days: int = 7
    mine: bool = False
    customer_id: str | None = None
    page: int = 1
    page_size: int = 50


@dataclass(frozen=True)
class AttemptInput:
    """One call: reached (with the script's answers), not reached, or refused by the
    customer; issues found may become a complaint (`complaint_category` then) or a
    suitability review."""

    outcome: str  # ATTEMPT_OUTCOMES
    note: str | None = None
    answers: Mapping[str, str] = field(default_factory=dict)
    issues: str | None = None
    follow_up: str | None = None  # FOLLOW_UPS
    complaint_category: str | None = None


# -- who may -------------------------------------------------------------------------------------


def require_caller(principal: Principal) -> None:
    if not principal.can(Permission.CALLBACKS):
        raise Forbidden(
            "call-backs need the callbacks permission (compliance, call centre)",
            hint="the customer's call-backs show on their 360",
        )


def _compliance(principal: Principal, what: str) -> None:
    if principal.role is not Role.COMPLIANCE:
        raise Forbidden(f"{what} is for compliance users only")


def tasks_in_scope(principal: Principal, snapshot: Snapshot) -> sa.ColumnElement[bool]:
    """Tasks of customers the principal may see (every task for the all-customer roles)."""
    if principal.role in ALL_CUSTOMER_ROLES:
        return sa.true()
    in_scope = sa.select(snapshot.table.c.customer_id).where(customer_scope(principal, snapshot))
    return callbacks.c.customer_id.in_(in_scope)


def today_of(today: dt.date | None, now: dt.datetime | None = None) -> dt.date:
    return today if today is not None else beijing_date(utc_now(now))


def _names(connection: sa.Connection, snapshot: Snapshot, ids: Sequence[str]) -> dict[str, Any]:
    if not ids or "name" not in snapshot.table.c:
        return {}
    table = snapshot.table
    rows = connection.execute(
        sa.select(table.c.customer_id, table.c.name).where(table.c.customer_id.in_(set(ids)))
    ).all()
    return {r.customer_id: r.name for r in rows}


# -- the work list --------------------------------------------------------------------------------


def _filters(query: CallbackQuery, principal: Principal, today: dt.date) -> list[Any]:
    found: list[Any] = []
    if query.status == "closed":
        found.append(callbacks.c.status != "pending")
    elif query.status != "all":
        if query.status not in CALLBACK_STATUSES:
            choices = ", ".join((*CALLBACK_STATUSES, "closed", "all"))
            raise CallbackRejected("status", f"must be one of {choices}")
        found.append(callbacks.c.status == query.status)
    if query.kind:
        if query.kind not in CALLBACK_KINDS:
            raise CallbackRejected("kind", f"must be one of {', '.join(CALLBACK_KINDS)}")
        found.append(callbacks.c.kind == query.kind)
    if query.branch_id:
        found.append(callbacks.c.branch_id == query.branch_id)
    if query.due == "overdue":
        found.append(callbacks.c.due_date < today)
    elif query.due == "soon":
        if not 0 <= query.within_days <= 366:
            raise CallbackRejected("within_days", "must be 0 to 366")
        found.append(callbacks.c.due_date <= today + dt.timedelta(days=query.within_days))
    elif query.due:
        raise CallbackRejected("due", f"must be one of {', '.join(DUE_FILTERS)}")
    if query.mine:
        found.append(callbacks.c.assigned_to == principal.username)
    if query.customer_id:
        found.append(callbacks.c.customer_id == query.customer_id)
    return found


def list_callbacks(
    db: sa.Engine, principal: Principal, query: CallbackQuery, *, today: dt.date | None = None
) -> CallbackPage:
    """One page of the call-back tasks in scope matching the filters, the most overdue first
    (by due date); audited `view_callbacks` with the page's customers."""
    require_caller(principal)
    if not 1 <= query.page_size <= PAGE_SIZE_MAX or query.page < 1:
        raise CallbackRejected("page_size", f"pages of 1 to {PAGE_SIZE_MAX}, from page 1")
    day = today_of(today)
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        where = [*_filters(query, principal, day), tasks_in_scope(principal, snapshot)]
        total = connection.execute(
            sa.select(sa.func.count()).select_from(callbacks).where(*where)
        ).scalar_one()
        rows = (
            connection.execute(
                sa.select(callbacks)
                .where(*where)
                .order_by(callbacks.c.due_date, callbacks.c.callback_id)
                .limit(query.page_size)
                .offset((query.page - 1) * query.page_size)
            )
            .mappings()
            .all()
        )
        names = _names(connection, snapshot, [r["customer_id"] for r in rows])
    tasks = [CallbackTask.of(r, day, names.get(r["customer_id"])) for r in rows]
    ids = list(dict.fromkeys(t.customer_id for t in tasks))
    audit_read(db, principal, "view_callbacks", ids, {"page": query.page, "total": int(total)})
    return CallbackPage(tasks, int(total), query.page, query.page_size, day)


# -- one task -------------------------------------------------------------------------------------


def _row(connection: sa.Connection, callback_id: int, *, lock: bool = False) -> dict[str, Any]:
    """The task's row; `lock`: held until the transaction ends (PostgreSQL: two callers
    recording on one task at once take turns; SQLite's write lock does the same)."""
    query = sa.select(callbacks).where(callbacks.c.callback_id == callback_id)
    row = connection.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise NotFound(f"no call-back {callback_id}", hint="give a call-back task's id")
    return dict(row)


def _scoped_task(
    connection: sa.Connection, principal: Principal, callback_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the task's row, its customer's profile row); one NotFound for a missing task or one of
    a customer outside the scope."""
    row = _row(connection, callback_id)
    try:
        customer = scoped_row(
            connection, principal, served_snapshot_on(connection), row["customer_id"]
        )
    except NotFound:
        raise NotFound(f"no call-back {callback_id}", hint="give a call-back task's id") from None
    return row, customer


def _own_customer(
    connection: sa.Connection, principal: Principal, customer_id: str, today: dt.date
) -> str | None:
    """The reader's relationship role with the customer (developer, servicer, advisor ...)
    in force today, if any: such a caller is not independent of the customer."""
    if not principal.staff_id:
        return None
    found = connection.execute(
        sa.select(relationships.c.role).where(
            relationships.c.customer_id == customer_id,
            relationships.c.staff_id == principal.staff_id,
            active_on(today),
        )
    ).first()
    return None if found is None else str(found.role)


def _blocked(
    connection: sa.Connection,
    principal: Principal,
    row: Mapping[str, Any],
    config: CallbackConfig,
    today: dt.date,
) -> str | None:
    if row["status"] != "pending":
        return f"call-back {row['callback_id']} is {row['status']}: closed tasks take no attempt"
    if config.independent:
        role = _own_customer(connection, principal, row["customer_id"], today)
        if role is not None:
            return (
                f"call-backs are made independently of the customer's marketing: you are the "
                f"customer's {role}"
            )
    return None


def _attempts(connection: sa.Connection, callback_id: int) -> list[Attempt]:
    rows = connection.execute(
        sa.select(callback_attempts)
        .where(callback_attempts.c.callback_id == callback_id)
        .order_by(callback_attempts.c.attempt_id)
    ).mappings()
    return [
        Attempt(r["attempt_id"], as_utc(r["at"]), r["username"], r["outcome"], r["note"])
        for r in rows
    ]


def get_callback(
    db: sa.Engine,
    settings: Settings | None,
    principal: Principal,
    callback_id: int,
    *,
    today: dt.date | None = None,
) -> CallbackDetail:
    """A task in scope with its attempts and script; audited `view_callback`."""
    require_caller(principal)
    day = today_of(today)
    config = load_callback_config(settings)
    with db.begin() as connection:
        row, customer = _scoped_task(connection, principal, callback_id)
        attempts = _attempts(connection, callback_id)
        blocked = _blocked(connection, principal, row, config, day)
        record_audit(
            connection,
            principal,
            "view_callback",
            [row["customer_id"]],
            {"callback_id": callback_id},
        )
    return CallbackDetail(
        task=CallbackTask.of(row, day, customer.get("name")),
        attempts=attempts,
        script=load_scripts(settings).of(row["kind"]),
        max_attempts=config.max_attempts,
        blocked=blocked,
    )


# -- recording a call ----------------------------------------------------------------------------


def _text(name: str, value: str | None, most: int) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > most:
        raise CallbackRejected(name, f"{len(text)} characters, at most {most}")
    return text or None


def _may_record(
    connection: sa.Connection,
    principal: Principal,
    row: Mapping[str, Any],
    config: CallbackConfig,
    today: dt.date,
) -> None:
    if row["status"] != "pending":
        raise Conflict(
            f"call-back {row['callback_id']} is {row['status']}: a closed task takes no attempt"
        )
    blocked = _blocked(connection, principal, row, config, today)
    if blocked is not None:
        raise Forbidden(blocked, hint="a colleague independent of the customer makes the call")


def _branch_manager(connection: sa.Connection, branch_id: str | None) -> str:
    found = connection.execute(
        sa.select(users.c.username)
        .where(
            users.c.role == str(Role.BRANCH_MANAGER),
            users.c.unit_id == branch_id,
            users.c.active.is_(True),
        )
        .order_by(users.c.username)
    ).first()
    if branch_id is None or found is None:
        raise CallbackRejected(
            "follow_up",
            f"branch {branch_id or '?'} has no active branch manager user for the review",
            hint="file a complaint instead, or ask the administrator for the manager's account",
        )
    return str(found.username)


@dataclass(frozen=True)
class _Result:
    answers: dict[str, str]
    issues: str | None
    follow_up: str | None
    note: str | None


def _checked_result(settings: Settings | None, kind: str, entry: AttemptInput) -> _Result:
    if entry.outcome not in ATTEMPT_OUTCOMES:
        raise CallbackRejected("outcome", f"must be one of {', '.join(ATTEMPT_OUTCOMES)}")
    note = _text("note", entry.note, NOTE_MAX)
    issues = _text("issues", entry.issues, ISSUES_MAX)
    follow = entry.follow_up or None
    if follow is not None and follow not in FOLLOW_UPS:
        raise CallbackRejected("follow_up", f"must be one of {', '.join(FOLLOW_UPS)}")
    if entry.outcome != "reached":
        if any(v for v in entry.answers.values()):
            raise CallbackRejected("answers", "only a call that reached the customer has answers")
        if follow is not None:
            raise CallbackRejected("follow_up", "only a call that reached the customer has one")
        return _Result({}, None, None, note)
    script = load_scripts(settings).of(kind)
    try:
        answers = checked_answers(script, entry.answers)
    except AnswerProblem as exc:
        raise CallbackRejected(exc.field, exc.problem) from None
    if issues is None and flagged(script, answers):
        issues = "；".join(flagged(script, answers))  # the answers that are issues, in words
    if follow is not None and issues is None:
        raise CallbackRejected("issues", "describe the issues found to follow them up")
    return _Result(answers, issues, follow, note)


def record_attempt(
    db: sa.Engine,
    settings: Settings | None,
    principal: Principal,
    callback_id: int,
    entry: AttemptInput,
    *,
    now: dt.datetime | None = None,
) -> CallbackDetail:
    """Record one call on a pending task in scope. Reached (the script's answers checked) or
    refused closes it `completed`; not reached closes it `unreachable` at `max_attempts`.
    Issues found become a complaint (filed first, in its own transaction) or a suitability
    review (a work order to the branch manager, in this one); a high-risk sale's call-back
    done records `callback_done` on its suitability check. Audited `callback_attempt`."""
    require_caller(principal)
    at = utc_now(now)
    day = beijing_date(at)
    config = load_callback_config(settings)
    with db.connect() as connection:
        row, _ = _scoped_task(connection, principal, callback_id)
        _may_record(connection, principal, row, config, day)
    result = _checked_result(settings, row["kind"], entry)
    follow_up = None
    if result.follow_up == "complaint":
        complaint_config = load_complaint_config(settings)
        category = entry.complaint_category or ""
        if category not in complaint_config.categories:
            choices = ", ".join(complaint_config.categories)
            raise CallbackRejected("complaint_category", f"must be one of {choices}")
        complaint = file_complaint(
            db,
            principal,
            ComplaintInput(row["customer_id"], "phone", category, result.issues or "", day),
            complaint_config,
            now=at,
        )
        follow_up = f"complaint:{complaint.complaint_id}"
    with db.begin() as connection:
        current = _row(connection, callback_id, lock=True)
        _may_record(connection, principal, current, config, day)
        attempts = int(current["attempts"]) + 1
        kept = max(current["keep_until"], keep_until(day, config.retention_years))
        connection.execute(
            callback_attempts.insert().values(
                callback_id=callback_id,
                at=at,
                username=principal.username,
                outcome=entry.outcome,
                note=result.note,
                keep_until=kept,
            )
        )
        status = "pending"
        if entry.outcome in ("reached", "refused"):
            status = "completed"
        elif attempts >= config.max_attempts:
            status = "unreachable"
        values: dict[str, Any] = {"attempts": attempts}
        if status != "pending":
            values.update(status=status, result=entry.outcome, closed_at=at)
            values["closed_by"] = principal.username
        if entry.outcome == "reached":
            values.update(answers=result.answers, issues=result.issues)
        if result.follow_up == "review":
            order = create_order(
                connection,
                principal,
                OrderInput(
                    title=f"适当性复核：回访发现问题（客户 {current['customer_id']}）",
                    assignee=_branch_manager(connection, current["branch_id"]),
                    detail=result.issues,
                    due_date=day + dt.timedelta(days=REVIEW_DAYS),
                    customer_id=current["customer_id"],
                    source=f"callback:{callback_id}",
                ),
                now=at,
            )
            follow_up = f"work_order:{order.order_id}"
        if follow_up is not None:
            values["follow_up"] = follow_up
        connection.execute(
            callbacks.update().where(callbacks.c.callback_id == callback_id).values(**values)
        )
        detail: dict[str, Any] = {"callback_id": callback_id, "outcome": entry.outcome}
        detail["callback_status"] = status
        if follow_up:  # complaint:<id> or work_order:<id>, as the audit's words say them
            kind, _, ref = follow_up.partition(":")
            detail["complaint_id" if kind == "complaint" else "order_id"] = ref
        record_audit(connection, principal, "callback_attempt", [current["customer_id"]], detail)
    if status == "completed" and current["kind"] == "high_risk_sale":
        _suitability_done(db, current["source_ref"], principal, entry.outcome, result.note)
    return get_callback(db, settings, principal, callback_id, today=day)


def _suitability_done(
    db: sa.Engine, source_ref: str, principal: Principal, outcome: str, note: str | None
) -> None:
    """The suitability check's `callback_done`, so its page agrees the call-back was made."""
    if not source_ref.isdigit():
        return
    said = "已回访" if outcome == "reached" else "客户拒绝回访"
    try:
        workflow.complete_callback(
            db, int(source_ref), by=principal.username, note=f"{said}{'：' + note if note else ''}"
        )
    except (WorkflowError, NotFound):  # the check has no call-back scheduled: nothing to close
        return


# -- manual tasks, assignment ---------------------------------------------------------------------


def create_manual(
    db: sa.Engine,
    settings: Settings | None,
    principal: Principal,
    customer_id: str,
    due_date: dt.date,
    *,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> CallbackTask:
    """A call-back made by hand (kind manual) for a customer in scope, by a compliance user;
    audited `create_callback` (with the reason)."""
    require_caller(principal)
    _compliance(principal, "a manual call-back")
    day = beijing_date(utc_now(now))
    if not day <= due_date <= day + dt.timedelta(days=366):
        raise CallbackRejected("due_date", f"must be from today ({day}) to a year ahead")
    why = _text("reason", reason, NOTE_MAX)
    config = load_callback_config(settings)
    with db.begin() as connection:
        customer = scoped_row(connection, principal, served_snapshot_on(connection), customer_id)
        made = connection.execute(
            sa.select(sa.func.count())
            .select_from(callbacks)
            .where(callbacks.c.kind == "manual", callbacks.c.customer_id == customer_id)
        ).scalar_one()
        callback_id = schedule_callback(
            connection,
            principal,
            customer_id=customer_id,
            kind="manual",
            source_ref=str(int(made) + 1),
            due_date=due_date,
            branch_id=customer.get("branch_id"),
            config=config,
            today=day,
        )
        assert callback_id is not None  # a new number: never there yet
        detail = {"callback_id": callback_id, "callback_kind": "manual", "reason": why}
        record_audit(connection, principal, "create_callback", [customer_id], detail)
        row = _row(connection, callback_id)
    return CallbackTask.of(row, day, customer.get("name"))


def _may_call(connection: sa.Connection, username: str) -> str:
    found = connection.execute(
        sa.select(users.c.username, users.c.role, users.c.permissions, users.c.active).where(
            users.c.username == username
        )
    ).first()
    extra = found.permissions if found is not None and isinstance(found.permissions, list) else []
    if (
        found is None
        or not found.active
        or (found.role not in {str(r) for r in CALLER_ROLES} and "callbacks" not in extra)
    ):
        raise CallbackRejected(
            "assignee",
            f"{username[:64]!r} is not an active user with the callbacks permission",
            hint="assign to a compliance or call-centre user",
        )
    return str(found.username)


def assign_callback(
    db: sa.Engine,
    principal: Principal,
    callback_id: int,
    assignee: str | None,
    *,
    today: dt.date | None = None,
) -> CallbackTask:
    """Give a pending task to a user with the callbacks permission (None: back to anyone);
    audited `assign_callback`."""
    require_caller(principal)
    day = today_of(today)
    with db.begin() as connection:
        row, customer = _scoped_task(connection, principal, callback_id)
        if row["status"] != "pending":
            raise Conflict(
                f"call-back {callback_id} is {row['status']}: closed tasks stay as they are"
            )
        who = _may_call(connection, assignee) if assignee else None
        connection.execute(
            callbacks.update().where(callbacks.c.callback_id == callback_id).values(assigned_to=who)
        )
        detail = {"callback_id": callback_id, "assignee": who}
        record_audit(connection, principal, "assign_callback", [row["customer_id"]], detail)
        row = _row(connection, callback_id)
    return CallbackTask.of(row, day, customer.get("name"))


# -- the 360's panel ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerCallbacks:
    """A customer's call-backs, newest first; the answers and issues only for a reader with
    the callbacks permission (the customer's own broker sees the tasks, not what was said)."""

    customer_id: str
    tasks: list[CallbackTask]
    full: bool
    may_create: bool


def customer_callbacks(
    db: sa.Engine, principal: Principal, customer_id: str, *, today: dt.date | None = None
) -> CustomerCallbacks:
    """The customer's call-back tasks (in scope); audited `view_customer_callbacks`."""
    day = today_of(today)
    full = principal.can(Permission.CALLBACKS)
    with db.begin() as connection:
        customer = scoped_row(connection, principal, served_snapshot_on(connection), customer_id)
        rows = (
            connection.execute(
                sa.select(callbacks)
                .where(callbacks.c.customer_id == customer_id)
                .order_by(callbacks.c.created_on.desc(), callbacks.c.callback_id.desc())
                .limit(50)
            )
            .mappings()
            .all()
        )
        record_audit(connection, principal, "view_customer_callbacks", [customer_id], {})
    tasks = []
    for r in rows:
        task = CallbackTask.of(r, day, customer.get("name"))
        if not full:
            task = CallbackTask.of({**r, "answers": None, "issues": None}, day, task.customer_name)
        tasks.append(task)
    may_create = full and principal.role is Role.COMPLIANCE
    return CustomerCallbacks(customer_id, tasks, full, may_create)


# -- retention ------------------------------------------------------------------------------------


def purge_callbacks(
    db: sa.Engine,
    settings: Settings | None,
    principal: Principal,
    before: dt.date,
    *,
    today: dt.date | None = None,
) -> int:
    """Delete the call-back records made before `before` (tasks and their attempts), for
    compliance; refused (Forbidden, naming the date) when any of them is still inside its
    retention period: records are kept until their `keep_until` (the store refuses too).
    Audited `purge_callbacks`; answers how many tasks were deleted."""
    require_caller(principal)
    _compliance(principal, "purging call-back records")
    day = today_of(today)
    config = load_callback_config(settings)
    latest = keep_until(day, -config.retention_years) + dt.timedelta(days=1)
    if before > latest:
        last = before - dt.timedelta(days=1)  # the latest record it names
        until = "" if before > day else f", kept until {keep_until(last, config.retention_years)}"
        raise Forbidden(
            f"call-back records made before {before} are inside their retention period "
            f"({config.retention_years} years{until}): nothing deleted",
            hint=f"records made before {latest} at the latest may be purged today",
        )
    with db.begin() as connection:
        targets = sa.select(callbacks.c.callback_id).where(callbacks.c.created_on < before)
        kept = connection.execute(
            sa.select(sa.func.max(callbacks.c.keep_until)).where(
                callbacks.c.created_on < before, callbacks.c.keep_until > day
            )
        ).scalar_one_or_none()
        kept_attempt = connection.execute(
            sa.select(sa.func.max(callback_attempts.c.keep_until)).where(
                callback_attempts.c.callback_id.in_(targets), callback_attempts.c.keep_until > day
            )
        ).scalar_one_or_none()
        if kept is not None or kept_attempt is not None:
            until = max(d for d in (kept, kept_attempt) if d is not None)
            raise Forbidden(
                f"call-back records made before {before} include ones kept until {until}: "
                "nothing deleted",
                hint="purge before an earlier date, or after the retention date",
            )
        connection.execute(
            callback_attempts.delete().where(callback_attempts.c.callback_id.in_(targets))
        )
        deleted = connection.execute(
            callbacks.delete().where(callbacks.c.created_on < before)
        ).rowcount
        detail = {"before": str(before), "deleted": int(deleted)}
        record_audit(connection, principal, "purge_callbacks", [], detail)
    return int(deleted)

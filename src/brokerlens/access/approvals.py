"""待审批: one general approval flow (issue 18 section 3): request -> approve / reject with a
comment, or withdrawn by the requester; by role and unit, audited, shown in a 待审批 list.

A kind (`ApprovalKind`) says who may decide (roles, a permission, and the unit rule: a request
with a unit is decided by a manager of that unit or above it, or by head office; a request
without one by head office only), how its payload reads in words, and what approving it does
(`apply`, given the decision's transaction when the kind is `transactional`, else run right
after the decision is recorded, e.g. a file written). Built-in kinds register in
`access.approval_kinds` through `register_kind`, as an installation's own would. The requester
never decides their own request. When applying fails the request ends `failed` with the reason
in `effect` (nothing was applied), so it never waits forever in the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

import sqlalchemy as sa

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.org import descendants, parents, principal_unit
from brokerlens.access.records import utc_now
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, UNIT_ROLES, Permission, Principal, Role
from brokerlens.config import Settings
from brokerlens.errors import (
    BrokerlensError,
    Conflict,
    FieldRejected,
    Forbidden,
    NotFound,
)
from brokerlens.store.compliance_schema import approvals

Row = Mapping[str, Any] | sa.RowMapping

SUBJECT_MAX = 200
COMMENT_MAX = 2000
LIST_LIMIT = 200
View = Literal["to_decide", "mine", "history"]
VIEWS: tuple[View, ...] = ("to_decide", "mine", "history")
FINAL = ("approved", "rejected", "withdrawn", "failed")


class ApprovalRejected(FieldRejected):
    """A request's or a decision's field is unusable (422); `field` names it for the form."""


@dataclass(frozen=True)
class Approval:
    request_id: int
    kind: str
    subject: str
    subject_ref: str | None
    payload: dict[str, Any]
    unit_id: str | None
    requested_by: str
    requested_at: dt.datetime
    reason: str | None
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    comment: str | None
    effect: str | None
    effective_from: dt.date | None
    # for the reader: may they decide it / withdraw it now
    may_decide: bool = False
    may_withdraw: bool = False

    @classmethod
    def of(cls, row: Row, **extra: Any) -> Approval:
        names = {f.name for f in fields(cls)} - {"may_decide", "may_withdraw"}
        values = {n: row[n] for n in names}
        values["payload"] = dict(values["payload"] or {})
        return cls(**values, **extra)

    @property
    def customer_ids(self) -> list[str]:
        """The customer the request is about, if any (audited with every read of it)."""
        found = self.payload.get("customer_id")
        return [str(found)] if found else []


@dataclass(frozen=True)
class Applying:
    """What a kind's `apply` may use: the store, the settings, and the decision's open
    transaction when the kind is transactional (None otherwise: use `db`)."""

    db: sa.Engine
    settings: Settings
    connection: sa.Connection | None = None


Describe = Callable[[Settings, Approval, str], list[tuple[str, str]]]
Apply = Callable[[Applying, Principal, Approval], str]
Check = Callable[[Applying, Principal, Approval, str | None], None]
Close = Callable[[Applying, Principal, Approval, str], None]


def _no_words(settings: Settings, request: Approval, language: str) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in sorted(request.payload.items())]


@dataclass(frozen=True)
class ApprovalKind:
    """One kind of request. `roles` None: any role holding `permission`."""

    name: str
    zh: str
    en: str
    apply: Apply
    permission: Permission | None = None
    roles: frozenset[Role] | None = None
    # (label, value) lines of the payload in words, in "zh" or "en"
    describe: Describe = _no_words
    transactional: bool = False
    # refuses a decision before it is recorded (e.g. an approval against the data needs a
    # comment); the request stays pending
    check: Check | None = None
    # undoes what the request held on reject or withdraw (status given), e.g. a campaign back
    # to draft; in the decision's transaction
    close: Close | None = None
    deciders: str = "head office"  # who decides, in words, for the refusal's hint

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.zh


_KINDS: dict[str, ApprovalKind] = {}


def register_kind(kind: ApprovalKind) -> ApprovalKind:
    """Make a kind requestable; a second kind of the same name replaces the first (an
    installation overriding a built-in one)."""
    _KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> ApprovalKind:
    found = _KINDS.get(name)
    if found is None:
        raise NotFound(
            f"no approval kind {name!r:.40}", hint=f"one of: {', '.join(sorted(_KINDS))}"
        )
    return found


def kinds() -> list[ApprovalKind]:
    return [_KINDS[n] for n in sorted(_KINDS)]


# --- who decides ------------------------------------------------------------------------------


Reach = set[str] | None  # the units a principal decides for; None: every unit and head office


def _reach(connection: sa.Connection, principal: Principal) -> Reach:
    if principal.role in ALL_CUSTOMER_ROLES:
        return None
    if principal.role in UNIT_ROLES:
        unit = principal_unit(connection, principal)
        return descendants(unit, parents(connection)) if unit else set()
    return set()


def _qualified(kind: ApprovalKind, principal: Principal) -> bool:
    if kind.roles is not None and principal.role not in kind.roles:
        return False
    return kind.permission is None or principal.can(kind.permission)


def _decides(kind: ApprovalKind, principal: Principal, unit_id: str | None, reach: Reach) -> bool:
    if not _qualified(kind, principal):
        return False
    return reach is None or (unit_id is not None and unit_id in reach)


def _shown(row: Row, principal: Principal, reach: Reach) -> Approval | None:
    """The request as this reader sees it, or None when it is not theirs to see: the requester,
    whoever may decide its kind in its unit, the decider, and compliance (the audit readers)."""
    kind = _KINDS.get(row["kind"])
    own = row["requested_by"] == principal.username
    decides = kind is not None and _decides(kind, principal, row["unit_id"], reach)
    if not (own or decides or row["decided_by"] == principal.username) and not principal.can(
        Permission.READ_AUDIT
    ):
        return None
    pending = row["status"] == "pending"
    return Approval.of(
        row, may_decide=pending and decides and not own, may_withdraw=pending and own
    )


def _text(field: str, value: str | None, most: int, *, required: bool = False) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise ApprovalRejected(field, "write why", hint="a decision's comment is kept")
        return None
    if len(text) > most:
        raise ApprovalRejected(field, f"{len(text)} characters, at most {most}")
    return text


# --- request ----------------------------------------------------------------------------------


def open_request(connection: sa.Connection, kind: str, subject_ref: str) -> Approval | None:
    """The pending request of this kind about this thing, if one waits."""
    row = (
        connection.execute(
            sa.select(approvals).where(
                approvals.c.kind == kind,
                approvals.c.subject_ref == subject_ref,
                approvals.c.status == "pending",
            )
        )
        .mappings()
        .first()
    )
    return Approval.of(row) if row is not None else None


def request_approval(
    connection: sa.Connection,
    principal: Principal,
    *,
    kind: str,
    subject: str,
    payload: Row,
    subject_ref: str | None = None,
    unit_id: str | None = None,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> Approval:
    """Record a pending request in the caller's transaction (the caller has checked the change
    itself); one pending request per kind and thing (`subject_ref`). Audited
    `approval_request`."""
    found = kind_of(kind)
    words = _text("subject", subject, SUBJECT_MAX, required=True) or ""
    why = _text("reason", reason, COMMENT_MAX)
    if subject_ref is not None:
        waiting = open_request(connection, kind, subject_ref)
        if waiting is not None:
            raise Conflict(
                f"request {waiting.request_id} for this is already waiting for a decision",
                hint=f"see /approvals/{waiting.request_id}, or withdraw it first",
            )
    row = (
        connection.execute(
            approvals.insert()
            .values(
                kind=found.name,
                subject=words,
                subject_ref=subject_ref,
                payload=dict(payload),
                unit_id=unit_id,
                requested_by=principal.username,
                requested_at=utc_now(now),
                reason=why,
                status="pending",
            )
            .returning(*approvals.c)
        )
        .mappings()
        .one()
    )
    made = Approval.of(row, may_withdraw=True)
    record_audit(
        connection,
        principal,
        "approval_request",
        made.customer_ids,
        {"request_id": made.request_id, "approval_kind": kind},
    )
    return made


# --- read -------------------------------------------------------------------------------------


def _row(connection: sa.Connection, request_id: int) -> Row | None:
    return (
        connection.execute(sa.select(approvals).where(approvals.c.request_id == request_id))
        .mappings()
        .first()
    )


def _visible(connection: sa.Connection, principal: Principal, request_id: int) -> Approval:
    row = _row(connection, request_id)
    shown = _shown(row, principal, _reach(connection, principal)) if row is not None else None
    if shown is None:
        raise NotFound(f"no approval request {request_id}", hint="see your 待审批 list")
    return shown


def get_approval(db: sa.Engine, principal: Principal, request_id: int) -> Approval:
    """One request the reader may see (else NotFound, alike for unknown ids); audited
    `view_approval` with its customer, if any."""
    with db.begin() as connection:
        found = _visible(connection, principal, request_id)
        record_audit(
            connection, principal, "view_approval", found.customer_ids, {"request_id": request_id}
        )
    return found


def _view_clause(principal: Principal, view: View, decidable: list[str]) -> Any:
    if view == "mine":
        return approvals.c.requested_by == principal.username
    if view == "to_decide":
        return sa.and_(
            approvals.c.status == "pending",
            approvals.c.kind.in_(decidable),
            approvals.c.requested_by != principal.username,
        )
    return sa.and_(
        approvals.c.status != "pending",
        sa.or_(
            approvals.c.decided_by == principal.username,
            approvals.c.kind.in_(decidable),
            sa.true() if principal.can(Permission.READ_AUDIT) else sa.false(),
        ),
    )


def list_approvals(
    db: sa.Engine,
    principal: Principal,
    view: View = "to_decide",
    *,
    kind: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[Approval]:
    """待审批 (`to_decide`: pending requests the reader may decide, oldest first), `mine` (the
    reader's requests, newest first) or `history` (decided ones in the reader's reach, newest
    first). Audited `view_approvals` with the customers the list shows."""
    if view not in VIEWS:
        raise ApprovalRejected("view", f"one of {', '.join(VIEWS)}")
    if kind is not None:
        kind_of(kind)
    decidable = [k.name for k in kinds() if _qualified(k, principal)]
    order = approvals.c.request_id.asc() if view == "to_decide" else approvals.c.request_id.desc()
    query = sa.select(approvals).where(_view_clause(principal, view, decidable)).order_by(order)
    if kind is not None:
        query = query.where(approvals.c.kind == kind)
    with db.connect() as connection:
        reach = _reach(connection, principal)
        rows = connection.execute(query.limit(max(1, min(limit, LIST_LIMIT)) * 4)).mappings()
        shown = [a for a in (_shown(r, principal, reach) for r in rows) if a is not None]
    if view == "to_decide":
        shown = [a for a in shown if a.may_decide]
    shown = shown[: max(1, min(limit, LIST_LIMIT))]
    ids = sorted({c for a in shown for c in a.customer_ids})
    audit_read(db, principal, "view_approvals", ids, {"approval_view": view, "rows": len(shown)})
    return shown


def waiting_count(db: sa.Engine, principal: Principal) -> int:
    """How many requests wait for this reader's decision (the home page's and nav's count; no
    customer rows, so not audited)."""
    decidable = [k.name for k in kinds() if _qualified(k, principal)]
    if not decidable:
        return 0
    query = sa.select(approvals).where(_view_clause(principal, "to_decide", decidable))
    with db.connect() as connection:
        reach = _reach(connection, principal)
        rows = connection.execute(query.limit(10_000)).mappings()
        found = (_shown(r, principal, reach) for r in rows)
        return sum(1 for a in found if a is not None and a.may_decide)


def describe(settings: Settings, request: Approval, language: str = "zh") -> list[tuple[str, str]]:
    """The payload in words, by its kind (raw keys if the kind is no longer registered)."""
    found = _KINDS.get(request.kind)
    return (found.describe if found else _no_words)(settings, request, language)


# --- decide -----------------------------------------------------------------------------------


class _ApplyFailed(Exception):
    def __init__(self, error: BrokerlensError) -> None:
        super().__init__(error.message)
        self.error = error


def _deciding(connection: sa.Connection, principal: Principal, request_id: int) -> Approval:
    found = _visible(connection, principal, request_id)
    kind = kind_of(found.kind)
    if found.requested_by == principal.username:
        raise Forbidden(
            "you made this request: someone else decides it", hint=f"{kind.deciders} decides"
        )
    if found.status != "pending":
        raise Conflict(f"request {request_id} is already {found.status}")
    if not found.may_decide:
        raise Forbidden(f"you may not decide a {kind.en} request", hint=f"{kind.deciders} decides")
    return found


def _claim(
    connection: sa.Connection,
    principal: Principal,
    request_id: int,
    status: str,
    comment: str | None,
    now: dt.datetime | None,
) -> None:
    """The status is the lock: a second decision finds it changed and is refused."""
    changed = connection.execute(
        approvals.update()
        .where(approvals.c.request_id == request_id, approvals.c.status == "pending")
        .values(
            status=status, decided_by=principal.username, decided_at=utc_now(now), comment=comment
        )
    ).rowcount
    if changed != 1:
        raise Conflict(f"request {request_id} was decided meanwhile")


def _detail(found: Approval, **more: Any) -> dict[str, Any]:
    return {"request_id": found.request_id, "approval_kind": found.kind, **more}


def _effect(connection: sa.Connection, request_id: int, effect: str, **values: Any) -> None:
    connection.execute(
        approvals.update()
        .where(approvals.c.request_id == request_id)
        .values(effect=effect[:4000], **values)
    )


def _failed(
    db: sa.Engine, principal: Principal, found: Approval, error: BrokerlensError, now: Any
) -> None:
    with db.begin() as connection:
        connection.execute(
            approvals.update()
            .where(approvals.c.request_id == found.request_id)
            .values(
                status="failed",
                decided_by=principal.username,
                decided_at=utc_now(now),
                effect=f"not applied: {error.message}"[:4000],
            )
        )
        record_audit(
            connection,
            principal,
            "approval_failed",
            found.customer_ids,
            _detail(found, note=error.message),
        )


def approve(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    request_id: int,
    comment: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> Approval:
    """Approve and apply. A transactional kind applies in the decision's transaction (both or
    neither); another is applied once the decision is recorded. If applying fails the request
    ends `failed` with the reason, and that is what comes back. Audited `approval_approve`
    (and `approval_failed`)."""
    note = _text("comment", comment, COMMENT_MAX)
    with db.connect() as connection:
        found = _deciding(connection, principal, request_id)
    kind = kind_of(found.kind)
    if kind.check is not None:
        kind.check(Applying(db, settings), principal, found, note)
    found = replace(found, status="approved", decided_by=principal.username, comment=note)
    try:
        with db.begin() as connection:
            _claim(connection, principal, request_id, "approved", note, now)
            record_audit(
                connection, principal, "approval_approve", found.customer_ids, _detail(found)
            )
            if kind.transactional:
                try:
                    effect = kind.apply(Applying(db, settings, connection), principal, found)
                except BrokerlensError as exc:
                    raise _ApplyFailed(exc) from None
                _effect(connection, request_id, effect, effective_from=utc_now(now).date())
    except _ApplyFailed as failure:
        _failed(db, principal, found, failure.error, now)
    else:
        if not kind.transactional:
            try:
                effect = kind.apply(Applying(db, settings), principal, found)
            except BrokerlensError as exc:
                _failed(db, principal, found, exc, now)
            else:
                with db.begin() as connection:
                    _effect(connection, request_id, effect, effective_from=utc_now(now).date())
    with db.connect() as connection:
        return _visible(connection, principal, request_id)


def _close(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    found: Approval,
    status: str,
    note: str | None,
    now: dt.datetime | None,
) -> Approval:
    kind = _KINDS.get(found.kind)
    found = replace(found, status=status, decided_by=principal.username, comment=note)
    with db.begin() as connection:
        _claim(connection, principal, found.request_id, status, note, now)
        if kind is not None and kind.close is not None:
            kind.close(Applying(db, settings, connection), principal, found, status)
        action = "approval_reject" if status == "rejected" else "approval_withdraw"
        record_audit(connection, principal, action, found.customer_ids, _detail(found))
        return _visible(connection, principal, found.request_id)


def reject(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    request_id: int,
    comment: str | None,
    *,
    now: dt.datetime | None = None,
) -> Approval:
    """Reject with a comment (required: the requester reads why). Audited `approval_reject`."""
    note = _text("comment", comment, COMMENT_MAX, required=True)
    with db.connect() as connection:
        found = _deciding(connection, principal, request_id)
    return _close(db, settings, principal, found, "rejected", note, now)


def withdraw(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    request_id: int,
    comment: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> Approval:
    """The requester takes back a pending request. Audited `approval_withdraw`."""
    note = _text("comment", comment, COMMENT_MAX)
    with db.connect() as connection:
        found = _visible(connection, principal, request_id)
    if found.requested_by != principal.username:
        raise Forbidden("only the requester withdraws a request", hint="reject it with a comment")
    if found.status != "pending":
        raise Conflict(f"request {request_id} is already {found.status}")
    return _close(db, settings, principal, found, "withdrawn", note, now)


def close_open_request(
    connection: sa.Connection,
    principal: Principal,
    kind: str,
    subject_ref: str,
    why: str,
    *,
    now: dt.datetime | None = None,
) -> Approval | None:
    """Withdraw the pending request about a thing that went away (e.g. a campaign cancelled
    while waiting), in the caller's transaction; audited `approval_withdraw`."""
    found = open_request(connection, kind, subject_ref)
    if found is None:
        return None
    connection.execute(
        approvals.update()
        .where(approvals.c.request_id == found.request_id, approvals.c.status == "pending")
        .values(
            status="withdrawn", decided_by=principal.username, decided_at=utc_now(now), comment=why
        )
    )
    record_audit(connection, principal, "approval_withdraw", found.customer_ids, _detail(found))
    return found

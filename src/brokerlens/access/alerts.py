"""Alerts (客户定位) for the web: the inbox of a principal's scope, its state machine, counts,
the audited export, and the threshold editor.

Scope is not decided here: an alert is in scope when its customer is, by
`scope.customer_scope` over the served profile (joined on the customer id), so the inbox, the
360 and the customer list always agree, and an alert of an out-of-scope customer answers the
same NotFound as one that does not exist.

An alert moves new -> acknowledged -> handled or dismissed, nothing else; each move updates the
alert row and adds its `alert_actions` row (who, when, note) in one transaction, audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.sql.elements import ColumnElement, True_

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.exports import CsvText, Exported, RowSink, _require, _too_many, export_name
from brokerlens.access.masking import mask_row
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.alerts import load_alerts
from brokerlens.alerts import preview_thresholds as preview
from brokerlens.alerts import save_thresholds as save
from brokerlens.alerts.severity import DEFAULT_SEVERITY, OPEN_STATUSES, SEVERITY, severity
from brokerlens.alerts.thresholds import check_params
from brokerlens.auth.principal import (
    ALL_CUSTOMER_ROLES,
    STAFF_ROLES,
    Permission,
    Principal,
    Role,
)
from brokerlens.config import Settings
from brokerlens.errors import BrokerlensError, Conflict, Forbidden, InvalidRequest, NotFound
from brokerlens.store.alerts_schema import ALERT_STATUSES, alert_actions, alerts
from brokerlens.store.schema import org_units

# status -> the statuses it may move to; handled and dismissed are final
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged",),
    "acknowledged": ("handled", "dismissed"),
}
NOTE_MAX = 500
MAX_PAGE_SIZE = 200
RECENT = 10  # a customer's alerts shown on the 360


class AlertRefused(Conflict):
    """A status change the state machine does not allow (409, a step out of order)."""


class AlertQuery(BaseModel):
    """The inbox's filters; every one optional, all bound as parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: str | None = Field(default=None, max_length=40)
    status: str | None = None
    customer_id: str | None = Field(default=None, max_length=32)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("alert_id", "customer_id", "status", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in ALERT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(ALERT_STATUSES)}")
        return value


@dataclass(frozen=True)
class AlertPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    as_of_date: dt.date


@dataclass(frozen=True)
class AlertRecord:
    """One alert in scope as the inbox shows it (the customer's name masked as everywhere)."""

    alert_row_id: int
    as_of_date: dt.date
    customer_id: str
    name: str | None
    branch_id: str | None
    alert_id: str
    explanation: dict[str, Any]
    status: str
    status_by: str | None
    status_at: dt.datetime | None
    note: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> AlertRecord:
        return cls(**_record_values(row))


def _record_values(row: Mapping[str, Any]) -> dict[str, Any]:
    return {f.name: row.get(f.name) for f in fields(AlertRecord)}


@dataclass(frozen=True)
class AlertDetail(AlertRecord):
    """An alert with every status change, oldest first."""

    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ThresholdItem:
    """One alert in the threshold editor: names, defaults, the branch overrides the principal
    may see, and what they may edit."""

    alert_id: str
    zh: str
    en: str
    meaning: str
    defaults: dict[str, float]
    branches: dict[str, dict[str, float]]
    may_edit_defaults: bool
    own_branch: str | None

    def title(self, language: str) -> str:
        return self.en if language == "en" else self.zh


class PreviewPublic(BaseModel):
    """How many customers an alert fires for with proposed thresholds, and now."""

    alert_id: str
    branch_id: str | None
    params: dict[str, float]
    as_of: dt.date | None
    current: int = Field(description="customers the alert fires for now")
    proposed: int = Field(description="customers it would fire for with these thresholds")
    current_by_branch: dict[str, int]
    proposed_by_branch: dict[str, int]


class SavedPublic(BaseModel):
    """Thresholds saved, with the version they were saved as."""

    alert_id: str
    branch_id: str | None
    params: dict[str, float]
    version: int


# -- names ----------------------------------------------------------------------------------------


def alert_names(settings: Settings) -> dict[str, dict[str, str]]:
    """alert id -> {"zh", "en", "meaning"} from the alert definitions (empty if unreadable)."""
    try:
        found = load_alerts(settings)
    except BrokerlensError:  # a broken definitions file must not take the inbox down: ids then
        return {}
    return {d.id: {"zh": d.zh, "en": d.en, "meaning": d.meaning} for d in found.definitions}


def explanation_text(explanation: Mapping[str, Any] | None, language: str) -> str:
    if not explanation:
        return ""
    text = explanation.get("en" if language == "en" else "zh") or explanation.get("zh") or ""
    return str(text)


# -- scope ----------------------------------------------------------------------------------------


def _joined(snapshot: Snapshot) -> Any:
    table = snapshot.table
    return alerts.outerjoin(table, table.c.customer_id == alerts.c.customer_id)


def _scope(principal: Principal, snapshot: Snapshot) -> ColumnElement[bool]:
    """The principal's scope over the joined profile: a customer missing from the served
    profile is then out of scope for everyone below HQ (their NULL columns match nothing)."""
    return customer_scope(principal, snapshot)


def _counted(principal: Principal, snapshot: Snapshot) -> tuple[Any, ColumnElement[bool]]:
    """What a count reads, and the scope: the alerts alone when every customer is in scope
    (no join over many alerts), else joined to the profile the scope is decided on."""
    scope = _scope(principal, snapshot)
    return (alerts if isinstance(scope, True_) else _joined(snapshot)), scope


def _columns(snapshot: Snapshot) -> list[Any]:
    table = snapshot.table
    name = table.c["name"] if "name" in table.c else sa.literal(None)
    return [*alerts.c, name.label("name")]


def _where(principal: Principal, snapshot: Snapshot, query: AlertQuery) -> list[Any]:
    where: list[Any] = [_scope(principal, snapshot)]
    if query.alert_id:
        where.append(alerts.c.alert_id == query.alert_id)
    if query.status:
        where.append(alerts.c.status == query.status)
    if query.customer_id:
        where.append(alerts.c.customer_id == query.customer_id)
    if query.date_from:
        where.append(alerts.c.as_of_date >= query.date_from)
    if query.date_to:
        where.append(alerts.c.as_of_date <= query.date_to)
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise InvalidRequest("date_from: after date_to", hint="give date_from <= date_to")
    return where


def _plain(row: Mapping[str, Any] | sa.RowMapping) -> dict[str, Any]:
    out = mask_row(row)
    out["explanation"] = out.get("explanation") or {}
    return out


def _newest_first() -> list[Any]:
    return [alerts.c.as_of_date.desc(), alerts.c.alert_row_id.desc()]


# -- the inbox ------------------------------------------------------------------------------------


def list_alerts(db: sa.Engine, principal: Principal, query: AlertQuery) -> AlertPage:
    """One page of the alerts in scope matching the query, newest first, and how many match;
    audited `view_alerts` with the page's customers."""
    found = _alert_page(db, principal, query)
    ids = list(dict.fromkeys(str(r["customer_id"]) for r in found.rows))
    detail = {"page": query.page, "page_size": query.page_size, "total": found.total}
    audit_read(db, principal, "view_alerts", ids, detail)
    return found


def _alert_page(db: sa.Engine, principal: Principal, query: AlertQuery) -> AlertPage:
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        where = _where(principal, snapshot, query)
        joined = _joined(snapshot)
        counted, _ = _counted(principal, snapshot)
        total = connection.execute(
            sa.select(sa.func.count()).select_from(counted).where(*where)
        ).scalar_one()
        rows = connection.execute(
            sa.select(*_columns(snapshot))
            .select_from(joined)
            .where(*where)
            .order_by(*_newest_first())
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        ).mappings()
        out = [_plain(r) for r in rows]
    return AlertPage(out, int(total), query.page, query.page_size, snapshot.as_of_date)


# -- the inbox by customer ------------------------------------------------------------------------

PER_CUSTOMER = 20  # a customer's newest alerts shown when their row is opened


@dataclass(frozen=True)
class CustomerAlerts:
    """One customer of the inbox by customer: their alerts matching the filters, grouped.

    `assets` is the greater of today's total assets and the 3-month daily mean (a customer who
    has just moved their money out keeps the weight of what they held); `severity` the sum of
    the weights of the distinct alert types open (new or acknowledged); `priority` their
    product. `kinds`: per alert type, newest first: alert_id, severity, count, open, newest date.
    `alerts`: the newest `PER_CUSTOMER` alerts (masked as everywhere)."""

    customer_id: str
    name: str | None
    branch_id: str | None
    assets: float
    severity: int
    priority: float
    newest: dt.date
    count: int
    statuses: dict[str, int]
    kinds: list[dict[str, Any]]
    alerts: list[dict[str, Any]]


@dataclass(frozen=True)
class CustomerAlertPage:
    rows: list[CustomerAlerts]
    total: int  # customers matching
    alerts: int  # alerts matching, over every customer
    page: int
    page_size: int
    as_of_date: dt.date


def _weight(alert_id: Any) -> Any:
    """The alert type's severity weight in SQL (weights bound as parameters)."""
    return sa.case(
        {key: sa.literal(weight) for key, weight in SEVERITY.items()},
        value=alert_id,
        else_=sa.literal(DEFAULT_SEVERITY),
    )


def _profile_number(snapshot: Snapshot, name: str) -> Any:
    table = snapshot.table
    if name not in table.c:
        return sa.literal(0.0)
    return sa.func.coalesce(table.c[name], 0.0)


def _larger(a: Any, b: Any) -> Any:
    return sa.case((a >= b, a), else_=b)


def _status_count(status: str, column: Any) -> Any:
    return sa.func.sum(sa.case((column == status, 1), else_=0))


def list_alert_customers(
    db: sa.Engine, principal: Principal, query: AlertQuery
) -> CustomerAlertPage:
    """One page of the customers in scope with alerts matching the query, one row each with all
    their matching alerts, highest priority (assets x severity) first; grouped in SQL (a branch
    may hold 100k alerts). Audited `view_alerts` with the page's customers."""
    found = _customer_page(db, principal, query)
    ids = [r.customer_id for r in found.rows]
    detail = {
        "page": query.page,
        "page_size": query.page_size,
        "total": found.total,
        "group": "customer",
    }
    audit_read(db, principal, "view_alerts", ids, detail)
    return found


def _customer_page(db: sa.Engine, principal: Principal, query: AlertQuery) -> CustomerAlertPage:
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        where = _where(principal, snapshot, query)
        counted, _ = _counted(principal, snapshot)
        is_open = sa.case((alerts.c.status.in_(OPEN_STATUSES), 1), else_=0)
        # per customer and alert type: how many, how many open, the newest date
        kinds = (
            sa.select(
                alerts.c.customer_id,
                alerts.c.alert_id,
                sa.func.count().label("n"),
                sa.func.sum(is_open).label("n_open"),
                sa.func.max(alerts.c.as_of_date).label("newest"),
                *(_status_count(s, alerts.c.status).label(f"n_{s}") for s in ALERT_STATUSES),
            )
            .select_from(counted)
            .where(*where)
            .group_by(alerts.c.customer_id, alerts.c.alert_id)
            .subquery("kinds")
        )
        open_weight = sa.case((kinds.c.n_open > 0, _weight(kinds.c.alert_id)), else_=0)
        customers = (
            sa.select(
                kinds.c.customer_id,
                sa.func.sum(open_weight).label("severity"),
                sa.func.sum(kinds.c.n).label("n"),
                sa.func.max(kinds.c.newest).label("newest"),
                *(sa.func.sum(kinds.c[f"n_{s}"]).label(f"n_{s}") for s in ALERT_STATUSES),
            )
            .group_by(kinds.c.customer_id)
            .subquery("customers")
        )
        totals = connection.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(customers.c.n), 0))
        ).one()
        table = snapshot.table
        assets = _larger(
            _profile_number(snapshot, "total_assets_t"), _profile_number(snapshot, "avg_assets_3m")
        )
        priority = (assets * customers.c.severity).label("priority")
        name = table.c["name"] if "name" in table.c else sa.literal(None)
        branch = table.c["branch_id"] if "branch_id" in table.c else sa.literal(None)
        rows = (
            connection.execute(
                sa.select(
                    customers,
                    name.label("name"),
                    branch.label("branch_id"),
                    assets.label("assets"),
                    priority,
                )
                .select_from(
                    customers.outerjoin(table, table.c.customer_id == customers.c.customer_id)
                )
                .order_by(
                    priority.desc(),
                    customers.c.severity.desc(),
                    customers.c.newest.desc(),
                    customers.c.customer_id,
                )
                .limit(query.page_size)
                .offset((query.page - 1) * query.page_size)
            )
            .mappings()
            .all()
        )
        ids = [str(r["customer_id"]) for r in rows]
        by_kind: dict[str, list[dict[str, Any]]] = {}
        shown: dict[str, list[dict[str, Any]]] = {}
        if ids:
            for kind in connection.execute(
                sa.select(kinds).where(kinds.c.customer_id.in_(ids))
            ).mappings():
                by_kind.setdefault(str(kind["customer_id"]), []).append(
                    {
                        "alert_id": str(kind["alert_id"]),
                        "severity": severity(str(kind["alert_id"])),
                        "count": int(kind["n"]),
                        "open": int(kind["n_open"] or 0),
                        "newest": _day(kind["newest"]),
                    }
                )
            newest = (
                sa.func.row_number()
                .over(partition_by=alerts.c.customer_id, order_by=_newest_first())
                .label("nth")
            )
            listed = (
                sa.select(*_columns(snapshot), newest)
                .select_from(_joined(snapshot))
                .where(*where, alerts.c.customer_id.in_(ids))
                .subquery("listed")
            )
            for raw in connection.execute(
                sa.select(listed)
                .where(listed.c.nth <= PER_CUSTOMER)
                .order_by(listed.c.customer_id, listed.c.nth)
            ).mappings():
                shown.setdefault(str(raw["customer_id"]), []).append(_plain(raw))
    out = []
    for row in rows:
        cid = str(row["customer_id"])
        masked = mask_row({"customer_id": cid, "name": row["name"]})
        kinds_of = sorted(
            by_kind.get(cid, []),
            key=lambda k: (-(k["open"] > 0), -k["severity"], -k["newest"].toordinal()),
        )
        out.append(
            CustomerAlerts(
                customer_id=cid,
                name=masked.get("name"),
                branch_id=row["branch_id"],
                assets=float(row["assets"] or 0),
                severity=int(row["severity"] or 0),
                priority=float(row["priority"] or 0),
                newest=_day(row["newest"]),
                count=int(row["n"]),
                statuses={s: int(row[f"n_{s}"] or 0) for s in ALERT_STATUSES},
                kinds=kinds_of,
                alerts=shown.get(cid, []),
            )
        )
    return CustomerAlertPage(
        out,
        int(totals[0]),
        int(totals[1]),
        query.page,
        query.page_size,
        snapshot.as_of_date,
    )


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _scoped_alert(
    connection: sa.Connection, principal: Principal, snapshot: Snapshot, alert_row_id: int
) -> dict[str, Any]:
    row = (
        connection.execute(
            sa.select(*_columns(snapshot))
            .select_from(_joined(snapshot))
            .where(alerts.c.alert_row_id == alert_row_id, _scope(principal, snapshot))
        )
        .mappings()
        .first()
    )
    if row is None:  # unknown and out of scope answer alike
        raise NotFound(f"no alert {alert_row_id}", hint="give the alert_row_id of an inbox row")
    return _plain(row)


def _actions(connection: sa.Connection, alert_row_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        sa.select(alert_actions)
        .where(alert_actions.c.alert_row_id == alert_row_id)
        .order_by(alert_actions.c.at, alert_actions.c.action_id)
    ).mappings()
    return [dict(r) for r in rows]


def get_alert(db: sa.Engine, principal: Principal, alert_row_id: int) -> AlertDetail:
    """One alert in scope with its history of status changes; audited `view_alert`."""
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        row = _scoped_alert(connection, principal, snapshot, alert_row_id)
        actions = _actions(connection, alert_row_id)
        detail = {"alert_row_id": alert_row_id}
        record_audit(connection, principal, "view_alert", [str(row["customer_id"])], detail)
    return AlertDetail(**_record_values(row), actions=actions)


def change_status(
    db: sa.Engine,
    principal: Principal,
    alert_row_id: int,
    to_status: str,
    note: str | None = None,
) -> AlertDetail:
    """Move an alert in scope to `to_status`; refused (422) off the state machine, and a
    dismissal without a note. Recorded with who, when and the note; audited `alert_<status>`."""
    if to_status not in ALERT_STATUSES:
        raise InvalidRequest(
            f"status: {to_status[:20]!r} is not a status",
            hint="acknowledged, handled or dismissed",
        )
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise InvalidRequest(f"note: at most {NOTE_MAX} characters (it has {len(note)})")
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        row = _scoped_alert(connection, principal, snapshot, alert_row_id)
        current = str(row["status"])
        if to_status not in TRANSITIONS.get(current, ()):
            allowed = TRANSITIONS.get(current, ())
            raise AlertRefused(
                f"alert {alert_row_id} is {current}: it cannot become {to_status}",
                hint=f"from {current}: {', '.join(allowed)}"
                if allowed
                else f"{current} is final; the next business date raises a new alert if due",
            )
        if to_status == "dismissed" and note is None:
            raise InvalidRequest(
                "note: say why the alert is dismissed", hint="the note is kept with the alert"
            )
        now = dt.datetime.now(dt.UTC)
        values: dict[str, Any] = {"status": to_status, "status_by": principal.username}
        values["status_at"] = now
        if note is not None:
            values["note"] = note
        # Only from the status read above: a concurrent change makes this one match nothing.
        changed = connection.execute(
            alerts.update()
            .where(alerts.c.alert_row_id == alert_row_id, alerts.c.status == current)
            .values(**values)
        ).rowcount
        if changed != 1:
            raise AlertRefused(
                f"alert {alert_row_id} was changed by someone else meanwhile",
                hint="reload the inbox and try again",
            )
        connection.execute(
            alert_actions.insert().values(
                alert_row_id=alert_row_id,
                at=now,
                username=principal.username,
                from_status=current,
                to_status=to_status,
                note=note,
            )
        )
        detail = {"alert_row_id": alert_row_id, "alert_id": row["alert_id"], "from": current}
        record_audit(connection, principal, f"alert_{to_status}", [row["customer_id"]], detail)
        row = _scoped_alert(connection, principal, snapshot, alert_row_id)
        return AlertDetail(**_record_values(row), actions=_actions(connection, alert_row_id))


def alert_counts(
    db: sa.Engine, principal: Principal, status: str | None = None
) -> dict[str, dict[str, int]]:
    """alert id -> status -> alerts in scope (only `status` when given), for the home page."""
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        counted, scope = _counted(principal, snapshot)
        where: list[Any] = [scope]
        if principal.role in STAFF_ROLES:
            # a broker's few hundred customers (in the served profile), read now and bound:
            # the store then counts through the alerts' customer index instead of joining
            # every new alert of the brokerage (1.3 s at 3M customers, on the home page)
            table = snapshot.table
            ids = connection.execute(sa.select(table.c.customer_id).where(scope)).scalars()
            counted, where = alerts, [alerts.c.customer_id.in_([str(i) for i in ids])]
        if status is not None:
            where.append(alerts.c.status == status)
        rows = connection.execute(
            sa.select(alerts.c.alert_id, alerts.c.status, sa.func.count())
            .select_from(counted)
            .where(*where)
            .group_by(alerts.c.alert_id, alerts.c.status)
            .order_by(alerts.c.alert_id, alerts.c.status)
        ).all()
    out: dict[str, dict[str, int]] = {}
    for alert_id, state, n in rows:
        out.setdefault(str(alert_id), {})[str(state)] = int(n)
    return out


def customer_alerts(
    db: sa.Engine, principal: Principal, customer_id: str, limit: int = RECENT
) -> list[AlertRecord]:
    """The customer's latest alerts, newest first; NotFound, as the 360, when out of scope.
    Audited `view_customer_alerts`."""
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        record_audit(connection, principal, "view_customer_alerts", [customer_id], {})
        rows = connection.execute(
            sa.select(*_columns(snapshot))
            .select_from(_joined(snapshot))
            .where(alerts.c.customer_id == customer_id)
            .order_by(*_newest_first())
            .limit(limit)
        ).mappings()
        return [AlertRecord.of(_plain(r)) for r in rows]


# -- export ---------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "as_of_date",
    "customer_id",
    "name",
    "branch_id",
    "alert_id",
    "alert_name",
    "explanation",
    "status",
    "status_by",
    "status_at",
    "note",
)


def write_alerts(
    db: sa.Engine, settings: Settings, principal: Principal, query: AlertQuery, sink: RowSink
) -> Exported:
    """Every alert in scope matching the query (paging ignored) into `sink`, masked, capped as
    customer exports are, and audited as an export with every customer id."""
    _require(principal)
    names = alert_names(settings)
    language = principal.language
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        where = _where(principal, snapshot, query)
        joined = _joined(snapshot)
        counted, _ = _counted(principal, snapshot)
        total = connection.execute(
            sa.select(sa.func.count()).select_from(counted).where(*where)
        ).scalar_one()
        _too_many(int(total))
        rows = connection.execute(
            sa.select(*_columns(snapshot))
            .select_from(joined)
            .where(*where)
            .order_by(*_newest_first())
        ).mappings()
        sink.columns(EXPORT_COLUMNS)
        ids: dict[str, None] = {}  # each customer once, in the order met
        count = 0
        for raw in rows:
            row = _plain(raw)
            ids[str(row["customer_id"])] = None
            count += 1
            label = names.get(str(row["alert_id"]), {}).get(language) or row["alert_id"]
            values = {
                **row,
                "alert_name": label,
                "explanation": explanation_text(row["explanation"], language),
            }
            sink.row([values.get(c) for c in EXPORT_COLUMNS])
        detail = {
            "kind": "alerts",
            "query": query.model_dump(mode="json", exclude={"page", "page_size"}),
            "count": count,
            "as_of": str(snapshot.as_of_date),
        }
        record_audit(connection, principal, "export", list(ids), detail)
    return Exported(export_name("alerts", snapshot.as_of_date), count)


def export_alerts(
    db: sa.Engine, settings: Settings, principal: Principal, query: AlertQuery
) -> tuple[str, str]:
    """(file name, CSV text of raw codes) of every alert in scope matching the query."""
    sink = CsvText()
    done = write_alerts(db, settings, principal, query, sink)
    return f"{done.name}.csv", sink.text()


# -- thresholds -----------------------------------------------------------------------------------


def may_edit_thresholds(principal: Principal, branch_id: str | None) -> bool:
    """HQ: the defaults and any branch; a branch manager: their own branch only."""
    if not principal.can(Permission.EDIT_ALERT_THRESHOLDS):
        return False
    if principal.role in ALL_CUSTOMER_ROLES:
        return True
    return (
        principal.role is Role.BRANCH_MANAGER
        and principal.unit_id is not None
        and branch_id == principal.unit_id
    )


def threshold_target(db: sa.Engine, principal: Principal, branch_id: str | None) -> str | None:
    """The branch whose thresholds are edited (None: the defaults), once the principal may and
    the branch exists (a typo would otherwise save an override nobody is judged by)."""
    branch = (branch_id or "").strip() or None
    if not principal.can(Permission.EDIT_ALERT_THRESHOLDS):
        raise Forbidden(
            "editing alert thresholds needs the edit_alert_thresholds permission",
            hint="HQ edits the defaults and any branch; a branch manager their own branch",
        )
    if not may_edit_thresholds(principal, branch):
        where = f"branch {branch}" if branch else "the defaults"
        raise Forbidden(
            f"you may not edit the thresholds of {where}",
            hint=f"a branch manager edits their own branch ({principal.unit_id or 'none'}) only",
        )
    if branch is not None:
        with db.connect() as connection:
            found = connection.execute(
                sa.select(org_units.c.unit_id).where(
                    org_units.c.unit_id == branch, org_units.c.unit_type == "branch"
                )
            ).first()
        if found is None:
            raise InvalidRequest(
                f"branch_id: no branch {branch[:32]!r}", hint="give a branch's unit id, e.g. B001"
            )
    return branch


def threshold_overview(settings: Settings, principal: Principal) -> list[ThresholdItem]:
    """Per alert: its names, the default thresholds and the branch overrides the principal
    may see (HQ all, a branch manager their own), and what they may edit."""
    alert_set = load_alerts(settings)
    own = principal.unit_id if principal.role is Role.BRANCH_MANAGER else None
    out = []
    for definition in alert_set.definitions:
        branches = alert_set.overrides.get(definition.id, {})
        if principal.role not in ALL_CUSTOMER_ROLES:
            branches = {b: v for b, v in branches.items() if b == own}
        out.append(
            ThresholdItem(
                alert_id=definition.id,
                zh=definition.zh,
                en=definition.en,
                meaning=definition.meaning,
                defaults=dict(definition.params),
                branches={b: dict(v) for b, v in sorted(branches.items())},
                may_edit_defaults=may_edit_thresholds(principal, None),
                own_branch=own if may_edit_thresholds(principal, own) and own else None,
            )
        )
    return out


def preview_thresholds(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    alert_id: str,
    branch_id: str | None,
    params: Mapping[str, Any],
) -> PreviewPublic:
    """How many customers the alert would fire for with `params` (and how many now), before
    anything is saved; only for a user who may edit those thresholds."""
    branch = threshold_target(db, principal, branch_id)  # refused before the lake is read

    checked = check_params(load_alerts(settings).get(alert_id), params)
    found = preview(settings, alert_id, branch, checked)
    return PreviewPublic(
        alert_id=alert_id,
        branch_id=branch,
        params=checked,
        as_of=found.as_of,
        current=found.current,
        proposed=found.proposed,
        current_by_branch=dict(found.current_by_branch),
        proposed_by_branch=dict(found.proposed_by_branch),
    )


def save_thresholds(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    alert_id: str,
    branch_id: str | None,
    params: Mapping[str, Any],
) -> SavedPublic:
    """Save the thresholds (the defaults, or a branch's override) with the user's name;
    audited `alert_thresholds`. They apply from the next `brokerlens run`."""
    branch = threshold_target(db, principal, branch_id)

    checked = check_params(load_alerts(settings).get(alert_id), params)
    version = save(settings, alert_id, branch, checked, principal.username)
    with db.begin() as connection:
        detail = {"alert_id": alert_id, "branch_id": branch, "params": checked, "version": version}
        record_audit(connection, principal, "alert_thresholds", [], detail)
    return SavedPublic(alert_id=alert_id, branch_id=branch, params=checked, version=version)

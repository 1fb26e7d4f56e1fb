"""今日待办 (issue 17 section 1): a broker's daily work list as the run kept it, for the home
page, the inbox, the API and the CLI.

The run writes `worklist/<T>.parquet` (one row per broker and customer with any open item,
sorted by staff_id then rank, in row groups), read here through `warehouse.served` kind
"worklist" on the lake's one cached connection: a WHERE on staff_id reads a few row groups.
What the broker did with a row (done, snoozed, dismissed) lives in the store's
`work_item_states` and is merged onto the rows read; `worklist_actions` writes it.

Whose list: the principal's own (their staff id), or with `staff_id` a broker they may see: a
team lead the staff of their team, a branch or region manager the staff of the units below
theirs, head office anyone. Any other broker, or an unknown one, answers NotFound. The rows are
also cut to the reader's customer scope (a customer reassigned since T drops out), as the
recommendations are. Every read is audited `view_worklist` with the customers shown.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.org import descendants, parents
from brokerlens.access.products import in_scope, scoped_customers
from brokerlens.access.render import duckdb_where
from brokerlens.access.scope import scope_clause, team_staff
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, STAFF_ROLES, Principal, Role
from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest, LakeError, NotFound
from brokerlens.store.marketing_schema import work_item_states
from brokerlens.store.schema import staff
from brokerlens.warehouse.served import kept_dates, kept_file, parquet_source

# The kinds of item a list row can carry (`alert`, `follow_up` and `campaign` with `:<id>`).
KIND_FAMILIES = (
    "alert",
    "churn",
    "activation",
    "assessment_expiring",
    "callback_due",
    "follow_up",
    "campaign",
    "birthday",
    "anniversary",
    "maturity",
    "ipo_allotment",
    "complaint",
    "group",
)
STATUSES = ("open", "done", "snoozed", "dismissed")
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000
BUDGET_CAP = 200  # budget rows read at most (a branch's budget is a few dozen)
_KIND = re.compile(r"^([a-z_]{1,32})(?::([A-Za-z0-9_.\-]{1,64}))?$")
_COLUMNS = (
    "staff_id",
    "branch_id",
    "customer_id",
    "name",
    "rank",
    "score",
    "urgency",
    "value",
    "total_assets",
    "kinds",
    "reasons",
    "reasons_en",
    "in_budget",
    "offer_product_id",
    "offer_product_name",
    "offer_reason",
)
# The file as the scope predicate sees it (a staff role's customer ids bound against it).
_FILE = sa.table("w", sa.column("customer_id"), sa.column("branch_id"), sa.column("region_id"))


@dataclass(frozen=True)
class WorkItem:
    """One customer's row of a broker's list: every reason, the offer, and what was done."""

    staff_id: str
    customer_id: str
    name: str | None
    branch_id: str | None
    rank: int
    score: float  # 0..100
    urgency: float  # 0..1
    value: float  # 0..1, the customer's value percentile
    total_assets: float | None
    kinds: list[str]
    reasons: list[str]  # zh, in the order of kinds
    reasons_en: list[str]
    in_budget: bool
    offer_product_id: str | None
    offer_product_name: str | None
    offer_reason: str | None
    status: str = "open"  # STATUSES
    snooze_until: dt.date | None = None
    state_reason: str | None = None  # a dismissal's reason
    record_id: int | None = None  # the service record a done item logged
    state_by: str | None = None
    state_at: dt.datetime | None = None

    def reasons_in(self, language: str) -> list[str]:
        return self.reasons_en if language == "en" and self.reasons_en else self.reasons


@dataclass(frozen=True)
class WorkList:
    """A broker's list for T: today's budget (`all_items` False) or a page of the inbox."""

    as_of_date: dt.date
    staff_id: str
    staff_name: str | None
    available: bool  # the run kept a list for T
    all_items: bool
    kind: str | None
    rows: list[WorkItem]
    total: int  # rows matching (every page)
    page: int
    page_size: int
    budget: int  # the broker's in-budget rows on T
    inbox: int  # every row of the broker on T
    budget_status: dict[str, int] = field(default_factory=dict)  # status -> budget rows
    kind_counts: dict[str, int] = field(default_factory=dict)  # the inbox: kind -> rows
    dates: list[dt.date] = field(default_factory=list)  # dates with a kept list


_duck: duckdb.DuckDBPyConnection | None = None
_duck_lock = threading.Lock()


def file_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the process's one in-memory DuckDB for reading kept files: a work list needs
    no lake views (so it serves before the lake is opened, and cheaply)."""
    global _duck
    with _duck_lock:
        if _duck is None:
            _duck = duckdb.connect()
        return _duck.cursor()


# --- checks --------------------------------------------------------------------------------------


def check_kind(kind: str | None) -> str | None:
    """A kind filter: a family (`alert`, `churn` ...) or one kind (`alert:no_trade`)."""
    if kind is None or not kind.strip():
        return None
    kind = kind.strip()
    found = _KIND.match(kind)
    if found is None or found.group(1) not in KIND_FAMILIES:
        raise InvalidRequest(
            f"kind: {kind[:40]!r} is not a work item kind / 待办类型无效",
            hint=f"one of {', '.join(KIND_FAMILIES)}, or e.g. alert:no_trade",
        )
    return kind


def check_page(page: int, page_size: int) -> None:
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise InvalidRequest(f"page: a whole number from 1 to {MAX_PAGE:,} / 页码无效")
    if (
        isinstance(page_size, bool)
        or not isinstance(page_size, int)
        or not 1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise InvalidRequest(f"page_size: a whole number from 1 to {MAX_PAGE_SIZE} / 每页条数无效")


def family(kind: str) -> str:
    return kind.split(":", 1)[0]


# --- whose list ----------------------------------------------------------------------------------


def staff_scope(connection: sa.Connection, principal: Principal) -> sa.Select[Any] | None:
    """The staff ids whose lists the principal may see, as a query; None: every staff member
    (head office)."""
    if principal.role in ALL_CUSTOMER_ROLES:
        return None
    if principal.role is Role.TEAM_LEAD and principal.staff_id:
        return team_staff(principal.staff_id)
    if principal.role in (Role.BRANCH_MANAGER, Role.REGION_MANAGER) and principal.unit_id:
        units = sorted(descendants(principal.unit_id, parents(connection)))
        return sa.select(staff.c.staff_id).where(staff.c.unit_id.in_(units))
    # a broker or advisor: their own list only (a manager without a unit: nobody's)
    return sa.select(staff.c.staff_id).where(staff.c.staff_id == (principal.staff_id or ""))


def resolve_staff(
    connection: sa.Connection, principal: Principal, staff_id: str | None
) -> tuple[str, str | None]:
    """(the broker whose list is asked for, their name): `staff_id` or the principal's own;
    NotFound for a broker outside the principal's reach as for an unknown one."""
    wanted = (staff_id or "").strip() or principal.staff_id
    if not wanted:
        raise InvalidRequest(
            "staff_id: name the broker whose work list to show / 请指定经纪人",
            hint="a manager sees a broker's list from the team completion page",
        )
    if len(wanted) > 32:
        raise InvalidRequest("staff_id: at most 32 characters / 员工编号过长")
    where: list[Any] = [staff.c.staff_id == wanted]
    scope = staff_scope(connection, principal)
    if scope is not None and wanted != principal.staff_id:
        where.append(staff.c.staff_id.in_(scope))
    row = connection.execute(sa.select(staff.c.staff_id, staff.c.name).where(*where)).first()
    if row is None:
        if wanted == principal.staff_id:  # their own list, even before publish names them
            return wanted, None
        raise NotFound(f"未找到该经纪人 / no broker {wanted!r} in your scope")
    return str(row.staff_id), row.name


def list_date(snapshot: Snapshot, as_of: dt.date | None) -> dt.date:
    """T: the date asked, else the served snapshot's date."""
    return as_of if as_of is not None else snapshot.as_of_date


# --- reading the file ----------------------------------------------------------------------------


def scope_filter(
    connection: sa.Connection,
    cursor: duckdb.DuckDBPyConnection,
    principal: Principal,
    snapshot: Snapshot,
) -> tuple[str, list[Any]]:
    """A condition on the list file (alias `w`) keeping the reader's customers: a staff role's
    ids bound directly, a manager's through the served profile, all for head office."""
    if principal.role in STAFF_ROLES:
        clause = scope_clause(principal, _FILE, snapshot.as_of_date, resolve_on=connection)
        where = duckdb_where([clause])
        return where.sql, list(where.params)
    return in_scope(scoped_customers(connection, cursor, principal, snapshot, ()), "w")


def _kind_sql(kind: str | None) -> tuple[str, list[Any]]:
    if kind is None:
        return "TRUE", []
    return "len(list_filter(w.kinds, lambda k: k = ? OR starts_with(k, ?))) > 0", [kind, kind + ":"]


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value or [] if v is not None]


def _item(row: dict[str, Any]) -> WorkItem:
    assets = row.get("total_assets")
    return WorkItem(
        staff_id=str(row["staff_id"]),
        customer_id=str(row["customer_id"]),
        name=row.get("name"),
        branch_id=row.get("branch_id"),
        rank=int(row["rank"]),
        score=float(row["score"] or 0.0),
        urgency=float(row["urgency"] or 0.0),
        value=float(row["value"] or 0.0),
        total_assets=float(assets) if assets is not None else None,
        kinds=_strings(row.get("kinds")),
        reasons=_strings(row.get("reasons")),
        reasons_en=_strings(row.get("reasons_en")),
        in_budget=bool(row.get("in_budget")),
        offer_product_id=row.get("offer_product_id"),
        offer_product_name=row.get("offer_product_name"),
        offer_reason=row.get("offer_reason"),
    )


def _fetch(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    result = cursor.execute(sql, params)
    names = [str(d[0]) for d in result.description or []]
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


@dataclass(frozen=True)
class FileRead:
    rows: list[WorkItem]
    total: int
    budget: int
    inbox: int
    kind_counts: dict[str, int]


def read_rows(
    cursor: duckdb.DuckDBPyConnection,
    path: Path,
    staff_id: str,
    scope: tuple[str, list[Any]],
    *,
    budget_only: bool,
    kind: str | None = None,
    customer_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    counts: bool = True,
) -> FileRead:
    """The broker's rows of the file in the reader's scope, by rank, and the counts."""
    scope_sql, scope_params = scope
    base = f"{parquet_source(path)} w WHERE w.staff_id = ? AND ({scope_sql})"
    params: list[Any] = [staff_id, *scope_params]
    kind_sql, kind_params = _kind_sql(kind)
    where = f"{base} AND ({kind_sql})"
    bound = [*params, *kind_params]
    if budget_only:
        where += " AND w.in_budget"
    if customer_id is not None:
        where += " AND w.customer_id = ?"
        bound.append(customer_id)
    listed = ", ".join(f"w.{c}" for c in _COLUMNS)
    sql = f"SELECT {listed} FROM {where} ORDER BY w.rank, w.customer_id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
    try:
        found = _fetch(cursor, sql, [*bound, limit, offset] if limit is not None else bound)
        if not counts:
            return FileRead([_item(r) for r in found], len(found), 0, 0, {})
        total_row = cursor.execute(f"SELECT count(*) FROM {where}", bound).fetchone()
        sizes = cursor.execute(
            f"SELECT count(*) FILTER (WHERE w.in_budget), count(*) FROM {base}", params
        ).fetchone()
        kinds = (
            cursor.execute(
                f"SELECT k, count(*) FROM (SELECT unnest(w.kinds) AS k FROM {base}) GROUP BY k",
                params,
            ).fetchall()
            if not budget_only  # the inbox's kind filter offers them; the home page does not
            else []
        )
    except duckdb.Error as exc:
        raise LakeError(f"the work list could not be read: {exc}") from None
    by_kind: dict[str, int] = {}
    for kind_id, n in kinds:
        key = str(kind_id)
        if family(key) in ("follow_up", "campaign"):  # one entry per family, not per record
            key = family(key)
        by_kind[key] = by_kind.get(key, 0) + int(n)
    return FileRead(
        rows=[_item(r) for r in found],
        total=int(total_row[0]) if total_row else 0,
        budget=int(sizes[0] or 0) if sizes else 0,
        inbox=int(sizes[1] or 0) if sizes else 0,
        kind_counts=dict(sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


# --- states --------------------------------------------------------------------------------------


def latest_states(
    connection: sa.Connection, staff_id: str, day: dt.date, customers: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """customer -> the latest state that applies to the list of `day`: one made on that list,
    or a snooze made earlier that still runs."""
    ids = list(dict.fromkeys(customers))
    out: dict[str, dict[str, Any]] = {}
    t = work_item_states.c
    for start in range(0, len(ids), 1000):
        rows = connection.execute(
            sa.select(work_item_states)
            .where(
                t.staff_id == staff_id,
                t.customer_id.in_(ids[start : start + 1000]),
                t.as_of_date <= day,
                sa.or_(t.as_of_date == day, sa.and_(t.status == "snoozed", t.snooze_until > day)),
            )
            .order_by(t.state_id)
        ).mappings()
        for row in rows:
            out[str(row["customer_id"])] = dict(row)
    return out


def with_state(item: WorkItem, state: dict[str, Any] | None) -> WorkItem:
    if state is None:
        return item
    return WorkItem(
        **{
            **item.__dict__,
            "status": str(state["status"]),
            "snooze_until": state.get("snooze_until"),
            "state_reason": state.get("reason"),
            "record_id": state.get("record_id"),
            "state_by": state.get("username"),
            "state_at": state.get("at"),
        }
    )


def merged(connection: sa.Connection, day: dt.date, items: Sequence[WorkItem]) -> list[WorkItem]:
    if not items:
        return []
    states = latest_states(connection, items[0].staff_id, day, (i.customer_id for i in items))
    return [with_state(i, states.get(i.customer_id)) for i in items]


# --- the list ------------------------------------------------------------------------------------


def work_list(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    *,
    as_of: dt.date | None = None,
    staff_id: str | None = None,
    all_items: bool = False,
    kind: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> WorkList:
    """A broker's list for T (default: the served date): today's budget by rank, or with
    `all_items` one page of the full inbox (filtered by `kind`), each row with its state.
    Audited `view_worklist` with the customers shown."""
    kind = check_kind(kind)
    check_page(page, page_size)
    cursor = file_cursor()
    try:
        with db.connect() as connection:
            snapshot = served_snapshot_on(connection)
            day = list_date(snapshot, as_of)
            who, name = resolve_staff(connection, principal, staff_id)
            path = kept_file(settings, "worklist", day)
            read = FileRead([], 0, 0, 0, {})
            if path is not None:
                scope = scope_filter(connection, cursor, principal, snapshot)
                read = read_rows(
                    cursor,
                    path,
                    who,
                    scope,
                    budget_only=not all_items,
                    kind=kind,
                    limit=page_size if all_items else BUDGET_CAP,
                    offset=(page - 1) * page_size if all_items else 0,
                )
            rows = merged(connection, day, read.rows)
    finally:
        cursor.close()
    budget_status: dict[str, int] = {}
    if not all_items:
        for row in rows:
            budget_status[row.status] = budget_status.get(row.status, 0) + 1
    found = WorkList(
        as_of_date=day,
        staff_id=who,
        staff_name=name,
        available=path is not None,
        all_items=all_items,
        kind=kind,
        rows=rows,
        total=read.total,
        page=page if all_items else 1,
        page_size=page_size if all_items else BUDGET_CAP,
        budget=read.budget,
        inbox=read.inbox,
        budget_status=budget_status,
        kind_counts=read.kind_counts,
        dates=kept_dates(settings, "worklist"),
    )
    detail = {
        "as_of": day.isoformat(),
        "staff_id": who,
        "all": all_items,
        "kind": kind,
        "page": found.page,
        "total": found.total,
    }
    audit_read(db, principal, "view_worklist", [r.customer_id for r in rows], detail)
    return found

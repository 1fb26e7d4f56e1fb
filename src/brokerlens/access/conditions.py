"""Filters on the profile, defined once: conditions, search, sort and scope, compiled in one place.

Each condition operator, the search and the sort are written here once as SQLAlchemy Core over
the served snapshot's table; `compile_query` puts them together with the scope predicate
(`scope.scope_clause`). The store runs the expressions as they are (SQLite, PostgreSQL); the
columnar copy of the profile gets the same expressions rendered for DuckDB (`render`). Field
names are looked up among the snapshot's columns (never pasted into SQL), identifiers are quoted
by the dialect's compiler, and values are converted to the column's type and bound.

Personal fields (`masking.PERSONAL_FIELDS`) are checked here too, the one place a request's
conditions, sort and search become SQL: a user without `reveal_pii` cannot make a result depend
on a value they would see masked (Forbidden, naming the field); a user with it is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access.audit import record_audit
from brokerlens.access.condition_tree import (
    Node,
    TreeContext,
    leaves,
    parse_nodes,
    tree_clause,
)
from brokerlens.access.leaf import (
    INT64_MAX,
    INT64_MIN,
    MAX_IN_VALUES,
    NO_VALUE_OPS,
    OPERATORS,
    OPS,
    Condition,
    Op,
    Operator,
    _column,
    condition_clause,
)
from brokerlens.access.masking import PERSONAL_FIELDS
from brokerlens.access.render import Where, duckdb_order, duckdb_where, like_escape
from brokerlens.access.scope import customers_in, scope_clause, served_by, unit_staff
from brokerlens.access.snapshot import Snapshot
from brokerlens.auth.principal import Permission, Principal
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, InvalidRequest

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "MAX_IN_VALUES",
    "NO_VALUE_OPS",
    "OPERATORS",
    "OPS",
    "Condition",
    "CustomerQuery",
    "Filters",
    "Node",
    "Op",
    "Operator",
    "check_conditions",
    "compile_query",
    "condition_clause",
    "parse_conditions",
    "parse_query",
    "personal_uses",
]

MAX_PAGE_SIZE = 200

# What the free-text search looks in, once: (column, how the text must match).
SEARCH_TARGETS: tuple[tuple[str, Literal["prefix", "contains"]], ...] = (
    ("customer_id", "prefix"),
    ("name", "contains"),
)


class CustomerQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # profile leaves ({field, op, value}) or, for a group (issue 25), nested nodes: ANDed
    conditions: list[Node] = Field(default_factory=list)
    branch_id: str | None = None
    team_id: str | None = None
    staff_id: str | None = None
    search: str | None = Field(default=None, max_length=100)
    sort: str | None = None
    descending: bool = False
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "request"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def parse_query(data: dict[str, Any]) -> CustomerQuery:
    """A CustomerQuery from request data; InvalidRequest naming the field when it does not fit."""
    try:
        return CustomerQuery.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(_validation_message(exc)) from None


def parse_conditions(data: list[Any] | dict[str, Any]) -> list[Node]:
    """A group's conditions: a list of nodes (ANDed) or one node (`condition_tree`)."""
    return parse_nodes(data)


def search_clause(snapshot: Snapshot, search: str, personal: bool = False) -> ColumnElement[bool]:
    """The search text against `SEARCH_TARGETS` present in the profile (LIKE, wildcards
    escaped). Personal targets only with `personal` (the user may reveal them). LIKE is
    case-sensitive on PostgreSQL and DuckDB; SQLite's ignores ASCII case."""
    if "\x00" in search:
        raise InvalidRequest("search: a NUL character cannot be searched for")
    text = like_escape(search.strip())
    clauses = []
    for name, how in _search_targets(snapshot, personal):
        pattern = f"{text}%" if how == "prefix" else f"%{text}%"
        clauses.append(snapshot.table.c[name].like(pattern, escape="\\"))
    return sa.or_(*clauses) if clauses else sa.false()


def _search_targets(
    snapshot: Snapshot, personal: bool
) -> list[tuple[str, Literal["prefix", "contains"]]]:
    return [
        (name, how)
        for name, how in SEARCH_TARGETS
        if snapshot.column(name) is not None and (personal or name not in PERSONAL_FIELDS)
    ]


def order_by(snapshot: Snapshot, sort: str | None, descending: bool) -> list[ColumnElement[Any]]:
    """ORDER BY a known column NULLS LAST, then customer_id so that pages are stable.

    NULLS LAST both ways: every reader returns the same page (SQLite and PostgreSQL otherwise
    put NULLs at opposite ends)."""
    key = snapshot.table.c.customer_id
    if sort is None or sort == "customer_id":
        return [key.desc() if descending else key.asc()]
    column = _column(snapshot, sort, "sort")
    first = column.desc() if descending else column.asc()
    return [first.nulls_last(), key.asc()]


# --- personal fields: refused without reveal_pii, audited with it -------------------------------


def personal_uses(
    snapshot: Snapshot, query: CustomerQuery, *, searching_personal: bool
) -> dict[str, list[str]]:
    """Personal fields whose hidden value the query's result would depend on:
    {field: ["condition <op>" | "sort" | "search", ...]}."""
    uses: dict[str, list[str]] = {}
    for _, condition in leaves(query.conditions):  # every leaf of a nested group too
        if not isinstance(condition, Condition):
            continue
        # Whether a value is there is shown (masked) anyway: is_null / not_null stay open.
        if condition.field in PERSONAL_FIELDS and OPERATORS[condition.op].arity != "none":
            uses.setdefault(condition.field, []).append(f"condition {condition.op}")
    if query.sort in PERSONAL_FIELDS:
        uses.setdefault(query.sort, []).append("sort")
    if searching_personal and query.search and query.search.strip():
        for name, _ in _search_targets(snapshot, personal=True):
            if name in PERSONAL_FIELDS:
                uses.setdefault(name, []).append("search")
    return uses


def check_personal(
    connection: sa.Connection,
    principal: Principal,
    uses: dict[str, list[str]],
    purpose: str,
) -> None:
    """Refuse a use of a personal field by a user without reveal_pii (naming the field); audit
    it (`personal_filter`, in the caller's transaction) for a user with it."""
    if not uses:
        return
    if not principal.can(Permission.REVEAL_PII):
        field, how = next(iter(uses.items()))
        use = how[0].split()[0]
        raise Forbidden(
            f"{field!r} is personal data: it cannot be used as a {use} ({purpose}) without the "
            "reveal_pii permission",
            hint=f"remove {field} from the filters, the sort and the segment's conditions",
        )
    record_audit(connection, principal, "personal_filter", [], {"purpose": purpose, "fields": uses})


# --- the one compile: scope, conditions, search, sort -------------------------------------------


@dataclass(frozen=True)
class Filters:
    """A query compiled: WHERE items (scope first) and ORDER BY items, SQLAlchemy Core over the
    snapshot's table; `duckdb_where` / `duckdb_order` render the same for the columnar copy."""

    where: list[ColumnElement[bool]]
    order: list[ColumnElement[Any]]

    def duckdb_where(self) -> Where:
        return duckdb_where(self.where)

    def duckdb_order(self) -> str:
        return duckdb_order(self.order)


def compile_query(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    query: CustomerQuery,
    *,
    purpose: str,
    columnar: bool = False,
    settings: Settings | None = None,
) -> Filters:
    """The principal's scope and the query's filters, search and sort, checked and bound.

    `columnar`: staff roles' customer ids (scope, team, staff) are read on `connection` now and
    bound, for DuckDB over the served file; otherwise they stay subqueries of the store.
    Personal fields are checked first (`check_personal`): a permitted use is audited on
    `connection`, so the caller commits it."""
    searching_personal = principal.can(Permission.REVEAL_PII)
    uses = personal_uses(snapshot, query, searching_personal=searching_personal)
    check_personal(connection, principal, uses, purpose)
    table = snapshot.table
    day = snapshot.as_of_date
    resolve = connection if columnar else None
    where = [scope_clause(principal, table, day, resolve_on=resolve)]
    if query.conditions:
        context = TreeContext(snapshot, connection, day, columnar=columnar, settings=settings)
        where.append(tree_clause(query.conditions, context))
    if query.branch_id:
        where.append(table.c.branch_id == query.branch_id)
    if query.team_id:
        where.append(customers_in(table, served_by(unit_staff(query.team_id), day), resolve))
    if query.staff_id:
        where.append(customers_in(table, served_by(query.staff_id, day), resolve))
    if query.search and query.search.strip():
        where.append(search_clause(snapshot, query.search, searching_personal))
    return Filters(where, order_by(snapshot, query.sort, query.descending))


def check_conditions(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    conditions: list[Node],
    *,
    purpose: str,
    settings: Settings | None = None,
) -> None:
    """Conditions checked as `compile_query` checks them (a segment's, when it is saved); a
    product's target customers only once a recommendation run made them."""
    query = CustomerQuery(conditions=conditions)
    check_personal(
        connection, principal, personal_uses(snapshot, query, searching_personal=False), purpose
    )
    context = TreeContext(
        snapshot, connection, snapshot.as_of_date, settings=settings, require_run=True
    )
    tree_clause(conditions, context)

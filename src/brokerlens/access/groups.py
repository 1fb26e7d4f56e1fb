"""Customer groups (客户分组, issue 25): live counts of a condition tree, and membership over time.

A group is a saved segment (`segments`): its conditions a tree (`condition_tree`). Here:

- `preview_tree`: the count of a tree not yet saved and of each of its nodes, within the
  viewer's scope, in one query (`count(*) FILTER (WHERE ...)`), so a builder shows how each
  condition narrows.
- `refresh_group_members` (`group_refresh`): after each publish, every dynamic group's members
  as of the served date T, each within its owner's scope, stored as `groups/members.parquet`
  (replaced) and T's differences from the previous refresh as `groups/changes/<T>.parquet`
  (entered / left and why: which leaf conditions changed value).
- readers: a group's history (entered / left per date), one date's changes (paged, masked,
  audited), the members as of a date D (those whose last change on or before D is `entered`);
  all cut to the viewer's scope.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access import columnar
from brokerlens.access.audit import audit_read
from brokerlens.access.condition_tree import (
    AllOf,
    AnyOf,
    Node,
    NotOf,
    TreeContext,
    node_clauses,
    parse_nodes,
    tree_clause,
    walk,
)
from brokerlens.access.conditions import (
    CustomerQuery,
    check_personal,
    personal_uses,
)
from brokerlens.access.group_refresh import leaf_label, refresh_group_members
from brokerlens.access.masking import mask_row
from brokerlens.access.render import duckdb_sql
from brokerlens.access.scope import scope_clause
from brokerlens.access.segments import _get, check_refs, refresh_segment_counts
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.engine.sqltext import literal
from brokerlens.errors import InvalidRequest
from brokerlens.warehouse.served import (
    kept_dates,
    kept_file,
    parquet_source,
)

log = logging.getLogger(__name__)
__all__ = [
    "group_changes",
    "group_history",
    "group_members_as_of",
    "leaf_label",
    "preview_tree",
    "refresh_group_members",
    "refresh_groups",
    "refreshed_dates",
    "tree_lines",
]


def refresh_groups(db: sa.Engine, settings: Settings) -> tuple[int, int]:
    """After a publish: every dynamic group's membership on the served date, then every saved
    segment's count (a dynamic group's is its refreshed member count). Returns (groups
    refreshed, segments counted)."""
    counts: dict[int, int] = {}
    grouped = refresh_group_members(db, settings, counts)
    return grouped, refresh_segment_counts(db, settings, known=counts)


# --- live counts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeCount:
    path: str
    count: int


@dataclass(frozen=True)
class TreePreview:
    """The whole tree's count and each node's own count, within the viewer's scope."""

    total: int
    nodes: list[NodeCount]
    as_of_date: dt.date


def _count_sql(clauses: list[ColumnElement[bool]]) -> tuple[str, list[Any]]:
    parts, params = [], []
    for clause in clauses:
        sql, bound = duckdb_sql(clause)
        parts.append(f"count(*) FILTER (WHERE {sql})")
        params += bound
    return ", ".join(parts), params


def preview_tree(
    db: sa.Engine, principal: Principal, data: Any, settings: Settings | None = None
) -> TreePreview:
    """Counts of an unsaved tree (request JSON: a list of nodes or one node): InvalidRequest
    naming a bad node's path; personal fields refused (or audited) as `compile_query` does."""
    nodes = parse_nodes(data)
    with db.connect() as connection:
        check_refs(connection, principal, nodes, None)
        snapshot = served_snapshot_on(connection)
        uses = personal_uses(snapshot, CustomerQuery(conditions=nodes), searching_personal=False)
        check_personal(connection, principal, uses, "segment_preview")
        path = columnar.columnar_file(snapshot)
        context = TreeContext(
            snapshot, connection, snapshot.as_of_date, columnar=path is not None, settings=settings
        )
        single = isinstance(data, dict)
        parts = node_clauses(nodes, context, single=single)
        whole = tree_clause(nodes, context, single=single)
        scope = scope_clause(
            principal, snapshot.table, snapshot.as_of_date, resolve_on=context.resolve_on
        )
        connection.commit()
        clauses = [whole, *(c for _, c in parts)]
        if path is not None:
            select, params = _count_sql(clauses)
            scope_sql, scope_params = duckdb_sql(scope)
            sql = f"SELECT {select} FROM {parquet_source(path)} WHERE {scope_sql}"
            found = columnar.remember(
                path,
                (sql, tuple(_hashable(params + scope_params))),
                lambda: _one(sql, params + scope_params),
            )
        else:
            found = connection.execute(
                sa.select(*(sa.func.count().filter(c) for c in clauses))
                .select_from(snapshot.table)
                .where(scope)
            ).one()
    counts = [int(v or 0) for v in found]
    return TreePreview(
        total=counts[0],
        nodes=[NodeCount(p, n) for (p, _), n in zip(parts, counts[1:], strict=True)],
        as_of_date=snapshot.as_of_date,
    )


def _hashable(values: list[Any]) -> list[Any]:
    return [tuple(v) if isinstance(v, list) else v for v in values]


def _one(sql: str, params: list[Any]) -> tuple[Any, ...]:
    cursor = columnar._connection().cursor()
    try:
        row = cursor.execute(sql, params).fetchone()
    finally:
        cursor.close()
    return tuple(row or ())


# --- in words -----------------------------------------------------------------------------------

KIND_WORDS = {"all": "全部满足 (all of)", "any": "满足任一 (any of)", "not": "不满足 (not)"}


def tree_lines(
    nodes: list[Node], *, single: bool = False, where: str = "conditions"
) -> list[tuple[int, str, str]]:
    """The tree as (depth from 0, path, words) lines, depth first: a group node as 全部满足 /
    满足任一 / 不满足, a leaf as `leaf_label` says it."""
    out = []
    for path, node, depth in walk(nodes, where, single=single):
        if isinstance(node, AllOf):
            words = KIND_WORDS["all"]
        elif isinstance(node, AnyOf):
            words = KIND_WORDS["any"]
        elif isinstance(node, NotOf):
            words = KIND_WORDS["not"]
        else:
            words = leaf_label(node)
        out.append((depth - 1, path, words))
    return out


def refreshed_dates(settings: Settings) -> list[dt.date]:
    """The dates group membership was refreshed on (a changes file kept for each), oldest first."""
    return sorted(kept_dates(settings, "group_changes"))


# --- readers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryDay:
    as_of_date: dt.date
    entered: int
    left: int
    members: int


@dataclass(frozen=True)
class ChangeRow:
    customer_id: str
    change: str
    reason: str | None
    row: dict[str, Any]  # the customer's profile row, masked


@dataclass(frozen=True)
class ChangesPage:
    as_of_date: dt.date
    rows: list[ChangeRow]
    total: int
    page: int
    page_size: int


def _scope_filter(
    connection: sa.Connection, principal: Principal, snapshot: Snapshot
) -> tuple[str, list[Any]]:
    """SQL keeping the changes rows (`customer_id`) of the viewer's customers: nothing for a
    viewer who sees every customer; else a semi-join with the served columnar copy cut to the
    scope (as list pages are), or (no columnar copy) the scope's ids read on the store, bound."""
    clause = scope_clause(principal, snapshot.table, snapshot.as_of_date, resolve_on=connection)
    if isinstance(clause, sa.sql.elements.True_):
        return "true", []
    path = columnar.columnar_file(snapshot)
    if path is not None:
        sql, params = duckdb_sql(clause)
        return (
            f"customer_id IN (SELECT customer_id FROM {parquet_source(path)} WHERE {sql})",
            params,
        )
    ids = [
        str(c)
        for c in connection.execute(
            sa.select(snapshot.table.c.customer_id).where(
                scope_clause(principal, snapshot.table, snapshot.as_of_date)
            )
        ).scalars()
    ]
    return "customer_id IN (SELECT unnest(?::VARCHAR[]))", [ids]


def _changes_source(settings: Settings, up_to: dt.date | None = None) -> str | None:
    """`read_parquet([...])` of the kept changes files (those on or before `up_to`), or None."""
    files = [
        str(p)
        for d in kept_dates(settings, "group_changes")
        if up_to is None or d <= up_to
        for p in [kept_file(settings, "group_changes", d)]
        if p is not None
    ]
    if not files:
        return None
    return f"read_parquet([{', '.join(literal(f) for f in files)}], union_by_name = true)"


def _query(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of `sql` over kept files, on the process's DuckDB connection (a cursor each)."""
    cursor = columnar._connection().cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def group_history(
    db: sa.Engine, principal: Principal, group_id: int, settings: Settings
) -> list[HistoryDay]:
    """Per refreshed date: how many of the viewer's customers entered and left, and the
    members after that date (within the viewer's scope). One DuckDB query over the changes
    files (sorted by group: the reader skips other groups' row groups)."""
    with db.connect() as connection:
        _get(connection, principal, group_id)
        snapshot = served_snapshot_on(connection)
        scope, params = _scope_filter(connection, principal, snapshot)
    source = _changes_source(settings)
    if source is None:
        return []
    found = _query(
        "SELECT as_of_date, count(*) FILTER (WHERE change = 'entered'), "
        f"count(*) FILTER (WHERE change = 'left') FROM {source} "
        f"WHERE group_id = ? AND {scope} GROUP BY 1 ORDER BY 1",
        [group_id, *params],
    )
    out, members = [], 0
    for day, entered, left in found:
        members += int(entered) - int(left)
        out.append(HistoryDay(day, int(entered), int(left), members))
    return out


def group_changes(
    db: sa.Engine,
    principal: Principal,
    group_id: int,
    settings: Settings,
    as_of: dt.date,
    *,
    page: int = 1,
    page_size: int = 50,
) -> ChangesPage:
    """Who entered or left the group on `as_of` and why, the viewer's customers only (masked),
    one page (counted and paged in SQL); audited `view_group_changes` with the page's
    customers."""
    if page < 1 or not 1 <= page_size <= 200:
        raise InvalidRequest("page: from 1; page_size: 1 to 200")
    with db.connect() as connection:
        _get(connection, principal, group_id)
        snapshot = served_snapshot_on(connection)
        scope, params = _scope_filter(connection, principal, snapshot)
        path = kept_file(settings, "group_changes", as_of)
        chunk: list[dict[str, Any]] = []
        total = 0
        if path is not None:
            found = _query(
                "SELECT customer_id, change, reason, count(*) OVER () "
                f"FROM {parquet_source(path)} WHERE group_id = ? AND {scope} "
                "ORDER BY customer_id LIMIT ? OFFSET ?",
                [group_id, *params, page_size, (page - 1) * page_size],
            )
            chunk = [{"customer_id": r[0], "change": r[1], "reason": r[2]} for r in found]
            if found:
                total = int(found[0][3])
            elif page > 1:
                total = int(
                    _query(
                        f"SELECT count(*) FROM {parquet_source(path)} "
                        f"WHERE group_id = ? AND {scope}",
                        [group_id, *params],
                    )[0][0]
                )
        ids = [r["customer_id"] for r in chunk]
        table_ = snapshot.table
        by_id = (
            {
                str(r["customer_id"]): dict(r)
                for r in connection.execute(
                    sa.select(table_).where(table_.c.customer_id.in_(ids))
                ).mappings()
            }
            if ids
            else {}
        )
    rows = [
        ChangeRow(
            r["customer_id"],
            r["change"],
            r["reason"],
            mask_row(by_id.get(r["customer_id"], {"customer_id": r["customer_id"]})),
        )
        for r in chunk
    ]
    audit_read(
        db,
        principal,
        "view_group_changes",
        ids,
        {
            "segment_id": group_id,
            "as_of_date": as_of.isoformat(),
            "page": page,
            "total": total,
        },
    )
    return ChangesPage(as_of, rows, total, page, page_size)


def group_members_as_of(
    db: sa.Engine, principal: Principal, group_id: int, settings: Settings, as_of: dt.date
) -> list[str]:
    """The group's members (customer ids, the viewer's only) as of a refreshed date D: those
    whose last change on or before D is `entered`; audited `view_segment_members`."""
    with db.connect() as connection:
        _get(connection, principal, group_id)
        snapshot = served_snapshot_on(connection)
        scope, params = _scope_filter(connection, principal, snapshot)
    source = _changes_source(settings, as_of)
    ids: list[str] = []
    if source is not None:
        ids = [
            str(r[0])
            for r in _query(
                "SELECT customer_id FROM (SELECT customer_id, arg_max(change, as_of_date) AS last "
                f"FROM {source} WHERE group_id = ? AND as_of_date <= ? AND {scope} GROUP BY 1) "
                "WHERE last = 'entered' ORDER BY 1",
                [group_id, as_of, *params],
            )
        ]
    audit_read(
        db,
        principal,
        "view_segment_members",
        ids[:200],
        {"segment_id": group_id, "as_of_date": as_of.isoformat(), "total": len(ids)},
    )
    return ids


def changes_path_for(settings: Settings, day: dt.date) -> Path | None:
    return kept_file(settings, "group_changes", day)

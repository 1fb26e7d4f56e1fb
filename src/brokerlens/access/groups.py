"""Customer groups (客户分组, issue 25): live counts of a condition tree, and membership over time.

A group is a saved segment (`segments`): its conditions a tree (`condition_tree`). Here:

- `preview_tree`: the count of a tree not yet saved and of each of its nodes, within the
  viewer's scope, in one query (`count(*) FILTER (WHERE ...)`), so a builder shows how each
  condition narrows.
- `refresh_group_members`: after each publish, every dynamic group's members as of the served
  date T, each within its owner's scope (as `refresh_segment_counts` counts them), stored as
  `groups/members.parquet` (replaced) and T's differences from the previous refresh as
  `groups/changes/<T>.parquet` (entered / left and why: which leaf conditions changed value).
  Re-running T replaces T's changes (the previous membership is rebuilt from them first).
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

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access import columnar
from brokerlens.access.audit import audit_read
from brokerlens.access.condition_tree import (
    AlertLeaf,
    InGroupLeaf,
    Leaf,
    NoContactLeaf,
    StaffLeaf,
    TeamLeaf,
    TreeContext,
    leaf_clause,
    leaves,
    node_clauses,
    parse_nodes,
    tree_clause,
)
from brokerlens.access.conditions import (
    CustomerQuery,
    check_personal,
    compile_query,
    personal_uses,
)
from brokerlens.access.masking import mask_row
from brokerlens.access.render import duckdb_sql, ids_in
from brokerlens.access.scope import scope_clause
from brokerlens.access.segments import _get, _owner, check_refs
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.atomic import atomic_file
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, InvalidRequest
from brokerlens.store.schema import segments, users
from brokerlens.warehouse.served import (
    group_changes_path,
    group_members_path,
    kept_dates,
    kept_file,
    parquet_source,
)

log = logging.getLogger(__name__)

MAX_BITS = 62  # leaves past the 62nd carry no why
BATCH = 40  # groups evaluated per DuckDB scan of the served file
MEMBERS_SCHEMA = pa.schema(
    [
        ("group_id", pa.int64()),
        ("as_of_date", pa.date32()),
        ("customer_id", pa.string()),
        ("bits", pa.int64()),
    ]
)
CHANGES_SCHEMA = pa.schema(
    [
        ("group_id", pa.int64()),
        ("as_of_date", pa.date32()),
        ("customer_id", pa.string()),
        ("change", pa.string()),
        ("bits_before", pa.int64()),
        ("bits_after", pa.int64()),
        ("reason", pa.string()),
    ]
)


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


# --- membership refresh --------------------------------------------------------------------------


def leaf_label(leaf: Leaf) -> str:
    """A leaf in a few words (the why of an entered / left customer)."""
    if isinstance(leaf, AlertLeaf):
        return f"alert {','.join(leaf.alert)} in {leaf.days}d"
    if isinstance(leaf, TeamLeaf):
        return f"served by team {leaf.served_by_team}"
    if isinstance(leaf, StaffLeaf):
        return f"served by staff {leaf.served_by_staff}"
    if isinstance(leaf, NoContactLeaf):
        return f"no contact in {leaf.no_contact_days}d"
    if isinstance(leaf, InGroupLeaf):
        return f"in group {leaf.in_group}"
    value = "" if leaf.value is None else f" {leaf.value}"
    return f"{leaf.field} {leaf.op}{value}"


def _bits(found: list[tuple[str, Leaf]], context: TreeContext) -> ColumnElement[Any]:
    terms: list[ColumnElement[Any]] = [
        sa.case((leaf_clause(leaf, context, path), 1 << i), else_=0)
        for i, (path, leaf) in enumerate(found[:MAX_BITS])
    ]
    if not terms:
        return sa.literal(0, sa.BigInteger())
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _why(found: list[tuple[str, Leaf]], before: int | None, after: int | None) -> str | None:
    """The leaves whose value changed (`path label: true→false`); one side unknown (a customer
    who entered was no member before, so their leaves' earlier values are not stored): the
    leaves true now."""
    parts = []
    for i, (path, leaf) in enumerate(found[:MAX_BITS]):
        now = None if after is None else bool(after >> i & 1)
        was = None if before is None else bool(before >> i & 1)
        if now is not None and was is not None:
            if now != was:
                parts.append(f"{path} {leaf_label(leaf)}: {_yes(was)}→{_yes(now)}")
        elif now is not None and was is None and now:
            parts.append(f"{path} {leaf_label(leaf)}: true")
        elif was is not None and now is None and was:
            parts.append(f"{path} {leaf_label(leaf)}: was true")
    return "; ".join(parts) or None


def _yes(value: bool) -> str:
    return "true" if value else "false"


@dataclass
class _Group:
    group_id: int
    leaves: list[tuple[str, Leaf]]
    where: ColumnElement[bool] | None  # None: skipped (no longer fits), its members carried
    bits: ColumnElement[Any] | None


def _compiled_groups(
    connection: sa.Connection, snapshot: Snapshot, settings: Settings | None, is_columnar: bool
) -> list[_Group]:
    rows = connection.execute(
        sa.select(
            segments.c.segment_id,
            segments.c.conditions,
            users.c.user_id,
            users.c.username,
            users.c.display_name,
            users.c.role,
            users.c.staff_id,
            users.c.unit_id,
            users.c.permissions,
        )
        .select_from(segments.join(users, users.c.user_id == segments.c.owner_user_id))
        .order_by(segments.c.segment_id)
    ).all()
    # HOOK (issue 25, static groups, branch i25-manage): refresh dynamic groups only
    kinds = "kind" in segments.c
    out = []
    for row in rows:
        if kinds and getattr(row, "kind", "dynamic") == "static":  # pragma: no cover
            continue
        gid = int(row.segment_id)
        try:
            nodes = parse_nodes(row.conditions or [])
            filters = compile_query(
                connection,
                _owner(row),
                snapshot,
                CustomerQuery(conditions=nodes),
                purpose="segment_refresh",
                columnar=is_columnar,
                settings=settings,
            )
            context = TreeContext(
                snapshot,
                connection,
                snapshot.as_of_date,
                columnar=is_columnar,
                settings=settings,
                seen=frozenset({gid}),
            )
            found = leaves(nodes)
            out.append(_Group(gid, found, sa.and_(*filters.where), _bits(found, context)))
        except (InvalidRequest, Forbidden, ValueError) as exc:
            log.warning("group %s: membership not refreshed (%s)", gid, exc)
            out.append(_Group(gid, [], None, None))
    return out


def _members_columnar(path: str, groups: list[_Group]) -> pa.Table:
    tables = []
    for start in range(0, len(groups), BATCH):
        batch = [g for g in groups[start : start + BATCH] if g.where is not None]
        if not batch:
            continue
        parts, params = [], []
        for g in batch:
            assert g.where is not None and g.bits is not None
            cond, p1 = duckdb_sql(g.where)
            bits, p2 = duckdb_sql(g.bits)
            parts.append(f"CASE WHEN {cond} THEN {bits} END AS g{g.group_id}")
            params += p1 + p2
        sql = (
            f"WITH m AS (SELECT customer_id, {', '.join(parts)} FROM {parquet_source(path)}) "
            "SELECT CAST(substr(grp, 2) AS BIGINT) AS group_id, customer_id, "
            "CAST(bits AS BIGINT) AS bits "
            "FROM (UNPIVOT m ON COLUMNS(* EXCLUDE (customer_id)) INTO NAME grp VALUE bits)"
        )
        tables.append(columnar.arrow_of(sql, params))
    return pa.concat_tables(tables) if tables else _empty_members()


def _empty_members() -> pa.Table:
    return pa.table(
        {"group_id": pa.array([], pa.int64()), "customer_id": [], "bits": pa.array([], pa.int64())},
        schema=pa.schema(
            [("group_id", pa.int64()), ("customer_id", pa.string()), ("bits", pa.int64())]
        ),
    )


def _members_store(connection: sa.Connection, snapshot: Snapshot, groups: list[_Group]) -> pa.Table:
    ids: list[int] = []
    customers: list[str] = []
    bits: list[int] = []
    for g in groups:
        if g.where is None or g.bits is None:
            continue
        for customer_id, value in connection.execute(
            sa.select(snapshot.table.c.customer_id, g.bits).where(g.where)
        ):
            ids.append(g.group_id)
            customers.append(str(customer_id))
            bits.append(int(value))
    return pa.table(
        {
            "group_id": pa.array(ids, pa.int64()),
            "customer_id": pa.array(customers, pa.string()),
            "bits": pa.array(bits, pa.int64()),
        }
    )


def _bits_of(
    connection: sa.Connection,
    snapshot: Snapshot,
    path: str | None,
    group: _Group,
    customer_ids: list[str],
) -> dict[str, int]:
    """The leaf bits on T of customers who are no members (those who left)."""
    if not customer_ids or group.bits is None:
        return {}
    which = ids_in(snapshot.table.c.customer_id, customer_ids)
    if path is not None:
        bits, p1 = duckdb_sql(group.bits)
        cond, p2 = duckdb_sql(which)
        sql = f"SELECT customer_id, {bits} FROM {parquet_source(path)} WHERE {cond}"
        found = columnar.arrow_of(sql, p1 + p2).to_pylist()
        return {str(r["customer_id"]): int(list(r.values())[1]) for r in found}
    return {
        str(c): int(b)
        for c, b in connection.execute(
            sa.select(snapshot.table.c.customer_id, group.bits).where(which)
        )
    }


def _previous(settings: Settings, day: dt.date, evaluated: set[int]) -> pa.Table:
    """The membership before T: the current file, or (T refreshed already) the current file
    with T's changes undone."""
    current = group_members_path(settings)
    if not current.is_file():
        return _empty_members()
    old = pq.read_table(current)
    newest = old["as_of_date"][0].as_py() if old.num_rows else None
    if newest is not None and newest > day:
        raise InvalidRequest(
            f"groups: membership is refreshed up to {newest}; {day} is earlier",
            hint="membership is refreshed for the served date after each publish, in date order",
        )
    old = old.select(["group_id", "customer_id", "bits"])
    redo = kept_file(settings, "group_changes", day)
    if newest == day and redo is not None:
        duck = duckdb.connect(":memory:")
        try:
            duck.register("cur", old)
            old = duck.sql(
                f"SELECT group_id, customer_id, bits FROM cur ANTI JOIN "
                f"(SELECT * FROM {parquet_source(redo)} WHERE change = 'entered') e "
                "USING (group_id, customer_id) "
                f"UNION ALL SELECT group_id, customer_id, bits_before FROM {parquet_source(redo)} "
                "WHERE change = 'left'"
            ).to_arrow_table()
        finally:
            duck.close()
    return old


def refresh_group_members(db: sa.Engine, settings: Settings) -> int:
    """Every dynamic group's members as of the served date and their changes since the
    previous refresh (module doc). Returns how many groups were refreshed."""
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        day = snapshot.as_of_date
        path = columnar.columnar_file(snapshot)
        groups = _compiled_groups(connection, snapshot, settings, path is not None)
        connection.commit()
        now = (
            _members_columnar(path, groups)
            if path is not None
            else _members_store(connection, snapshot, groups)
        )
        before = _previous(settings, day, {g.group_id for g in groups})
        known = [g.group_id for g in groups]
        skipped = [g.group_id for g in groups if g.where is None]
        duck = duckdb.connect(":memory:")
        try:
            duck.register("now_", now)
            duck.register("before_", before)
            duck.register("known_", pa.table({"group_id": pa.array(known, pa.int64())}))
            duck.register("skipped_", pa.table({"group_id": pa.array(skipped, pa.int64())}))
            members = duck.sql(
                "SELECT group_id, customer_id, bits FROM now_ UNION ALL "
                "SELECT group_id, customer_id, bits FROM before_ "
                "SEMI JOIN skipped_ USING (group_id) "
                "ORDER BY group_id, customer_id"
            ).to_arrow_table()
            changed = duck.sql(
                "SELECT coalesce(n.group_id, b.group_id) AS group_id, "
                "coalesce(n.customer_id, b.customer_id) AS customer_id, "
                "CASE WHEN b.customer_id IS NULL THEN 'entered' ELSE 'left' END AS change, "
                "b.bits AS bits_before, n.bits AS bits_after "
                "FROM now_ n FULL JOIN (SELECT * FROM before_ SEMI JOIN known_ USING (group_id) "
                "ANTI JOIN skipped_ USING (group_id)) b "
                "ON n.group_id = b.group_id AND n.customer_id = b.customer_id "
                "WHERE n.customer_id IS NULL OR b.customer_id IS NULL "
                "ORDER BY group_id, customer_id"
            ).to_arrow_table()
        finally:
            duck.close()
        changes = _with_reasons(connection, snapshot, path, groups, changed, day)
    members = members.append_column(
        "as_of_date", pa.array([day] * members.num_rows, pa.date32())
    ).select(["group_id", "as_of_date", "customer_id", "bits"])
    with atomic_file(group_changes_path(settings, day)) as scratch:
        pq.write_table(changes, scratch, compression="zstd")
    with atomic_file(group_members_path(settings)) as scratch:
        pq.write_table(members.cast(MEMBERS_SCHEMA), scratch, compression="zstd")
    return sum(1 for g in groups if g.where is not None)


def _with_reasons(
    connection: sa.Connection,
    snapshot: Snapshot,
    path: str | None,
    groups: list[_Group],
    changed: pa.Table,
    day: dt.date,
) -> pa.Table:
    by_id = {g.group_id: g for g in groups}
    rows = changed.to_pylist()
    left: dict[int, list[str]] = {}
    for r in rows:
        if r["change"] == "left":
            left.setdefault(int(r["group_id"]), []).append(str(r["customer_id"]))
    now_bits = {
        gid: _bits_of(connection, snapshot, path, by_id[gid], ids) for gid, ids in left.items()
    }
    reasons, after = [], []
    for r in rows:
        gid = int(r["group_id"])
        bits_after = r["bits_after"]
        if r["change"] == "left":
            bits_after = now_bits.get(gid, {}).get(str(r["customer_id"]))
        after.append(bits_after)
        reasons.append(_why(by_id[gid].leaves, r["bits_before"], bits_after))
    return pa.table(
        {
            "group_id": pa.array([r["group_id"] for r in rows], pa.int64()),
            "as_of_date": pa.array([day] * len(rows), pa.date32()),
            "customer_id": pa.array([r["customer_id"] for r in rows], pa.string()),
            "change": pa.array([r["change"] for r in rows], pa.string()),
            "bits_before": pa.array([r["bits_before"] for r in rows], pa.int64()),
            "bits_after": pa.array(after, pa.int64()),
            "reason": pa.array(reasons, pa.string()),
        },
        schema=CHANGES_SCHEMA,
    )


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


def _scoped_ids(
    connection: sa.Connection, principal: Principal, snapshot: Snapshot
) -> set[str] | None:
    """The ids the principal may see (None: every customer, no filter needed)."""
    clause = scope_clause(principal, snapshot.table, snapshot.as_of_date)
    if isinstance(clause, sa.sql.elements.True_):
        return None
    return {
        str(c)
        for c in connection.execute(sa.select(snapshot.table.c.customer_id).where(clause)).scalars()
    }


def _changes(settings: Settings, group_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for day in kept_dates(settings, "group_changes"):
        path = kept_file(settings, "group_changes", day)
        if path is None:
            continue
        table = pq.read_table(path, filters=[("group_id", "=", group_id)])
        found += table.select(["as_of_date", "customer_id", "change", "reason"]).to_pylist()
    return found


def group_history(
    db: sa.Engine, principal: Principal, group_id: int, settings: Settings
) -> list[HistoryDay]:
    """Per refreshed date: how many of the viewer's customers entered and left, and the
    members after that date (within the viewer's scope)."""
    with db.connect() as connection:
        _get(connection, principal, group_id)
        snapshot = served_snapshot_on(connection)
        mine = _scoped_ids(connection, principal, snapshot)
    out, members = [], 0
    by_day: dict[dt.date, list[int]] = {}
    for r in _changes(settings, group_id):
        if mine is not None and r["customer_id"] not in mine:
            continue
        counts = by_day.setdefault(r["as_of_date"], [0, 0])
        counts[0 if r["change"] == "entered" else 1] += 1
    for day in sorted(by_day):
        entered, left = by_day[day]
        members += entered - left
        out.append(HistoryDay(day, entered, left, members))
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
    one page; audited `view_group_changes` with the page's customers."""
    if page < 1 or not 1 <= page_size <= 200:
        raise InvalidRequest("page: from 1; page_size: 1 to 200")
    with db.connect() as connection:
        _get(connection, principal, group_id)
        snapshot = served_snapshot_on(connection)
        mine = _scoped_ids(connection, principal, snapshot)
        path = kept_file(settings, "group_changes", as_of)
        found = []
        if path is not None:
            table = pq.read_table(path, filters=[("group_id", "=", group_id)])
            found = [
                r
                for r in table.select(["customer_id", "change", "reason"]).to_pylist()
                if mine is None or r["customer_id"] in mine
            ]
        chunk = found[(page - 1) * page_size : page * page_size]
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
            "total": len(found),
        },
    )
    return ChangesPage(as_of, rows, len(found), page, page_size)


def group_members_as_of(
    db: sa.Engine, principal: Principal, group_id: int, settings: Settings, as_of: dt.date
) -> list[str]:
    """The group's members (customer ids, the viewer's only) as of a refreshed date D: those
    whose last change on or before D is `entered`; audited `view_segment_members`."""
    with db.connect() as connection:
        _get(connection, principal, group_id)
        snapshot = served_snapshot_on(connection)
        mine = _scoped_ids(connection, principal, snapshot)
    last: dict[str, str] = {}
    for r in sorted(_changes(settings, group_id), key=lambda r: r["as_of_date"]):
        if r["as_of_date"] <= as_of:
            last[r["customer_id"]] = r["change"]
    ids = sorted(c for c, change in last.items() if change == "entered")
    if mine is not None:
        ids = [c for c in ids if c in mine]
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

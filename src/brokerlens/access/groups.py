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
import tempfile
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
from brokerlens.engine.sqltext import ident, literal
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


def _members_store(connection: sa.Connection, snapshot: Snapshot, groups: list[_Group]) -> pa.Table:
    """A batch's members read from the store (a home without a columnar copy: small)."""
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
    return _member_table(ids, customers, bits)


def _member_table(ids: list[int], customers: list[str], bits: list[int]) -> pa.Table:
    return pa.table(
        {
            "group_id": pa.array(ids, pa.int64()),
            "customer_id": pa.array(customers, pa.string()),
            "bits": pa.array(bits, pa.int64()),
        }
    )


def _bits_store(
    connection: sa.Connection, snapshot: Snapshot, by_id: dict[int, _Group], wanted: pa.Table
) -> pa.Table:
    """The leaf bits on T of (group, customer) pairs read from the store (no columnar copy)."""
    per_group: dict[int, list[str]] = {}
    for gid, cid in zip(
        wanted["group_id"].to_pylist(), wanted["customer_id"].to_pylist(), strict=True
    ):
        per_group.setdefault(int(gid), []).append(str(cid))
    ids: list[int] = []
    customers: list[str] = []
    bits: list[int] = []
    for gid, who in per_group.items():
        group = by_id[gid]
        if group.bits is None:
            continue
        which = ids_in(snapshot.table.c.customer_id, who)
        for c, b in connection.execute(
            sa.select(snapshot.table.c.customer_id, group.bits).where(which)
        ):
            ids.append(gid)
            customers.append(str(c))
            bits.append(int(b))
    return _member_table(ids, customers, bits)


def _refresh_connection(settings: Settings, scratch: Path) -> duckdb.DuckDBPyConnection:
    """A private DuckDB for one refresh: memory capped (it spills past the cap), insertion
    order kept (each batch's files are written sorted, and concatenated in order)."""
    duck = duckdb.connect(":memory:")
    duck.execute(f"SET memory_limit = {literal(settings.duckdb_memory)}")
    duck.execute(f"SET temp_directory = {literal(str(scratch / 'spill'))}")
    duck.execute("SET preserve_insertion_order = true")
    duck.execute("SET enable_progress_bar = false")
    return duck


def _previous_sql(settings: Settings, day: dt.date) -> str:
    """SQL of the membership before T (group_id, customer_id, bits): the current file, or (T
    refreshed already) the current file with T's changes undone."""
    current = group_members_path(settings)
    if not current.is_file() or pq.ParquetFile(current).metadata.num_rows == 0:
        return (
            "SELECT 0::BIGINT AS group_id, ''::VARCHAR AS customer_id, 0::BIGINT AS bits "
            "WHERE false"
        )
    source = parquet_source(current)
    first = pq.read_table(current, columns=["as_of_date"]).slice(0, 1)
    newest = first["as_of_date"][0].as_py()
    if newest > day:
        raise InvalidRequest(
            f"groups: membership is refreshed up to {newest}; {day} is earlier",
            hint="membership is refreshed for the served date after each publish, in date order",
        )
    redo = kept_file(settings, "group_changes", day)
    if newest == day and redo is not None:
        changes = parquet_source(redo)
        return (
            f"SELECT group_id, customer_id, bits FROM {source} ANTI JOIN "
            f"(SELECT group_id, customer_id FROM {changes} WHERE change = 'entered') e "
            "USING (group_id, customer_id) "
            f"UNION ALL SELECT group_id, customer_id, bits_before AS bits FROM {changes} "
            "WHERE change = 'left'"
        )
    return f"SELECT group_id, customer_id, bits FROM {source}"


def _bits_case(groups: list[_Group], key: str) -> tuple[str, list[Any]]:
    """`CASE <key> WHEN g THEN <g's leaf bits> ... END` over a served row."""
    parts, params = [], []
    for g in groups:
        if g.bits is None:
            continue
        bits, bound = duckdb_sql(g.bits)
        parts.append(f"WHEN ? THEN ({bits})")
        params += [g.group_id, *bound]
    if not parts:
        return "CAST(NULL AS BIGINT)", []
    return f"CASE {key} {' '.join(parts)} END", params


def _reason_case(groups: list[_Group]) -> tuple[str, list[Any]]:
    """The why of a change in SQL (what `_why` says), the leaves' labels bound: per group a
    `concat_ws` of its leaves whose value changed (one side unknown: those true on it)."""
    parts: list[str] = []
    params: list[Any] = []
    for g in groups:
        if not g.leaves:
            continue
        pieces: list[str] = []
        labels: list[Any] = []
        for i, (path, leaf) in enumerate(g.leaves[:MAX_BITS]):
            was, now = f"((bits_before >> {i}) & 1)", f"((bits_after >> {i}) & 1)"
            pieces.append(
                "CASE WHEN bits_before IS NOT NULL AND bits_after IS NOT NULL THEN "
                f"(CASE WHEN {was} <> {now} THEN ? || CASE WHEN {was} = 1 "
                "THEN ': true→false' ELSE ': false→true' END END) "
                f"WHEN bits_after IS NOT NULL THEN (CASE WHEN {now} = 1 THEN ? || ': true' END) "
                f"WHEN bits_before IS NOT NULL THEN "
                f"(CASE WHEN {was} = 1 THEN ? || ': was true' END) "
                "END"
            )
            label = f"{path} {leaf_label(leaf)}"
            labels += [label, label, label]
        parts.append(f"WHEN ? THEN nullif(concat_ws('; ', {', '.join(pieces)}), '')")
        params += [g.group_id, *labels]
    if not parts:
        return "CAST(NULL AS VARCHAR)", []
    return f"CASE group_id {' '.join(parts)} END", params


def _in_groups(ids: list[int]) -> tuple[str, list[Any]]:
    """`group_id` among `ids`, with a range the Parquet reader prunes row groups by (the kept
    files are sorted by group)."""
    if not ids:
        return "false", []
    return (
        "(group_id BETWEEN ? AND ? AND group_id IN (SELECT unnest(?::BIGINT[])))",
        [min(ids), max(ids), ids],
    )


def _refresh_batch(
    duck: duckdb.DuckDBPyConnection,
    connection: sa.Connection,
    snapshot: Snapshot,
    path: str | None,
    batch: list[_Group],
    previous: str,
    out: tuple[Path, Path],
) -> None:
    """One batch of groups: its members as of T (sorted by group and customer) to `out[0]`, its
    changes with why to `out[1]`; DuckDB streams both (memory bounded by the batch)."""
    evaluated = [g for g in batch if g.where is not None]
    skipped = [g.group_id for g in batch if g.where is None]
    live = [g.group_id for g in evaluated]
    members_file, changes_file = out
    if path is not None and evaluated:
        parts, params = [], []
        for g in evaluated:
            assert g.where is not None and g.bits is not None
            cond, p1 = duckdb_sql(g.where)
            bits, p2 = duckdb_sql(g.bits)
            parts.append(f"CASE WHEN {cond} THEN {bits} END AS g{g.group_id}")
            params += p1 + p2
        now = (
            f"SELECT CAST(substr(grp, 2) AS BIGINT) AS group_id, customer_id, "
            "CAST(bits AS BIGINT) AS bits FROM (UNPIVOT (SELECT customer_id, "
            f"{', '.join(parts)} FROM {parquet_source(path)}) "
            "ON COLUMNS(* EXCLUDE (customer_id)) INTO NAME grp VALUE bits)"
        )
    else:
        duck.register("store_now", _members_store(connection, snapshot, evaluated))
        now, params = "SELECT group_id, customer_id, bits FROM store_now", []
    carried, p_carried = _in_groups(skipped)
    duck.execute(
        f"COPY (SELECT * FROM ({now}) UNION ALL "
        f"SELECT group_id, customer_id, bits FROM ({previous}) WHERE {carried} "
        f"ORDER BY group_id, customer_id) TO {literal(str(members_file))} (FORMAT parquet)",
        [*params, *p_carried],
    )
    these, p_these = _in_groups(live)
    changed = (
        "SELECT coalesce(n.group_id, b.group_id) AS group_id, "
        "coalesce(n.customer_id, b.customer_id) AS customer_id, "
        "CASE WHEN b.customer_id IS NULL THEN 'entered' ELSE 'left' END AS change, "
        "b.bits AS bits_before, n.bits AS bits_after "
        f"FROM (SELECT * FROM read_parquet({literal(str(members_file))}) "
        f"WHERE {these}) n "
        f"FULL JOIN (SELECT * FROM ({previous}) WHERE {these}) b "
        "ON n.group_id = b.group_id AND n.customer_id = b.customer_id "
        "WHERE n.customer_id IS NULL OR b.customer_id IS NULL"
    )
    duck.execute(f"CREATE OR REPLACE TEMP TABLE changed AS {changed}", [*p_these, *p_these])
    # those who left: their leaf values on T (non-members are not in the members file)
    by_id = {g.group_id: g for g in evaluated}
    if path is not None:
        case, bound = _bits_case(evaluated, "__g")
        duck.execute(
            "CREATE OR REPLACE TEMP TABLE after_ AS SELECT __g AS group_id, customer_id, "
            f"{case} AS bits FROM (SELECT s.*, l.group_id AS __g FROM "
            f"{parquet_source(path)} s JOIN (SELECT group_id, customer_id AS __c FROM changed "
            "WHERE change = 'left') l ON s.customer_id = l.__c)",
            bound,
        )
    else:
        wanted = duck.sql(
            "SELECT group_id, customer_id FROM changed WHERE change = 'left'"
        ).to_arrow_table()
        duck.register("after_", _bits_store(connection, snapshot, by_id, wanted))
    reason, bound = _reason_case(evaluated)
    duck.execute(
        f"COPY (SELECT group_id, customer_id, change, bits_before, bits_after, {reason} AS reason "
        "FROM (SELECT c.group_id, c.customer_id, c.change, c.bits_before, "
        "coalesce(c.bits_after, a.bits) AS bits_after FROM changed c LEFT JOIN after_ a "
        "ON c.change = 'left' AND a.group_id = c.group_id AND a.customer_id = c.customer_id) "
        f"ORDER BY group_id, customer_id) TO {literal(str(changes_file))} (FORMAT parquet)",
        bound,
    )


def refresh_group_members(db: sa.Engine, settings: Settings) -> int:
    """Every dynamic group's members as of the served date and their changes since the
    previous refresh (module doc). Returns how many groups were refreshed.

    Bounded memory: groups go in batches of `BATCH`, each one DuckDB scan of the served file
    whose members and changes are streamed to scratch files (spilling past
    `settings.duckdb_memory`); the batches' files, each sorted, are concatenated in group order
    into the two kept files. No member list is held in Python (the store reader, for homes
    without a columnar copy, reads one batch's members)."""
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        day = snapshot.as_of_date
        path = columnar.columnar_file(snapshot)
        groups = _compiled_groups(connection, snapshot, settings, path is not None)
        connection.commit()
        previous = _previous_sql(settings, day)
        target = group_members_path(settings)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".refresh-", dir=target.parent) as tmp:
            scratch = Path(tmp)
            duck = _refresh_connection(settings, scratch)
            try:
                outs = []
                for k, start in enumerate(range(0, len(groups), BATCH)):
                    out = (
                        scratch / f"members-{k:05d}.parquet",
                        scratch / f"changes-{k:05d}.parquet",
                    )
                    _refresh_batch(
                        duck,
                        connection,
                        snapshot,
                        path,
                        groups[start : start + BATCH],
                        previous,
                        out,
                    )
                    outs.append(out)
                _concatenate(duck, [m for m, _ in outs], target, day, MEMBERS_SCHEMA)
                _concatenate(
                    duck,
                    [c for _, c in outs],
                    group_changes_path(settings, day),
                    day,
                    CHANGES_SCHEMA,
                )
            finally:
                duck.close()
    return sum(1 for g in groups if g.where is not None)


def _concatenate(
    duck: duckdb.DuckDBPyConnection,
    parts: list[Path],
    target: Path,
    day: dt.date,
    schema: pa.Schema,
) -> None:
    """The batches' files in order, with the date, written atomically to `target`."""
    with atomic_file(target) as scratch:
        if not parts:
            pq.write_table(schema.empty_table(), scratch, compression="zstd")
            return
        cols = ", ".join(
            "CAST(? AS DATE) AS as_of_date" if n == "as_of_date" else ident(n) for n in schema.names
        )
        files = "[" + ", ".join(literal(str(p)) for p in parts) + "]"
        duck.execute(
            f"COPY (SELECT {cols} FROM read_parquet({files})) TO {literal(str(scratch))} "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)",
            [day],
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

"""The membership refresh of customer groups after each publish (issue 25).

`refresh_group_members` stores every dynamic group's members as of the served date T, each
within its owner's scope, as `groups/members.parquet` (replaced) and T's differences from the
previous refresh as `groups/changes/<T>.parquet` (entered / left, and why: which leaf
conditions changed value). Re-running T replaces T's changes (the previous membership is
rebuilt from them first).

How: the distinct leaves of all groups and the distinct scopes of their owners are evaluated
once, in one pass over the served profile, into a table of bits per customer (`group_bits`);
each group is then a few bit tests over that table, many groups per DuckDB statement. Memory
stays bounded: one private DuckDB (capped at `duckdb_memory`, spilling to the home's spill
folder) streams each batch's members and changes, sorted, to scratch Parquet files,
concatenated in group order into the kept files. No member list is held in Python.
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

from brokerlens.access import columnar
from brokerlens.access.condition_tree import (
    STATIC,
    AlertLeaf,
    InGroupLeaf,
    Leaf,
    NoContactLeaf,
    StaffLeaf,
    TeamLeaf,
    TreeContext,
    leaves,
    parse_nodes,
)
from brokerlens.access.conditions import CustomerQuery, check_personal, personal_uses
from brokerlens.access.group_bits import LeafPlan
from brokerlens.access.segments import _owner
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.atomic import atomic_file
from brokerlens.config import Settings
from brokerlens.engine.sqltext import ident, literal
from brokerlens.errors import Forbidden, InvalidRequest
from brokerlens.store.schema import segments, users
from brokerlens.warehouse.served import (
    group_changes_path,
    group_members_path,
    kept_file,
    parquet_source,
)

log = logging.getLogger(__name__)

MAX_BITS = 62  # leaves past the 62nd carry no why
BATCH = 250  # groups evaluated per DuckDB statement over the leaves' bits
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


def _load_labels(duck: duckdb.DuckDBPyConnection, groups: list[_Group]) -> None:
    """Table `leaf_labels` (group_id, i, label): each group's leaf i in words (data, not SQL)."""
    ids: list[int] = []
    places: list[int] = []
    labels: list[str] = []
    for g in groups:
        for i, (path, leaf) in enumerate(g.leaves[:MAX_BITS]):
            ids.append(g.group_id)
            places.append(i)
            labels.append(f"{path} {leaf_label(leaf)}")
    table = pa.table(
        {
            "group_id": pa.array(ids, pa.int64()),
            "i": pa.array(places, pa.int64()),
            "label": pa.array(labels, pa.string()),
        }
    )
    duck.register("labels_", table)
    duck.execute("CREATE OR REPLACE TEMP TABLE leaf_labels AS SELECT * FROM labels_")
    duck.unregister("labels_")


# The why of one leaf i of a change (what changed; one side unknown: the leaves true on it).
_PIECE = (
    "CASE WHEN bits_before IS NOT NULL AND bits_after IS NOT NULL THEN "
    "(CASE WHEN ((bits_before >> l.i) & 1) <> ((bits_after >> l.i) & 1) THEN l.label || "
    "CASE WHEN ((bits_before >> l.i) & 1) = 1 THEN ': true→false' ELSE ': false→true' END END) "
    "WHEN bits_after IS NOT NULL THEN "
    "(CASE WHEN ((bits_after >> l.i) & 1) = 1 THEN l.label || ': true' END) "
    "WHEN bits_before IS NOT NULL THEN "
    "(CASE WHEN ((bits_before >> l.i) & 1) = 1 THEN l.label || ': was true' END) END"
)


def _in_groups(ids: list[int]) -> tuple[str, list[Any]]:
    """`group_id` among `ids`, with a range the Parquet reader prunes row groups by (the kept
    files are sorted by group)."""
    if not ids:
        return "false", []
    return (
        "(group_id BETWEEN ? AND ? AND group_id IN (SELECT unnest(?::BIGINT[])))",
        [min(ids), max(ids), ids],
    )


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


@dataclass
class _Group:
    group_id: int
    leaves: list[tuple[str, Leaf]]
    member: str | None  # SQL over `leafbits`: a member on T; None: skipped, members carried
    bits: str | None  # SQL over `leafbits`: the group's leaf bits (the why)


def _stored(connection: sa.Connection) -> list[Any]:
    return list(
        connection.execute(
            sa.select(
                segments.c.segment_id,
                segments.c.kind,
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
    )


def _bits_sql(found: list[Any]) -> str:
    terms = [f"({e.bit()} << {i})" for i, e in enumerate(found[:MAX_BITS])]
    return "(" + " | ".join(terms) + ")" if terms else "0::BIGINT"


def _compiled_groups(
    connection: sa.Connection, plan: LeafPlan, rows: list[Any], snapshot: Any
) -> list[_Group]:
    """Every dynamic group as SQL over the leaves' bits (static groups have no conditions to
    refresh). A group whose conditions no longer fit (a column gone, a cycle, the owner lost
    `reveal_pii`) is skipped: its members are carried."""
    out = []
    for row in rows:
        if (row.kind or "dynamic") == STATIC:
            continue
        gid = int(row.segment_id)
        try:
            nodes = parse_nodes(row.conditions or [])
            owner = _owner(row)
            uses = personal_uses(snapshot, CustomerQuery(conditions=nodes), searching_personal=True)
            check_personal(connection, owner, uses, "segment_refresh")
            seen = frozenset({gid})
            member = f"{plan.scope(owner).true()} AND {plan.tree(nodes, 'conditions', seen).true()}"
            found = leaves(nodes)
            bits = _bits_sql([plan.node(leaf, path, seen) for path, leaf in found[:MAX_BITS]])
            out.append(_Group(gid, found, member, bits))
        except (InvalidRequest, Forbidden, ValueError) as exc:
            log.warning("group %s: membership not refreshed (%s)", gid, exc)
            out.append(_Group(gid, [], None, None))
    return out


def _refresh_batch(
    duck: duckdb.DuckDBPyConnection, batch: list[_Group], previous: str, out: tuple[Path, Path]
) -> None:
    """One batch of groups: its members as of T (sorted by group and customer) to `out[0]`, its
    changes with why to `out[1]`; DuckDB streams both (memory bounded by the batch)."""
    evaluated = [g for g in batch if g.member is not None]
    skipped = [g.group_id for g in batch if g.member is None]
    live = [g.group_id for g in evaluated]
    members_file, changes_file = out
    # group ids are ours (integers), the rest masks and shifts: nothing of a user's in the SQL
    now = " UNION ALL ".join(
        f"SELECT {int(g.group_id)}::BIGINT AS group_id, customer_id, {g.bits} AS bits "
        f"FROM leafbits WHERE {g.member}"
        for g in evaluated
    )
    if not now:
        now = (
            "SELECT 0::BIGINT AS group_id, ''::VARCHAR AS customer_id, 0::BIGINT AS bits "
            "WHERE false"
        )
    carried, p_carried = _in_groups(skipped)
    duck.execute(
        f"COPY (SELECT * FROM ({now}) UNION ALL "
        f"SELECT group_id, customer_id, bits FROM ({previous}) WHERE {carried} "
        f"ORDER BY group_id, customer_id) TO {literal(str(members_file))} (FORMAT parquet)",
        p_carried,
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
    cases = " ".join(f"WHEN {int(g.group_id)} THEN {g.bits}" for g in evaluated)
    after = f"CASE l.group_id {cases} END" if cases else "CAST(NULL AS BIGINT)"
    duck.execute(
        "CREATE OR REPLACE TEMP TABLE after_ AS SELECT l.group_id, l.customer_id, "
        f"{after} AS bits FROM (SELECT group_id, customer_id FROM changed "
        "WHERE change = 'left') l JOIN leafbits ON leafbits.customer_id = l.customer_id"
    )
    duck.execute(
        "COPY (SELECT c.group_id, c.customer_id, any_value(c.change) AS change, "
        "any_value(c.bits_before) AS bits_before, any_value(c.bits_after) AS bits_after, "
        f"nullif(string_agg({_PIECE}, '; ' ORDER BY l.i), '') AS reason "
        "FROM (SELECT c.group_id, c.customer_id, c.change, c.bits_before, "
        "coalesce(c.bits_after, a.bits) AS bits_after FROM changed c LEFT JOIN after_ a "
        "ON c.change = 'left' AND a.group_id = c.group_id AND a.customer_id = c.customer_id) c "
        "LEFT JOIN leaf_labels l ON l.group_id = c.group_id "
        "GROUP BY c.group_id, c.customer_id "
        f"ORDER BY c.group_id, c.customer_id) TO {literal(str(changes_file))} (FORMAT parquet)"
    )


def refresh_group_members(db: sa.Engine, settings: Settings) -> int:
    """Every dynamic group's members as of the served date and their changes since the
    previous refresh (module doc). Returns how many groups were refreshed.

    The leaves and scopes of all groups are evaluated once into `leafbits` (`group_bits`);
    groups go in batches of `BATCH`, each one DuckDB statement over it whose members and
    changes are streamed to scratch files (spilling past `settings.duckdb_memory`); the
    batches' files, each sorted, are concatenated in group order into the two kept files."""
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        day = snapshot.as_of_date
        path = columnar.columnar_file(snapshot)
        rows = _stored(connection)
        context = TreeContext(
            snapshot, connection, day, columnar=path is not None, settings=settings
        )
        plan = LeafPlan(
            context, {int(r.segment_id): (r.kind or "dynamic", r.conditions) for r in rows}
        )
        groups = _compiled_groups(connection, plan, rows, snapshot)
        connection.commit()  # the personal fields' audit
        previous = _previous_sql(settings, day)
        target = group_members_path(settings)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".refresh-", dir=target.parent) as tmp:
            scratch = Path(tmp)
            duck = _refresh_connection(settings, scratch)
            try:
                plan.build(duck, path)
                _load_labels(duck, groups)
                connection.commit()
                outs = []
                for k, start in enumerate(range(0, len(groups), BATCH)):
                    out = (
                        scratch / f"members-{k:05d}.parquet",
                        scratch / f"changes-{k:05d}.parquet",
                    )
                    _refresh_batch(duck, groups[start : start + BATCH], previous, out)
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
    return sum(1 for g in groups if g.member is not None)

"""The membership refresh of customer groups after each publish (issue 25).

`refresh_group_members` keeps every dynamic group's members as of the served date T, each
within its owner's scope, as a state folder `groups/state/<T>/` (the newest two kept), and T's
differences from the previous refresh as `groups/changes/<T>.parquet`: who entered or left and
why (which leaf conditions changed value). Re-running T starts again from the state before T.

How, at millions of customers and a thousand groups: the distinct leaves of all groups and the
distinct scopes of their owners are evaluated once, in one DuckDB pass over the served profile,
into bit words per customer (`group_bits`), sorted by customer: `customers.parquet` of the
state (its row number is the customer's ordinal). Each group is then a few mask tests over
those words in numpy, its members a sorted array of ordinals (`members.parquet`: group_id,
as_of_date, ordinal). The previous state's ordinals are mapped onto today's once; entered and
left are an XOR per group; the why is computed for the changed customers only, from the two
days' words, once per distinct (before, after) pair. One group at a time is in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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
from brokerlens.access.group_bits import Columns, Expr, LeafPlan, UnknownLeaf, tree_bits
from brokerlens.access.segments import _owner
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.atomic import atomic_dir, atomic_file, remove_stale_scratch, scratch_dir
from brokerlens.config import Settings
from brokerlens.engine.sqltext import literal
from brokerlens.errors import Forbidden, InvalidRequest
from brokerlens.store.schema import segments, users
from brokerlens.warehouse.served import group_changes_path, group_state_dates, group_state_path

log = logging.getLogger(__name__)

MAX_BITS = 62  # leaves past the 62nd carry no why
META = b"brokerlens.groups"  # the state's plan: leaf keys, groups refreshed
MEMBERS_SCHEMA = pa.schema(
    [("group_id", pa.int64()), ("as_of_date", pa.date32()), ("ordinal", pa.int32())]
)
_TEXT = pa.dictionary(pa.int32(), pa.string())  # few distinct values: written as a dictionary
CHANGES_SCHEMA = pa.schema(
    [
        ("group_id", pa.int64()),
        ("as_of_date", pa.date32()),
        ("customer_id", pa.string()),
        ("change", _TEXT),
        ("bits_before", pa.int64()),
        ("bits_after", pa.int64()),
        ("reason", _TEXT),
    ]
)
_CHANGES = pa.array(["entered", "left"])


# --- membership refresh ---------------------------------------------------------------------------


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
    """A private DuckDB for one refresh's leaf pass: memory capped (it spills past the cap)."""
    duck = duckdb.connect(":memory:")
    duck.execute(f"SET memory_limit = {literal(settings.duckdb_memory)}")
    duck.execute(f"SET temp_directory = {literal(str(scratch / 'spill'))}")
    duck.execute("SET enable_progress_bar = false")
    return duck


@dataclass
class _Group:
    group_id: int
    leaves: list[tuple[str, Leaf]]
    member: Expr | None  # a member on T; None: skipped, members carried
    bits: list[Expr] = field(default_factory=list)  # leaf i true: bit i (the why)
    tree: str | None = None  # the stored conditions (a change of them: no before bits)


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


def _compiled_groups(
    connection: sa.Connection, plan: LeafPlan, rows: list[Any], snapshot: Any
) -> list[_Group]:
    """Every dynamic group as a tree over the leaves' bits (static groups have no conditions to
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
            scope = plan.scope(owner)
            tree = plan.tree(nodes, "conditions", seen)
            found = leaves(nodes)
            bits = [plan.node(leaf, path, seen) for path, leaf in found[:MAX_BITS]]
            for e in [scope, tree, *bits]:
                plan.false_needed.update(e.under_not())
            member = _And2(scope, tree)
            key = json.dumps(row.conditions or [], sort_keys=True, default=str)
            out.append(_Group(gid, found, member, bits, key))
        except (InvalidRequest, Forbidden, ValueError) as exc:
            log.warning("group %s: membership not refreshed (%s)", gid, exc)
            out.append(_Group(gid, [], None))
    return out


class _And2(Expr):
    """The owner's scope and the group's tree."""

    def __init__(self, scope: Expr, tree: Expr) -> None:
        self.scope, self.tree = scope, tree

    def mask(self, cols: Columns) -> np.ndarray:
        return self.scope.mask(cols) & self.tree.mask(cols)


# --- the two days' states ------------------------------------------------------------------------


class _State:
    """A kept refresh: its customers' leaf words and each group's member ordinals."""

    def __init__(self, folder: Path) -> None:
        table = pq.read_table(folder / "customers.parquet")
        meta = json.loads((table.schema.metadata or {})[META])
        self.as_of = dt.date.fromisoformat(meta["as_of"])
        self.profile: list[str] = meta["profile"]
        self.ids: list[str] = meta["ids"]
        self.false: set[int] = set(meta["false"])
        self.groups: dict[int, str | None] = {int(k): v for k, v in meta["groups"].items()}
        self.customers = table.column("customer_id").combine_chunks()
        self.words = {
            n: table.column(n).to_numpy()
            for n in table.column_names
            if n[0] in "pfi" and n[1:].isdigit()
        }
        self.file = pq.ParquetFile(folder / "members.parquet")
        self.row_groups: dict[int, list[int]] = {}
        meta_ = self.file.metadata
        gcol = self.file.schema_arrow.get_field_index("group_id")
        for r in range(meta_.num_row_groups):
            stats = meta_.row_group(r).column(gcol).statistics
            if stats is None or not stats.has_min_max:
                for g in self.groups:
                    self.row_groups.setdefault(g, []).append(r)
                continue
            for g in range(int(stats.min), int(stats.max) + 1):
                if g in self.groups:
                    self.row_groups.setdefault(g, []).append(r)

    def members(self, group_id: int) -> np.ndarray | None:
        """The group's member ordinals on that date (None: the group was not refreshed)."""
        if group_id not in self.groups:
            return None
        parts = []
        for r in self.row_groups.get(group_id, []):
            chunk = self.file.read_row_group(r, columns=["group_id", "ordinal"])
            ords = chunk.column("ordinal").to_numpy()
            mine = chunk.column("group_id").to_numpy() == group_id
            parts.append(ords if mine.all() else ords[mine])
        if not parts:
            return np.zeros(0, np.int32)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def columns(self, profile: list[str], ids: list[str]) -> Columns:
        """Its words, read through the current plan's leaf numbers (matched by key)."""
        p_at = {key: k for k, key in enumerate(self.profile) if key}
        i_at = {key: k for k, key in enumerate(self.ids) if key}
        p = {k: p_at[key] for k, key in enumerate(profile) if key in p_at}
        keys = {
            "p": p,
            "f": {k: own for k, own in p.items() if own in self.false},
            "i": {k: i_at[key] for k, key in enumerate(ids) if key in i_at},
        }
        return Columns(self.words, len(self.customers), keys)


def _previous(settings: Settings, day: dt.date) -> _State | None:
    """The state the refresh of T starts from: the newest before T (a re-run of T too)."""
    dates = group_state_dates(settings)
    if dates and dates[-1] > day:
        raise InvalidRequest(
            f"groups: membership is refreshed up to {dates[-1]}; {day} is earlier",
            hint="membership is refreshed for the served date after each publish, in date order",
        )
    before = [d for d in dates if d < day]
    return _State(group_state_path(settings, before[-1])) if before else None


def _prune(settings: Settings, day: dt.date) -> None:
    """Keep the state of T and the one before it (a re-run of T starts from that); remove the
    scratch a killed refresh left (an hour old: no refresh runs that long)."""
    dates = [d for d in group_state_dates(settings) if d < day]
    for old in dates[:-1]:
        shutil.rmtree(group_state_path(settings, old), ignore_errors=True)
    for folder in (
        group_state_path(settings, day).parent,
        group_changes_path(settings, day).parent,
    ):
        remove_stale_scratch(folder)


# --- the why -------------------------------------------------------------------------------------


def _why(labels: list[str], before: int | None, after: int | None) -> str | None:
    """Which leaves changed value (both days known), else the leaves true on the known day."""
    parts = []
    for i, label in enumerate(labels):
        now = None if after is None else bool(after >> i & 1)
        was = None if before is None else bool(before >> i & 1)
        if now is not None and was is not None:
            if now != was:
                parts.append(f"{label}: {'true' if was else 'false'}→{'true' if now else 'false'}")
        elif now:
            parts.append(f"{label}: true")
        elif was:
            parts.append(f"{label}: was true")
    return "; ".join(parts) or None


def _reasons(labels: list[str], before: pa.Array, after: pa.Array) -> pa.DictionaryArray:
    """The why of each change, computed once per distinct (before, after) pair."""
    b = pc.fill_null(before, -1).to_numpy()
    a = pc.fill_null(after, -1).to_numpy()
    top = max(int(b.max()), int(a.max())) + 2 if len(b) else 0
    if len(b) and top * top <= 1 << 22:  # few leaves: pairs found by a lookup table, O(n)
        code = (b + 1) * top + (a + 1)
        present = np.zeros(top * top, bool)
        present[code] = True
        uniq = np.flatnonzero(present)
        lookup = np.zeros(top * top, np.int64)
        lookup[uniq] = np.arange(len(uniq))
        inverse = lookup[code]
        pairs = [(int(u // top) - 1, int(u % top) - 1) for u in uniq]
    elif len(b) and top < 2**31:
        code = ((b + 1) << 32) | (a + 1)
        uniq, inverse = np.unique(code, return_inverse=True)
        pairs = [(int(u >> 32) - 1, int(u & 0xFFFFFFFF) - 1) for u in uniq]
    else:
        stacked = np.stack([b, a], axis=1) if len(b) else np.zeros((0, 2), np.int64)
        both, inverse = np.unique(stacked, axis=0, return_inverse=True)
        pairs = [(int(x), int(y)) for x, y in both]
    words = [_why(labels, x if x >= 0 else None, y if y >= 0 else None) for x, y in pairs]
    texts = sorted({w for w in words if w is not None})
    at = {w: i for i, w in enumerate(texts)}
    index = np.array([at.get(w, -1) if w is not None else -1 for w in words], np.int32)
    codes = index[inverse.reshape(-1)] if len(index) else np.zeros(0, np.int32)
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, mask=codes < 0), pa.array(texts, pa.string())
    )


def _dates(day: dt.date, n: int) -> pa.Array:
    return pa.array(np.full(n, (day - dt.date(1970, 1, 1)).days, np.int32)).cast(pa.date32())


# --- the refresh ---------------------------------------------------------------------------------


@dataclass
class _Today:
    day: dt.date
    customers: pa.Array  # sorted: a customer's ordinal is its place here
    cols: Columns
    before: _State | None
    prev_cols: Columns | None
    to_today: np.ndarray | None  # a previous ordinal -> today's (-1: not served today)
    to_prev: np.ndarray | None  # today's ordinal -> the previous one (-1: new today)


def _index(values: pa.Array, among: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.index_in(values, value_set=among), -1).to_numpy().astype(np.int64)


def _changes(
    t: _Today, g: _Group, changed: np.ndarray, is_entered: np.ndarray, gone: np.ndarray
) -> pa.Table | None:
    """The group's changes on T with why: `changed` today's ordinals (sorted) who entered
    (`is_entered`) or left, `gone` previous ordinals of customers no longer served."""
    if not len(changed) and not len(gone):
        return None
    labels = [f"{path} {leaf_label(leaf)}" for path, leaf in g.leaves[:MAX_BITS]]
    after = tree_bits(g.bits, t.cols.take(changed)) if g.member is not None else None
    before = np.full(len(changed), -1, np.int64)
    gone_before = np.full(len(gone), -1, np.int64)
    known = (
        t.before is not None
        and t.prev_cols is not None
        and t.before.groups.get(g.group_id) == g.tree
    )
    if known and g.member is not None:
        assert t.to_prev is not None and t.prev_cols is not None
        try:
            rows = t.to_prev[changed]
            had = rows >= 0
            before[had] = tree_bits(g.bits, t.prev_cols.take(rows[had]))
            gone_before = tree_bits(g.bits, t.prev_cols.take(gone))
        except UnknownLeaf:
            before[:] = -1
            gone_before[:] = -1
    ids = (
        pa.concat_arrays(
            [t.customers.take(pa.array(changed)), t.before.customers.take(pa.array(gone))]
        )
        if len(gone) and t.before is not None
        else t.customers.take(pa.array(changed))
    )
    change = np.concatenate([np.where(is_entered, 0, 1), np.ones(len(gone), np.int64)]).astype(
        np.int32
    )
    b = np.concatenate([before, gone_before])
    a = np.concatenate(
        [
            after if after is not None else np.full(len(changed), -1, np.int64),
            np.full(len(gone), -1, np.int64),
        ]
    )
    bits_before = pa.array(b, mask=b < 0)
    bits_after = pa.array(a, mask=a < 0)
    n = len(b)
    table = pa.table(
        [
            pa.array(np.full(n, g.group_id, np.int64)),
            _dates(t.day, n),
            ids,
            pa.DictionaryArray.from_arrays(pa.array(change), _CHANGES),
            bits_before,
            bits_after,
            _reasons(labels, bits_before, bits_after),
        ],
        schema=CHANGES_SCHEMA,
    )
    if len(gone):
        table = table.take(pc.sort_indices(table, [("customer_id", "ascending")]))
    return table


def _group(t: _Today, g: _Group) -> tuple[np.ndarray, pa.Table | None]:
    """One group on T: its member ordinals and its changes."""
    old = t.before.members(g.group_id) if t.before is not None else None
    none = np.zeros(0, np.int64)
    gone = none
    if old is not None:
        assert t.to_today is not None
        mapped = t.to_today[old]
        gone = old[mapped < 0].astype(np.int64)
        old_today = mapped[mapped >= 0]
    if g.member is None:  # skipped: carried (less those no longer served)
        if old is None:
            return np.zeros(0, np.int32), None
        return old_today.astype(np.int32), _changes(t, g, none, np.zeros(0, bool), gone)
    now = g.member.mask(t.cols)
    members = np.flatnonzero(now)
    if old is None:  # the group's first refresh: every member entered
        return members.astype(np.int32), _changes(t, g, members, np.ones(len(members), bool), gone)
    was = np.zeros(t.cols.n, bool)
    was[old_today] = True
    changed = np.flatnonzero(now ^ was)
    return members.astype(np.int32), _changes(t, g, changed, now[changed], gone)


def _leafbits(
    settings: Settings, plan: LeafPlan, path: str | None, scratch: Path, connection: sa.Connection
) -> pa.Table:
    """Every served customer's leaf words, sorted by customer (one DuckDB pass)."""
    duck = _refresh_connection(settings, scratch)
    try:
        plan.build(duck, path)
        connection.commit()
        return duck.sql("SELECT * FROM leafbits ORDER BY customer_id").to_arrow_table()
    finally:
        duck.close()


def refresh_group_members(
    db: sa.Engine, settings: Settings, counts: dict[int, int] | None = None
) -> int:
    """Every dynamic group's members as of the served date and their changes since the
    previous refresh (module doc). Returns how many groups were refreshed; `counts` receives
    each refreshed group's member count."""
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
        before = _previous(settings, day)
        target = group_state_path(settings, day)
        target.parent.mkdir(parents=True, exist_ok=True)
        with scratch_dir(target.parent) as tmp:
            table = _leafbits(settings, plan, path, tmp, connection)
    customers = table.column("customer_id").combine_chunks()
    words = {n: table.column(n).to_numpy() for n in table.column_names if n != "customer_id"}
    profile, ids = plan.leaf_keys()
    t = _Today(day, customers, Columns(words, len(customers)), before, None, None, None)
    if before is not None:
        t.prev_cols = before.columns(profile, ids)
        t.to_today = _index(before.customers, customers)
        t.to_prev = _index(customers, before.customers)
    meta = {
        "as_of": day.isoformat(),
        "profile": profile,
        "ids": ids,
        "false": sorted(plan.false_needed),
        "groups": {str(g.group_id): g.tree for g in groups},
    }
    with (
        atomic_file(group_changes_path(settings, day)) as changes_file,
        atomic_dir(target) as folder,
    ):
        kept = table.append_column("ordinal", pa.array(np.arange(len(customers), dtype=np.int32)))
        kept = kept.replace_schema_metadata({META: json.dumps(meta).encode()})
        pq.write_table(kept, folder / "customers.parquet", compression="zstd")
        with (
            pq.ParquetWriter(
                folder / "members.parquet",
                MEMBERS_SCHEMA,
                compression="zstd",
                use_dictionary=["group_id", "as_of_date"],
                column_encoding={"ordinal": "DELTA_BINARY_PACKED"},
            ) as members_out,
            pq.ParquetWriter(changes_file, CHANGES_SCHEMA, compression="zstd") as changes_out,
        ):
            for g in groups:
                ords, changed = _group(t, g)
                if counts is not None and g.member is not None:
                    counts[g.group_id] = len(ords)
                if len(ords):
                    members_out.write_table(
                        pa.table(
                            [
                                pa.array(np.full(len(ords), g.group_id, np.int64)),
                                _dates(day, len(ords)),
                                pa.array(ords),
                            ],
                            schema=MEMBERS_SCHEMA,
                        )
                    )
                if changed is not None:
                    changes_out.write_table(changed)
    _prune(settings, day)
    return sum(1 for g in groups if g.member is not None)

"""Every dynamic group's leaves evaluated once per refresh, as bits (issue 25).

The membership refresh (`group_refresh`) does not evaluate each group's tree over the profile.
It collects the distinct leaves of all groups (a profile condition by field, op and value; an
alert leaf by its ids and days; served_by a team or a staff member; no_contact by its days; a
static group's members for `in_group` of a static group) and the distinct scopes of their
owners, and evaluates each once:

- a profile leaf, or a manager's branch / region scope, is compiled by the one leaf compiler
  (`condition_tree.leaf_clause`, values bound) and rendered for DuckDB (`render`);
- a leaf that names customers kept in the store (alerts, relationships, service records, a
  static group's members; a broker's or team lead's scope) is read from the store once, as ids,
  into a DuckDB table: never bound inline per group.

One DuckDB pass over the served columnar copy (the store's profile table when there is none)
writes, per customer, each leaf's truth packed into BIGINT words of 63 bits (`p<w>`: profile
leaf true; `f<w>`: profile leaf false, for leaves under a NOT; `i<w>`: customer among an id set),
the table `leafbits`. A group's tree then becomes a boolean over bit tests (`Expr`, evaluated in
numpy by `group_refresh`), built from the tree's structure: integers and masks only, no user
text. SQL's three-valued logic is
kept: a profile leaf may be neither true nor false (a NULL value), so a NOT asks for its false
bit, as `NOT (x >= 1)` is not true for a NULL `x`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access.condition_tree import (
    STATIC,
    AllOf,
    AnyOf,
    Condition,
    InGroupLeaf,
    Node,
    NotOf,
    TreeContext,
    leaf_clause,
    leaf_customers,
    parse_nodes,
    static_members,
)
from brokerlens.access.render import duckdb_sql
from brokerlens.access.scope import scope_rule
from brokerlens.auth.principal import Principal
from brokerlens.errors import InvalidRequest
from brokerlens.warehouse.served import parquet_source

WORD = 63  # leaves per BIGINT word (the sign bit left alone)
_FETCH = 50_000  # store rows per fetch (a home without a columnar copy)
_CACHED = 192  # leaf truth arrays kept while groups are evaluated (3 MB each at 3M customers)


class UnknownLeaf(Exception):
    """A leaf a previous refresh did not evaluate (its bits then are unknown)."""


class Columns:
    """The leaves' bit words of some customers as numpy arrays (`p<w>`, `f<w>`, `i<w>`), read
    by a group's tree in Python: the membership refresh evaluates 1,000 groups over millions of
    customers this way, each leaf a mask test over a word (no SQL per group).

    `keys` maps, per family, a leaf number of the current plan to this table's own (the words
    of a previous refresh, whose plan numbered its leaves differently); a leaf it lacks is
    `UnknownLeaf`."""

    def __init__(
        self,
        words: dict[str, np.ndarray],
        n: int,
        keys: dict[str, dict[int, int]] | None = None,
    ) -> None:
        self.words, self.n, self.keys = words, n, keys
        self.rows: np.ndarray | None = None  # `take`: only these customers (gathered lazily)
        self._cache: dict[tuple[str, int], np.ndarray] = {}

    def _bit(self, family: str, k: int) -> np.ndarray:
        if self.keys is not None:
            own = self.keys[family].get(k)
            if own is None:
                raise UnknownLeaf(k)
            k = own
        cached = self._cache.get((family, k))
        if cached is not None:
            return cached
        word = self.words.get(f"{family}{k // WORD}")
        if word is None:
            raise UnknownLeaf(k)
        if self.rows is not None:
            word = word[self.rows]
        found = (word & np.int64(1 << (k % WORD))) != 0
        if len(self._cache) >= _CACHED:
            self._cache.pop(next(iter(self._cache)))
        self._cache[(family, k)] = found
        return found

    def profile(self, k: int, false: bool) -> np.ndarray:
        return self._bit("f" if false else "p", k)

    def ids(self, k: int) -> np.ndarray:
        return self._bit("i", k)

    def take(self, rows: np.ndarray) -> Columns:
        """The same leaves for the customers at `rows` only (a word is gathered when read)."""
        out = Columns(self.words, len(rows), self.keys)
        out.rows = rows if self.rows is None else self.rows[rows]
        return out


class Expr:
    """A node of a group's tree over the leaves' bits: where it is true, where false."""

    def mask(self, cols: Columns) -> np.ndarray:
        """Where it is true, over `cols` (numpy)."""
        raise NotImplementedError

    def fmask(self, cols: Columns) -> np.ndarray:
        """Where it is false (not NULL), over `cols`."""
        raise NotImplementedError

    def under_not(self) -> list[int]:
        """The profile leaves whose false bit the tree reads (those under a NOT)."""
        return []


class _Const(Expr):
    def __init__(self, value: bool) -> None:
        self.value = value

    def mask(self, cols: Columns) -> np.ndarray:
        return np.full(cols.n, self.value)

    def fmask(self, cols: Columns) -> np.ndarray:
        return np.full(cols.n, not self.value)


class _Profile(Expr):
    """Profile leaf k: true in `p<w>`, false (not NULL) in `f<w>`."""

    def __init__(self, k: int) -> None:
        self.k = k

    def mask(self, cols: Columns) -> np.ndarray:
        return cols.profile(self.k, False)

    def fmask(self, cols: Columns) -> np.ndarray:
        return cols.profile(self.k, True)


class _Ids(Expr):
    """Id set k: the customer is among them (`negated`: is not). Never NULL."""

    def __init__(self, k: int, negated: bool) -> None:
        self.k, self.negated = k, negated

    def mask(self, cols: Columns) -> np.ndarray:
        among = cols.ids(self.k)
        return ~among if self.negated else among

    def fmask(self, cols: Columns) -> np.ndarray:
        among = cols.ids(self.k)
        return among if self.negated else ~among


class _And(Expr):
    def __init__(self, items: list[Expr]) -> None:
        self.items = items

    def mask(self, cols: Columns) -> np.ndarray:
        return _fold(np.logical_and, [e.mask(cols) for e in self.items], cols.n, True)

    def fmask(self, cols: Columns) -> np.ndarray:
        return _fold(np.logical_or, [e.fmask(cols) for e in self.items], cols.n, False)

    def under_not(self) -> list[int]:
        return [k for e in self.items for k in e.under_not()]


class _Or(Expr):
    def __init__(self, items: list[Expr]) -> None:
        self.items = items

    def mask(self, cols: Columns) -> np.ndarray:
        return _fold(np.logical_or, [e.mask(cols) for e in self.items], cols.n, False)

    def fmask(self, cols: Columns) -> np.ndarray:
        return _fold(np.logical_and, [e.fmask(cols) for e in self.items], cols.n, True)

    def under_not(self) -> list[int]:
        return [k for e in self.items for k in e.under_not()]


class _Not(Expr):
    def __init__(self, item: Expr) -> None:
        self.item = item

    def mask(self, cols: Columns) -> np.ndarray:
        return self.item.fmask(cols)

    def fmask(self, cols: Columns) -> np.ndarray:
        return self.item.mask(cols)

    def under_not(self) -> list[int]:
        return _leaves_of(self.item)


def _leaves_of(expr: Expr) -> list[int]:
    """Every profile leaf under `expr` (a NOT over it reads their false bits)."""
    if isinstance(expr, _Profile):
        return [expr.k]
    if isinstance(expr, (_And, _Or)):
        return [k for e in expr.items for k in _leaves_of(e)]
    if isinstance(expr, _Not):
        return _leaves_of(expr.item)
    return []


def _fold(op: Any, masks: list[np.ndarray], n: int, empty: bool) -> np.ndarray:
    if not masks:
        return np.full(n, empty)
    out = masks[0].copy()
    for m in masks[1:]:
        op(out, m, out=out)
    return out


def tree_bits(exprs: list[Expr], cols: Columns) -> np.ndarray:
    """A group's leaf bits (leaf i true: bit i), per customer of `cols`, as int64."""
    out = np.zeros(cols.n, np.int64)
    for i, e in enumerate(exprs):
        out |= e.mask(cols).astype(np.int64) << np.int64(i)
    return out


def _key(leaf: Any) -> str:
    data = leaf.model_dump(mode="json", by_alias=True)
    if "alert" in data:
        data["alert"] = sorted(set(data["alert"]))
    return type(leaf).__name__ + json.dumps(data, sort_keys=True, default=str)


class LeafPlan:
    """The distinct leaves and scopes of the groups being refreshed, each given a bit."""

    def __init__(self, context: TreeContext, stored: dict[int, tuple[str, Any]]) -> None:
        self.context = context
        self.stored = stored  # every group: id -> (kind, stored conditions)
        self.profile: list[ColumnElement[bool]] = []
        self.false_needed: set[int] = set()
        self.id_sets: list[sa.Select[tuple[str]]] = []
        self._profile_keys: dict[Any, int | InvalidRequest] = {}
        self._id_keys: dict[Any, int] = {}
        self._groups: dict[int, Expr] = {}

    # --- leaves ---------------------------------------------------------------------------------

    def _profile_leaf(self, key: Any, make: Callable[[], ColumnElement[bool]]) -> Expr:
        found = self._profile_keys.get(key)
        if found is None:
            try:
                clause = make()
            except InvalidRequest as exc:
                found = exc
            else:
                found = len(self.profile)
                self.profile.append(clause)
            self._profile_keys[key] = found
        if isinstance(found, InvalidRequest):
            raise found
        return _Profile(found)

    def _id_set(self, key: Any, query: sa.Select[tuple[str]], negated: bool = False) -> Expr:
        k = self._id_keys.get(key)
        if k is None:
            k = self._id_keys[key] = len(self.id_sets)
            self.id_sets.append(query)
        return _Ids(k, negated)

    def scope(self, owner: Principal) -> Expr:
        """The owner's scope: true (all customers), false (none), a column test or an id set."""
        rule = scope_rule(owner, self.context.snapshot.table, self.context.day)
        if rule.served is not None:
            return self._id_set(("scope", *rule.key), rule.served)
        assert rule.clause is not None
        if isinstance(rule.clause, sa.sql.elements.True_):
            return _Const(True)
        if isinstance(rule.clause, sa.sql.elements.False_):
            return _Const(False)
        clause = rule.clause
        return self._profile_leaf(("scope", *rule.key), lambda: clause)

    def node(self, node: Node, path: str, seen: frozenset[int]) -> Expr:
        if isinstance(node, AllOf):
            return _And([self.node(n, f"{path}.all[{i}]", seen) for i, n in enumerate(node.all)])
        if isinstance(node, AnyOf):
            return _Or([self.node(n, f"{path}.any[{i}]", seen) for i, n in enumerate(node.any)])
        if isinstance(node, NotOf):
            return _Not(self.node(node.not_, f"{path}.not", seen))
        if isinstance(node, Condition):
            return self._profile_leaf(_key(node), lambda: leaf_clause(node, self.context, path))
        if isinstance(node, InGroupLeaf):
            return self._in_group(node.in_group, path, seen)
        found = leaf_customers(node, self.context.day)
        assert found is not None
        query, negated = found
        return self._id_set(_key(node), query, negated)

    def _in_group(self, group_id: int, path: str, seen: frozenset[int]) -> Expr:
        """Another group's conditions (a dynamic group: its tree; a static one: its members).
        A tree compiled once is reused: it reached no cycle, so it reaches none of `seen`."""
        if group_id in seen:
            raise InvalidRequest(f"{path}: group {group_id} refers back to itself (a cycle)")
        if group_id in self._groups:
            return self._groups[group_id]
        stored = self.stored.get(group_id)
        if stored is None:
            raise InvalidRequest(f"{path}: there is no group {group_id}")
        kind, conditions = stored
        if kind == STATIC:
            return self._id_set(("static", group_id), static_members(group_id))
        inner = parse_nodes(conditions or [])
        expr = self.tree(inner, f"{path}<group {group_id}>", seen | {group_id})
        self._groups[group_id] = expr
        return expr

    def tree(self, nodes: list[Node], where: str, seen: frozenset[int]) -> Expr:
        """The nodes ANDed (`condition_tree.tree_clause`)."""
        if not nodes:
            return _Const(True)
        return _And([self.node(n, f"{where}[{i}]", seen) for i, n in enumerate(nodes)])

    # --- the bits table -------------------------------------------------------------------------

    def _words(
        self, prefix: str, which: list[int]
    ) -> list[tuple[str, list[tuple[int, ColumnElement[bool]]]]]:
        """(column, [(leaf k, clause)]) per word of the profile leaves `which`."""
        words: dict[int, list[tuple[int, ColumnElement[bool]]]] = {}
        for k in which:
            clause = self.profile[k]
            if prefix == "f":
                clause = sa.not_(clause)
            words.setdefault(k // WORD, []).append((k % WORD, clause))
        return [(f"{prefix}{w}", words.get(w, [])) for w in range(self.words("p"))]

    def leaf_keys(self) -> tuple[list[str], list[str]]:
        """Each profile leaf's and id set's key in number order (a later refresh finds the same
        leaf in this refresh's words by it)."""
        profile = [""] * len(self.profile)
        for key, k in self._profile_keys.items():
            if isinstance(k, int):
                profile[k] = repr(key)
        ids = [""] * len(self.id_sets)
        for key, k in self._id_keys.items():
            ids[k] = repr(key)
        return profile, ids

    def words(self, family: str) -> int:
        size = len(self.id_sets) if family == "i" else len(self.profile)
        return max(1, -(-size // WORD))

    def _word_sql(self, terms: list[tuple[int, ColumnElement[bool]]]) -> tuple[str, list[Any]]:
        if not terms:
            return "0::BIGINT", []
        parts, params = [], []
        for shift, clause in terms:
            sql, bound = duckdb_sql(clause)
            parts.append(f"(CASE WHEN {sql} THEN {1 << shift}::BIGINT ELSE 0::BIGINT END)")
            params += bound
        return "(" + " | ".join(parts) + ")", params

    def _word_clause(self, terms: list[tuple[int, ColumnElement[bool]]]) -> ColumnElement[Any]:
        total: ColumnElement[Any] = sa.literal(0, sa.BigInteger())
        for shift, clause in terms:
            total = total + sa.case((clause, sa.literal(1 << shift, sa.BigInteger())), else_=0)
        return sa.cast(total, sa.BigInteger())

    def build(self, duck: duckdb.DuckDBPyConnection, columnar_path: str | None) -> None:
        """Table `leafbits` (customer_id, p<w>, f<w>, i<w>): every served customer's leaves."""
        words = self._words("p", list(range(len(self.profile))))
        words += self._words("f", sorted(self.false_needed))
        if columnar_path is not None:
            parts, params = [], []
            for name, terms in words:
                sql, bound = self._word_sql(terms)
                parts.append(f"{sql} AS {name}")
                params += bound
            duck.execute(
                f"CREATE OR REPLACE TEMP TABLE profile_bits AS SELECT customer_id, "
                f"{', '.join(parts)} FROM {parquet_source(columnar_path)}",
                params,
            )
        else:
            self._store_profile_bits(duck, words)
        self._load_id_sets(duck)
        ids = ", ".join(
            f"bit_or(CASE WHEN n // {WORD} = {w} THEN 1::BIGINT << (n % {WORD}) "
            f"ELSE 0::BIGINT END) AS i{w}"
            for w in range(self.words("i"))
        )
        coalesced = ", ".join(
            f"coalesce(s.i{w}, 0::BIGINT) AS i{w}" for w in range(self.words("i"))
        )
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE leafbits AS SELECT b.*, {coalesced} "
            "FROM profile_bits b LEFT JOIN "
            f"(SELECT customer_id, {ids} FROM id_sets GROUP BY customer_id) s "
            "ON s.customer_id = b.customer_id"
        )
        duck.execute("DROP TABLE profile_bits")
        duck.execute("DROP TABLE id_sets")

    def _store_profile_bits(
        self, duck: duckdb.DuckDBPyConnection, words: list[tuple[str, list[Any]]]
    ) -> None:
        """The profile words read from the store's profile table (no columnar copy)."""
        table = self.context.snapshot.table
        names = [n for n, _ in words]
        duck.execute(
            "CREATE OR REPLACE TEMP TABLE profile_bits (customer_id VARCHAR, "
            + ", ".join(f"{n} BIGINT" for n in names)
            + ")"
        )
        query = sa.select(table.c.customer_id, *(self._word_clause(t).label(n) for n, t in words))
        result = self.context.connection.execute(query)
        while chunk := result.fetchmany(_FETCH):
            columns = {"customer_id": pa.array([str(r[0]) for r in chunk], pa.string())}
            for j, name in enumerate(names, start=1):
                columns[name] = pa.array([int(r[j] or 0) for r in chunk], pa.int64())
            duck.register("chunk_", pa.table(columns))
            duck.execute("INSERT INTO profile_bits SELECT * FROM chunk_")
            duck.unregister("chunk_")

    def _load_id_sets(self, duck: duckdb.DuckDBPyConnection) -> None:
        """Each id set read from the store once, into DuckDB (`id_sets`: n, customer_id)."""
        duck.execute("CREATE OR REPLACE TEMP TABLE id_sets (n INTEGER, customer_id VARCHAR)")
        connection = self.context.connection
        for n, query in enumerate(self.id_sets):
            ids = pa.table(
                {"customer_id": pa.array([str(c) for c in connection.execute(query).scalars()])}
            )
            duck.register("ids_", ids)
            duck.execute("INSERT INTO id_sets SELECT DISTINCT ?, customer_id FROM ids_", [n])
            duck.unregister("ids_")

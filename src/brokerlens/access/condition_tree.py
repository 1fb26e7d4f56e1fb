"""Condition trees (issue 25): a group's conditions as nested AND / OR / NOT of leaves.

JSON shape (docs/groups.md). A node is one of:

- a profile leaf `{"field": f, "op": o, "value": v}` (`conditions.Condition`, as before);
- `{"all": [node, ...]}` (AND), `{"any": [node, ...]}` (OR), `{"not": node}`;
- `{"alert": [alert ids], "days": N}`: an alert of those ids fired in the N days up to T;
- `{"served_by_team": unit id}` / `{"served_by_staff": staff id}`: an active relationship on T;
- `{"no_contact_days": N}`: no service record in the N days up to T;
- `{"in_group": group id}`: a member of another group on T (a dynamic group's conditions,
  compiled here; a static group's members).

A group's stored `conditions` is a list of nodes ANDed: a flat list of profile leaves (every
segment saved before issue 25) is a tree as it is. Every leaf is compiled here, over the served
profile's table, values bound; store subqueries become bound ids for DuckDB (`resolve_on`), as
`scope.customers_in` does. Errors name the node's path, e.g. `conditions[0].any[2].value`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Union

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, ValidationError
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access.leaf import Condition, profile_clause
from brokerlens.access.scope import customers_in, served_by, unit_staff
from brokerlens.access.snapshot import Snapshot
from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest
from brokerlens.store.alerts_schema import alerts
from brokerlens.store.marketing_schema import service_records
from brokerlens.store.schema import segment_static_members, segments

MAX_DEPTH = 6
MAX_NODES = 100
MAX_DAYS = 3660
_FROZEN = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class AllOf(BaseModel):
    model_config = _FROZEN
    all: list[Node] = Field(min_length=1, max_length=50)


class AnyOf(BaseModel):
    model_config = _FROZEN
    any: list[Node] = Field(min_length=1, max_length=50)


class NotOf(BaseModel):
    model_config = _FROZEN
    not_: Node = Field(alias="not")


class AlertLeaf(BaseModel):
    model_config = _FROZEN
    alert: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=100
    )
    days: int = Field(default=30, ge=1, le=MAX_DAYS)


class TeamLeaf(BaseModel):
    model_config = _FROZEN
    served_by_team: str = Field(min_length=1, max_length=32)


class StaffLeaf(BaseModel):
    model_config = _FROZEN
    served_by_staff: str = Field(min_length=1, max_length=32)


class NoContactLeaf(BaseModel):
    model_config = _FROZEN
    no_contact_days: int = Field(ge=1, le=MAX_DAYS)


class InGroupLeaf(BaseModel):
    model_config = _FROZEN
    in_group: int = Field(ge=1, le=2**31 - 1)


# the key that tells a node's kind, and its tag (tags are dropped from error paths)
_KEYS = {
    "all": "<all>",
    "any": "<any>",
    "not": "<not>",
    "alert": "<alert>",
    "served_by_team": "<team>",
    "served_by_staff": "<staff>",
    "no_contact_days": "<no_contact>",
    "in_group": "<in_group>",
}
_CLASSES: dict[type[BaseModel], str] = {}


def _tag(value: Any) -> str:
    if isinstance(value, dict):
        for key, tag in _KEYS.items():
            if key in value:
                return tag
        return "<leaf>"
    return _CLASSES.get(type(value), "<leaf>")


Node = Annotated[
    Union[  # noqa: UP007 - tagged union
        Annotated[Condition, Tag("<leaf>")],
        Annotated[AllOf, Tag("<all>")],
        Annotated[AnyOf, Tag("<any>")],
        Annotated[NotOf, Tag("<not>")],
        Annotated[AlertLeaf, Tag("<alert>")],
        Annotated[TeamLeaf, Tag("<team>")],
        Annotated[StaffLeaf, Tag("<staff>")],
        Annotated[NoContactLeaf, Tag("<no_contact>")],
        Annotated[InGroupLeaf, Tag("<in_group>")],
    ],
    Discriminator(_tag),
]
for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()
_CLASSES.update(
    {
        Condition: "<leaf>",
        AllOf: "<all>",
        AnyOf: "<any>",
        NotOf: "<not>",
        AlertLeaf: "<alert>",
        TeamLeaf: "<team>",
        StaffLeaf: "<staff>",
        NoContactLeaf: "<no_contact>",
        InGroupLeaf: "<in_group>",
    }
)
Leaf = Condition | AlertLeaf | TeamLeaf | StaffLeaf | NoContactLeaf | InGroupLeaf
_NODES: TypeAdapter[list[Node]] = TypeAdapter(list[Node])
_NODE: TypeAdapter[Node] = TypeAdapter(Node)


def _path(base: str, loc: tuple[Any, ...]) -> str:
    out = base
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.startswith("<"):
            continue
        else:
            out += f".{part}"
    return out


def parse_nodes(data: Any, where: str = "conditions") -> list[Node]:
    """The nodes of request data: a list (ANDed) or one node; InvalidRequest naming the path of
    the first bad node (`conditions[1].any[0].value`), its depth and size limited."""
    base = where
    try:
        if isinstance(data, dict):
            nodes = [_NODE.validate_python(data)]
        else:
            nodes = _NODES.validate_python(data if data is not None else [])
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        raise InvalidRequest(
            f"{_path(base, loc)}: {error['msg']}",
            hint='a node is {"field","op","value"}, {"all": [...]}, {"any": [...]}, {"not": {..}}, '
            '{"alert": [ids], "days": N}, {"served_by_team": id}, {"served_by_staff": id}, '
            '{"no_contact_days": N} or {"in_group": id}',
        ) from None
    prefix = where if isinstance(data, dict) else None
    _check_size(nodes, where, single=prefix is not None)
    return nodes


def _check_size(nodes: list[Node], where: str, *, single: bool) -> None:
    count = 0
    for path, node, depth in walk(nodes, where, single=single):
        count += 1
        if depth > MAX_DEPTH:
            raise InvalidRequest(f"{path}: nested deeper than {MAX_DEPTH} levels")
        del node
    if count > MAX_NODES:
        raise InvalidRequest(f"{where}: more than {MAX_NODES} conditions and groups")


def walk(
    nodes: list[Node], where: str = "conditions", *, single: bool = False
) -> Iterator[tuple[str, Node, int]]:
    """(path, node, depth) of every node, depth first, in order."""

    def visit(node: Node, path: str, depth: int) -> Iterator[tuple[str, Node, int]]:
        yield path, node, depth
        if isinstance(node, AllOf):
            for i, item in enumerate(node.all):
                yield from visit(item, f"{path}.all[{i}]", depth + 1)
        elif isinstance(node, AnyOf):
            for i, item in enumerate(node.any):
                yield from visit(item, f"{path}.any[{i}]", depth + 1)
        elif isinstance(node, NotOf):
            yield from visit(node.not_, f"{path}.not", depth + 1)

    if single and len(nodes) == 1:
        yield from visit(nodes[0], where, 1)
        return
    for i, node in enumerate(nodes):
        yield from visit(node, f"{where}[{i}]", 1)


def leaves(nodes: list[Node]) -> list[tuple[str, Leaf]]:
    """(path, leaf) of every leaf, depth first: a leaf's place is its bit in the why masks."""
    return [
        (path, node) for path, node, _ in walk(nodes) if not isinstance(node, AllOf | AnyOf | NotOf)
    ]


def dump_nodes(nodes: list[Node]) -> list[dict[str, Any]]:
    return [n.model_dump(mode="json", by_alias=True, exclude_defaults=False) for n in nodes]


def group_refs(nodes: list[Node]) -> list[int]:
    return [n.in_group for _, n, _ in walk(nodes) if isinstance(n, InGroupLeaf)]


def profile_leaves(nodes: list[Node]) -> list[Condition]:
    return [n for _, n, _ in walk(nodes) if isinstance(n, Condition)]


# --- compiling --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeContext:
    """What a tree's leaves compile against: the served profile, the day the date-relative
    leaves count back from, the store connection (for `in_group`, and to resolve ids for DuckDB
    when `columnar`)."""

    snapshot: Snapshot
    connection: sa.Connection
    day: dt.date
    columnar: bool = False
    settings: Settings | None = None
    require_run: bool = False
    seen: frozenset[int] = field(default_factory=frozenset)

    @property
    def resolve_on(self) -> sa.Connection | None:
        return self.connection if self.columnar else None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


STATIC = "static"


def stored_group(connection: sa.Connection, group_id: int) -> tuple[str, list[Node]] | None:
    """A group's kind (`dynamic` / `static`) and stored nodes by id (no visibility check:
    `segments` checks a reference when a group is saved), None if there is no such group."""
    found = connection.execute(
        sa.select(segments.c.kind, segments.c.conditions).where(segments.c.segment_id == group_id)
    ).first()
    if found is None:
        return None
    return str(found[0] or "dynamic"), parse_nodes(found[1] or [])


def stored_nodes(connection: sa.Connection, group_id: int) -> list[Node] | None:
    found = stored_group(connection, group_id)
    return None if found is None else found[1]


def static_members(group_id: int) -> sa.Select[tuple[str]]:
    """The customer ids added to a static group by hand."""
    m = segment_static_members
    return sa.select(m.c.customer_id).where(m.c.segment_id == group_id)


def leaf_customers(leaf: Leaf, day: dt.date) -> tuple[sa.Select[tuple[str]], bool] | None:
    """A store leaf (alert, served_by, no_contact) as the customer ids it names, a query on the
    store, and whether the leaf is their complement (no_contact: none of those contacted);
    None for a profile or in_group leaf."""
    if isinstance(leaf, AlertLeaf):
        since = day - dt.timedelta(days=leaf.days - 1)
        fired = sa.select(alerts.c.customer_id).where(
            alerts.c.alert_id.in_(sorted(set(leaf.alert))),
            alerts.c.as_of_date >= since,
            alerts.c.as_of_date <= day,
        )
        return fired, False
    if isinstance(leaf, TeamLeaf):
        return served_by(unit_staff(leaf.served_by_team), day), False
    if isinstance(leaf, StaffLeaf):
        return served_by(leaf.served_by_staff, day), False
    if isinstance(leaf, NoContactLeaf):
        since = _day_start(day - dt.timedelta(days=leaf.no_contact_days - 1))
        until = _day_start(day + dt.timedelta(days=1))
        contacted = sa.select(service_records.c.customer_id).where(
            service_records.c.contact_at >= since, service_records.c.contact_at < until
        )
        return contacted, True
    return None


def leaf_clause(leaf: Leaf, ctx: TreeContext, path: str) -> ColumnElement[bool]:
    """One leaf's SQL over the profile table (values bound), the only place leaves compile."""
    from_ = ctx.snapshot.table
    if isinstance(leaf, Condition):
        try:
            return profile_clause(ctx.snapshot, leaf, ctx.settings, require_run=ctx.require_run)
        except InvalidRequest as exc:
            part = "field" if str(exc).startswith("field ") else "value"
            raise InvalidRequest(f"{path}.{part}: {exc}", hint=exc.hint) from None
    found = leaf_customers(leaf, ctx.day)
    if found is not None:
        query, negated = found
        clause = customers_in(from_, query, ctx.resolve_on)
        return sa.not_(clause) if negated else clause
    # in_group: the other group's conditions, compiled into this tree
    assert isinstance(leaf, InGroupLeaf)
    if leaf.in_group in ctx.seen:
        raise InvalidRequest(f"{path}: group {leaf.in_group} refers back to itself (a cycle)")
    group = stored_group(ctx.connection, leaf.in_group)
    if group is None:
        raise InvalidRequest(f"{path}: there is no group {leaf.in_group}")
    kind, inner = group
    if kind == STATIC:  # a static group: the customers added to it
        return customers_in(from_, static_members(leaf.in_group), ctx.resolve_on)
    deeper = replace(ctx, seen=ctx.seen | {leaf.in_group})
    return tree_clause(inner, deeper, f"{path}<group {leaf.in_group}>")


def node_clause(node: Node, ctx: TreeContext, path: str) -> ColumnElement[bool]:
    if isinstance(node, AllOf):
        return sa.and_(*(node_clause(n, ctx, f"{path}.all[{i}]") for i, n in enumerate(node.all)))
    if isinstance(node, AnyOf):
        return sa.or_(*(node_clause(n, ctx, f"{path}.any[{i}]") for i, n in enumerate(node.any)))
    if isinstance(node, NotOf):
        # NOT of a NULL comparison is NULL: a customer without the value is in neither the
        # condition nor its negation, as in SQL everywhere
        return sa.not_(node_clause(node.not_, ctx, f"{path}.not"))
    return leaf_clause(node, ctx, path)


def tree_clause(
    nodes: list[Node], ctx: TreeContext, where: str = "conditions", *, single: bool = False
) -> Any:
    """The nodes ANDed, as one boolean over the profile table (`single`: the request gave one
    node, named `where` itself in errors)."""
    if not nodes:
        return sa.true()
    if single and len(nodes) == 1:
        return node_clause(nodes[0], ctx, where)
    return sa.and_(*(node_clause(n, ctx, f"{where}[{i}]") for i, n in enumerate(nodes)))


def node_clauses(
    nodes: list[Node], ctx: TreeContext, *, single: bool = False
) -> list[tuple[str, ColumnElement[bool]]]:
    """(path, clause) of every node of the tree, depth first: the live count's parts."""
    out: list[tuple[str, ColumnElement[bool]]] = []
    for path, node, _ in walk(nodes, single=single):
        out.append((path, node_clause(node, ctx, path)))
    return out

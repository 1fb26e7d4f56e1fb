"""The broker tree (issue 19 part A): who reports to whom (`manager_id`), levels, team sizes, as
of any date; and the changes made in brokerlens (move, promote, remove) overlaid on the feed.

Two trees: the feed's (its staff rows as of the date) and brokerlens's (the feed's with the
approved `tree_changes` effective by the date laid over it). Pages show the feed's by default
and flag where brokerlens's differs; a change is checked against brokerlens's tree (the
no-skip-level rule, `brokers.tree.rules`). No customer data: the principal sees the members of
the units they may see (`access.org.visible_units`); changes are requests (`tree_request`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from brokerlens.access.org import descendants, visible_units
from brokerlens.access.org_versions import TREE_COLUMNS, staff_on, today, units_on
from brokerlens.auth.principal import Principal
from brokerlens.brokers.tree.levels import level_of
from brokerlens.brokers.tree.rules import Node, Tree
from brokerlens.errors import NotFound
from brokerlens.store.brokers_tree_schema import tree_changes

Source = Literal["feed", "brokerlens"]
SOURCES: tuple[Source, ...] = ("feed", "brokerlens")


@dataclass
class TreeMember:
    """A member with the people below them. `level`: the position's rank (1 broker / advisor,
    2 team lead, 3 branch manager); `depth`: how far below the shown root (0)."""

    staff_id: str
    name: str
    position: str
    level: int
    unit_id: str
    manager_id: str | None
    depth: int = 0
    direct: int = 0  # reports
    total: int = 0  # everyone below, at any depth
    skips_level: bool = False  # the manager is not exactly one level up (as the feed has it)
    differs: bool = False  # brokerlens's tree has this member elsewhere (see the differences)
    children: list[TreeMember] = field(default_factory=list)


@dataclass(frozen=True)
class Difference:
    """One member whose place in brokerlens's tree differs from the feed's as of today."""

    staff_id: str
    name: str
    field: str  # manager_id, unit_id, position or in_tree
    brokerlens: str | None
    feed: str | None
    change_id: int
    request_id: int
    effective_from: dt.date


@dataclass(frozen=True)
class BrokerTree:
    as_of: dt.date
    source: Source
    roots: list[TreeMember]
    members: int
    skips: int  # members whose manager is not exactly one level up
    differences: list[Difference]


# --- the trees --------------------------------------------------------------------------------


def feed_tree(
    connection: sa.Connection,
    day: dt.date,
    units: set[str] | None = None,
    also: set[str] | None = None,
) -> dict[str, Node]:
    """The feed's staff as of `day` as tree nodes (every position; the rules look at levels);
    of `units` and the members `also` only, when given."""
    return {
        s: Node(s, r["name"], r["unit_id"], r["position"], r["manager_id"])
        for s, r in staff_on(connection, day, units, also, TREE_COLUMNS).items()
    }


def applied_changes(connection: sa.Connection, day: dt.date | None = None) -> list[Any]:
    """The approved changes in force by `day` (all when None), in the order they apply."""
    query = sa.select(tree_changes).order_by(
        tree_changes.c.effective_from, tree_changes.c.change_id
    )
    if day is not None:
        query = query.where(tree_changes.c.effective_from <= day)
    return list(connection.execute(query).mappings())


def overlay(feed: Mapping[str, Node], changes: list[Any]) -> dict[str, Node]:
    """brokerlens's tree: the feed's with the changes laid over, oldest first."""
    tree = dict(feed)
    for change in changes:
        node = tree.get(change["staff_id"])
        if node is None:
            continue
        if change["op"] == "remove":
            del tree[node.staff_id]
            continue
        tree[node.staff_id] = Node(
            node.staff_id,
            node.name,
            change["unit_id"] or node.unit_id,
            change["position"] or node.position,
            change["manager_id"],
        )
    return tree


def brokerlens_tree(connection: sa.Connection, day: dt.date) -> dict[str, Node]:
    return overlay(feed_tree(connection, day), applied_changes(connection, day))


# --- differences with the feed ----------------------------------------------------------------


def _differences(feed: Mapping[str, Node], changes: list[Any]) -> list[Difference]:
    """Per member with an applied change: each field where brokerlens's tree and the feed's
    disagree (the member's latest change named)."""
    ours = overlay(feed, changes)
    last: dict[str, Any] = {}
    for change in changes:
        last[change["staff_id"]] = change
    found: list[Difference] = []
    for staff_id, change in sorted(last.items()):
        theirs, mine = feed.get(staff_id), ours.get(staff_id)
        if theirs is None:  # gone from the feed (left): nothing to compare
            continue
        pairs = (
            [("in_tree", "no", "yes")]
            if mine is None
            else [
                ("manager_id", mine.manager_id, theirs.manager_id),
                ("unit_id", mine.unit_id, theirs.unit_id),
                ("position", mine.position, theirs.position),
            ]
        )
        found += [
            Difference(
                staff_id,
                theirs.name,
                what,
                ours_value,
                feed_value,
                int(change["change_id"]),
                int(change["request_id"]),
                change["effective_from"],
            )
            for what, ours_value, feed_value in pairs
            if ours_value != feed_value
        ]
    return found


def tree_differences(
    db: sa.Engine, principal: Principal, as_of: dt.date | None = None
) -> list[Difference]:
    """Members whose place in brokerlens's tree (its approved changes) differs from the feed's
    as of `as_of` (default today), in the reader's units. The feed is not written back."""
    with db.connect() as connection:
        day = as_of or today(connection)
        units, only = _shown(connection, principal, day)
        changes = applied_changes(connection, day)
        feed = feed_tree(connection, day, only, {c["staff_id"] for c in changes})
    ours = overlay(feed, changes)
    return [
        d
        for d in _differences(feed, changes)
        if _unit(d.staff_id, feed, ours) in units or _unit(d.staff_id, ours, feed) in units
    ]


def _unit(staff_id: str, first: Mapping[str, Node], second: Mapping[str, Node]) -> str | None:
    node = first.get(staff_id) or second.get(staff_id)
    return node.unit_id if node is not None else None


def _shown(
    connection: sa.Connection, principal: Principal, day: dt.date, unit_id: str | None = None
) -> tuple[set[str], set[str] | None]:
    """The units the reader sees as of `day` (those under `unit_id` when given), and the same
    as a filter (None: every unit)."""
    parent_of = {u: r["parent_id"] for u, r in units_on(connection, day).items()}
    units, _ = visible_units(connection, principal, parent_of)
    if unit_id is not None:
        if unit_id not in units:
            raise NotFound(f"no unit {unit_id[:32]!r} in your units on {day}")
        units = descendants(unit_id, parent_of)
    return units, None if units >= set(parent_of) else units


# --- the tree as a reader sees it -------------------------------------------------------------


def _members(tree: Tree, shown: set[str], different: set[str]) -> dict[str, TreeMember]:
    members: dict[str, TreeMember] = {}
    for node in tree.values():
        level = level_of(node.position)
        if level is None or node.unit_id not in shown:
            continue
        members[node.staff_id] = TreeMember(
            staff_id=node.staff_id,
            name=node.name,
            position=node.position,
            level=level,
            unit_id=node.unit_id,
            manager_id=node.manager_id,
            differs=node.staff_id in different,
        )
    return members


def _assemble(members: dict[str, TreeMember]) -> list[TreeMember]:
    roots: list[TreeMember] = []
    for member in sorted(members.values(), key=lambda m: (-m.level, m.staff_id)):
        manager = members.get(member.manager_id or "")
        if manager is None or manager is member:
            roots.append(member)
        else:
            manager.children.append(member)
            member.skips_level = manager.level != member.level + 1
    seen: set[str] = set()

    def size(member: TreeMember, depth: int) -> int:
        seen.add(member.staff_id)
        member.depth = depth
        member.children = [c for c in member.children if c.staff_id not in seen]
        member.direct = len(member.children)
        member.total = sum(1 + size(c, depth + 1) for c in member.children)
        return member.total

    for root in roots:
        size(root, 0)
    return roots


def broker_tree(
    db: sa.Engine,
    principal: Principal,
    as_of: dt.date | None = None,
    source: Source = "feed",
    unit_id: str | None = None,
) -> BrokerTree:
    """The broker tree as of `as_of` (default today) in the reader's units (under `unit_id`
    only, a unit they see, when given): the feed's, or brokerlens's (`source`), with team
    sizes, the members whose manager skips a level and the differences between the two."""
    with db.connect() as connection:
        day = as_of or today(connection)
        shown, only = _shown(connection, principal, day, unit_id)
        changes = applied_changes(connection, day)
        feed = feed_tree(connection, day, only, {c["staff_id"] for c in changes})
    ours = overlay(feed, changes)
    tree = feed if source == "feed" else ours
    differences = [
        d
        for d in _differences(feed, changes)
        if _unit(d.staff_id, feed, ours) in shown or _unit(d.staff_id, ours, feed) in shown
    ]
    members = _members(tree, shown, {d.staff_id for d in differences})
    roots = _assemble(members)
    return BrokerTree(
        as_of=day,
        source=source,
        roots=roots,
        members=len(members),
        skips=sum(1 for m in members.values() if m.skips_level),
        differences=differences,
    )


def flatten(roots: list[TreeMember]) -> list[TreeMember]:
    """Depth first, each manager before their reports (the CLI's and the page's rows)."""
    out: list[TreeMember] = []
    todo = list(reversed(roots))
    while todo:
        member = todo.pop()
        out.append(member)
        todo.extend(reversed(member.children))
    return out

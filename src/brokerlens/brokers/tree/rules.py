"""The no-skip-level rule applied to a change: move, promote, remove. Pure functions over the
tree as of the change's date (`Node`s by staff id); a change that would break the rule is
refused with the reason, naming the staff and their levels (in Chinese and English: "中文 /
English", each page shows its side).

- move: the new manager is exactly one level above the member (a broker under a team lead, a
  team lead under a branch manager), not the member, nor anyone below them; the member's
  reports keep reporting to them, so their subtree moves with them.
- promote: the position one level up (`levels.PROMOTION`); the member must have no reports
  (they would be two levels below), and their new manager is one level above the new position
  (default: their manager's manager); a branch manager has no manager.
- remove: only a member with no reports left (move them first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from brokerlens.brokers.tree.levels import LEVELS, POSITION_ZH, PROMOTION, TOP_LEVEL, level_of
from brokerlens.errors import FieldRejected

OPERATIONS = ("move", "promote", "remove")


class TreeRefused(FieldRejected):
    """A tree change the no-skip-level rule (or the tree as it is) does not allow (422);
    `problem` reads "中文 / English"."""


@dataclass(frozen=True)
class Node:
    """One staff member in the tree as of a date."""

    staff_id: str
    name: str
    unit_id: str
    position: str
    manager_id: str | None


@dataclass(frozen=True)
class Planned:
    """What a checked change does: the member's new manager and position, and who moves."""

    op: str
    staff_id: str
    manager_id: str | None
    position: str
    moved: tuple[str, ...] = ()  # the member and everyone below them (a move)


Tree = Mapping[str, Node]


def refuse(field: str, zh: str, en: str) -> TreeRefused:
    return TreeRefused(field, f"{zh} / {en}")


def who(node: Node) -> str:
    """`李雷 (S1, broker, level 1)`: how a refusal names a member."""
    level = level_of(node.position)
    where = f"level {level}" if level is not None else "not in the broker tree"
    return f"{node.name} ({node.staff_id}, {node.position}, {where})"


def who_zh(node: Node) -> str:
    level = level_of(node.position)
    where = f"第{level}级" if level is not None else "不在经纪人树内"
    return (
        f"{node.name}（{node.staff_id}，{POSITION_ZH.get(node.position, node.position)}，{where}）"
    )


def _position_at(level: int, zh: bool = False) -> str:
    return "/".join(POSITION_ZH[p] if zh else p for p, n in LEVELS.items() if n == level)


def member(tree: Tree, staff_id: str, field: str = "staff_id") -> Node:
    found = tree.get(staff_id)
    if found is None:
        raise refuse(
            field,
            f"该日期 {staff_id[:32]} 不在经纪人树内（未知、尚未入职、已离职或已移出）",
            f"{staff_id[:32]!r} is not in the tree on that date (unknown, not hired yet, left "
            "or removed)",
        )
    if level_of(found.position) is None:
        raise refuse(
            field,
            f"{who_zh(found)}：只有经纪人、投资顾问、团队长和营业部经理在经纪人树内",
            f"{who(found)}: only {', '.join(LEVELS)} are in the broker tree",
        )
    return found


def reports(tree: Tree, staff_id: str) -> list[Node]:
    """Who reports to `staff_id` directly, by id."""
    return sorted((n for n in tree.values() if n.manager_id == staff_id), key=lambda n: n.staff_id)


def below(tree: Tree, staff_id: str) -> set[str]:
    """Everyone under `staff_id`, at any depth (cycles cut)."""
    children: dict[str, list[str]] = {}
    for node in tree.values():
        if node.manager_id is not None:
            children.setdefault(node.manager_id, []).append(node.staff_id)
    found: set[str] = set()
    todo = list(children.get(staff_id, []))
    while todo:
        current = todo.pop()
        if current not in found and current != staff_id:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def _names(nodes: list[Node], most: int = 5) -> str:
    shown = ", ".join(f"{n.name} ({n.staff_id})" for n in nodes[:most])
    return shown + (f" and {len(nodes) - most} more" if len(nodes) > most else "")


def check_move(tree: Tree, staff_id: str, manager_id: str) -> Planned:
    moving = member(tree, staff_id)
    manager = member(tree, manager_id, "manager_id")
    if manager.staff_id == moving.staff_id:
        raise refuse(
            "manager_id",
            f"{who_zh(moving)} 不能向自己汇报",
            f"{who(moving)} cannot report to themselves",
        )
    subtree = below(tree, moving.staff_id)
    if manager.staff_id in subtree:
        raise refuse(
            "manager_id",
            f"不能把 {who_zh(moving)} 调到 {who_zh(manager)} 名下：{manager.name} 是 "
            f"{moving.name} 的下属（其自身的下级树）",
            f"cannot move {who(moving)} under {who(manager)}: {manager.name} is below "
            f"{moving.name} in the tree (their own subtree)",
        )
    level, above = level_of(moving.position), level_of(manager.position)
    assert level is not None and above is not None
    if above != level + 1:
        up = level + 1
        wanted = _position_at(up) if level < TOP_LEVEL else "nobody"
        wanted_zh = _position_at(up, zh=True) if level < TOP_LEVEL else "无"
        raise refuse(
            "manager_id",
            f"不能把 {who_zh(moving)} 调到 {who_zh(manager)} 名下：第{level}级人员的上级必须"
            f"正好高一级（第{up}级：{wanted_zh}），不得越级",
            f"cannot move {who(moving)} under {who(manager)}: a level {level} member's manager "
            f"is exactly one level up (level {up}: {wanted}); no skipping a level",
        )
    if moving.manager_id == manager.staff_id:
        raise refuse(
            "manager_id",
            f"{who_zh(moving)} 已在 {manager.name} 名下",
            f"{who(moving)} already reports to {manager.name}",
        )
    return Planned(
        "move",
        moving.staff_id,
        manager.staff_id,
        moving.position,
        tuple(sorted({moving.staff_id} | subtree)),
    )


def check_promote(tree: Tree, staff_id: str, manager_id: str | None) -> Planned:
    promoted = member(tree, staff_id)
    new_position = PROMOTION.get(promoted.position)
    if new_position is None:
        raise refuse(
            "staff_id",
            f"{who_zh(promoted)} 已是最高一级，不能再晋升",
            f"{who(promoted)} is at the top level: no promotion",
        )
    new_level = LEVELS[new_position]
    new_zh = POSITION_ZH[new_position]
    left = reports(tree, promoted.staff_id)
    if left:
        raise refuse(
            "staff_id",
            f"不能把 {who_zh(promoted)} 晋升为{new_zh}（第{new_level}级）：其 {len(left)} 名"
            f"下属将低两级，请先调走：{_names(left)}",
            f"cannot promote {who(promoted)} to {new_position} (level {new_level}): their "
            f"{len(left)} report(s) would be two levels below; move them first: {_names(left)}",
        )
    if new_level == TOP_LEVEL:
        if manager_id:
            raise refuse(
                "manager_id",
                f"{new_zh}（第{new_level}级）在经纪人树内没有上级",
                f"a {new_position} (level {new_level}) has no manager in the tree",
            )
        return Planned("promote", promoted.staff_id, None, new_position)
    if manager_id is None:
        current = tree.get(promoted.manager_id or "")
        manager_id = current.manager_id if current is not None else None
    up = new_level + 1
    if manager_id is None:
        raise refuse(
            "manager_id",
            f"请指定 {promoted.name} 晋升为{new_zh}后的上级：一名{_position_at(up, zh=True)}"
            f"（第{up}级）",
            f"name the new manager of {promoted.name} as {new_position}: a "
            f"{_position_at(up)} (level {up})",
        )
    manager = member(tree, manager_id, "manager_id")
    if level_of(manager.position) != up:
        raise refuse(
            "manager_id",
            f"不能把 {who_zh(promoted)} 晋升为{new_zh}（第{new_level}级）并归入 "
            f"{who_zh(manager)} 名下：上级必须正好高一级（第{up}级）",
            f"cannot promote {who(promoted)} to {new_position} (level {new_level}) under "
            f"{who(manager)}: the manager must be exactly one level up (level {up})",
        )
    return Planned("promote", promoted.staff_id, manager.staff_id, new_position)


def check_remove(tree: Tree, staff_id: str) -> Planned:
    leaving = member(tree, staff_id)
    left = reports(tree, leaving.staff_id)
    if left:
        raise refuse(
            "staff_id",
            f"不能移出 {who_zh(leaving)}：还有 {len(left)} 名下属，请先调走：{_names(left)}",
            f"cannot remove {who(leaving)}: {len(left)} report(s) left; move them first: "
            f"{_names(left)}",
        )
    return Planned("remove", leaving.staff_id, None, leaving.position)

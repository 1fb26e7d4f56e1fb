"""The group builder's form (issue 25): a condition tree as server-rendered form fields.

Every node of the tree is one hidden `node` field `<id>|<kind>`, in document order, depth first;
its id is its place (`0`, `0.2`, `0.2.1`: the parent is the id without its last part). A profile
condition's inputs are the repeated `field`, `op` and `value` (one each per condition, in order:
the flat form every page posted before issue 25 is a tree of top-level conditions); the other
leaves' inputs carry the node's id (`days.0.1`). The server reads the form into `Draft`s, applies
an edit (add a condition or a group, remove a node), renders it again, and turns it into the JSON
tree `access` checks (`to_tree`), remembering which JSON path is which node, so a count or an
error (`conditions[0].any[1].value: ...`) shows next to its node.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from brokerlens.access.condition_tree import (
    AlertLeaf,
    AllOf,
    AnyOf,
    InGroupLeaf,
    NoContactLeaf,
    Node,
    NotOf,
    StaffLeaf,
    TeamLeaf,
)
from brokerlens.access.conditions import NO_VALUE_OPS, OPS
from brokerlens.access.leaf import Condition
from brokerlens.errors import InvalidRequest
from brokerlens.web.bounds import check_field
from brokerlens.web.filters import encode_values, shaped_value

GROUPS = ("all", "any", "not")
LEAVES = ("leaf", "alert", "team", "staff", "no_contact", "in_group")
KINDS = GROUPS + LEAVES
MAX_FORM_NODES = 120
_ID = re.compile(r"^\d{1,3}(?:\.\d{1,3}){0,7}$")


@dataclass
class Draft:
    """One node of the builder as the form holds it (texts as typed)."""

    kind: str
    id: str = ""
    field: str = ""
    op: str = "eq"
    value: str = ""
    alert: list[str] = dataclasses.field(default_factory=list)
    days: str = "30"
    code: str = ""  # served_by_team / served_by_staff
    number: str = ""  # no_contact_days, or in_group's group id
    children: list[Draft] = dataclasses.field(default_factory=list)

    @property
    def dom(self) -> str:
        """The node's id in element ids (`nc-0-2-1`)."""
        return self.id.replace(".", "-") or "root"

    @property
    def is_group(self) -> bool:
        return self.kind in GROUPS


def new_draft(kind: str) -> Draft:
    if kind not in KINDS:
        raise InvalidRequest(f"kind: one of {', '.join(KINDS)}")
    if kind == "no_contact":
        return Draft(kind, number="90")
    if kind in GROUPS:
        return Draft(kind, children=[Draft("leaf")])
    return Draft(kind)


def _text(value: Any, limit: int = 2000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def drafts_from_form(form: FormData) -> list[Draft]:
    """The top-level nodes the form holds (the flat form without `node` fields: one condition
    per `field`)."""
    fields, ops, values = form.getlist("field"), form.getlist("op"), form.getlist("value")
    marks = form.getlist("node")
    if len(marks) > MAX_FORM_NODES:
        raise InvalidRequest(f"conditions: at most {MAX_FORM_NODES} conditions and groups")
    if not marks:  # the flat form: top-level conditions
        marks = [f"{i}|leaf" for i in range(len(fields))]
    roots: list[Draft] = []
    by_id: dict[str, Draft] = {}
    leaf_no = 0
    for mark in marks:
        text = _text(mark, 40)
        node_id, _, kind = text.partition("|")
        if not _ID.match(node_id) or kind not in KINDS:
            raise InvalidRequest(f"node: {text!r} is not a builder node")
        draft = Draft(kind, node_id)
        if kind == "leaf":
            name = _text(fields[leaf_no] if leaf_no < len(fields) else "", 200)
            if name:
                check_field(name, "condition")
            draft.field = name
            draft.op = _text(ops[leaf_no] if leaf_no < len(ops) else "eq", 20) or "eq"
            draft.value = _text(values[leaf_no] if leaf_no < len(values) else "")
            leaf_no += 1
        elif kind == "alert":
            draft.alert = [_text(a, 40) for a in form.getlist(f"alert.{node_id}") if _text(a, 40)]
            draft.days = _text(form.get(f"days.{node_id}"), 10)
        elif kind in ("team", "staff"):
            draft.code = _text(form.get(f"code.{node_id}"), 32).strip()
        elif kind in ("no_contact", "in_group"):
            draft.number = _text(form.get(f"number.{node_id}"), 12).strip()
        parent_id = node_id.rpartition(".")[0]
        parent = by_id.get(parent_id)
        if parent is not None and parent.is_group:
            parent.children.append(draft)
        else:
            roots.append(draft)
        by_id[node_id] = draft
    return renumber(roots)


def renumber(roots: list[Draft], prefix: str = "") -> list[Draft]:
    for i, draft in enumerate(roots):
        draft.id = f"{prefix}{i}"
        renumber(draft.children, f"{draft.id}.")
    return roots


def find(roots: list[Draft], node_id: str) -> Draft | None:
    for draft in roots:
        if draft.id == node_id:
            return draft
        inner = find(draft.children, node_id)
        if inner is not None:
            return inner
    return None


def add(roots: list[Draft], at: str, kind: str) -> list[Draft]:
    """A new node of `kind` at the end of group `at` (`""`: the top level)."""
    made = new_draft(kind)
    if not at:
        roots.append(made)
    else:
        parent = find(roots, at)
        if parent is None or not parent.is_group:
            raise InvalidRequest(f"at: {at[:20]!r} is not a group of this builder")
        parent.children.append(made)
    return renumber(roots)


def remove(roots: list[Draft], node_id: str) -> list[Draft]:
    def drop(items: list[Draft]) -> list[Draft]:
        return [
            Draft(**{**d.__dict__, "children": drop(d.children)}) for d in items if d.id != node_id
        ]

    if find(roots, node_id) is None:
        raise InvalidRequest(f"node: {node_id[:20]!r} is not a node of this builder")
    return renumber(drop(roots))


# --- the JSON tree ----------------------------------------------------------------------------


def _integer(text: str, path: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidRequest(f"{path}: a whole number, not {text[:20]!r}") from None


def to_tree(
    roots: list[Draft], *, counting: bool, paths: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """(the JSON nodes ANDed, node id -> its JSON path). A condition without a field is left
    out; `counting` (the live count) also leaves out what is not filled in yet (an empty group,
    a condition without its value), where saving lets `access` name it. `paths`: filled as
    the nodes are read, so a caller has them when this raises."""
    paths = {} if paths is None else paths

    def convert(draft: Draft, path: str) -> dict[str, Any] | None:
        kind = draft.kind
        paths[draft.id] = path  # named in its own error; dropped below if left out
        if kind in ("all", "any"):
            items: list[dict[str, Any]] = []
            for child in draft.children:
                made = convert(child, f"{path}.{kind}[{len(items)}]")
                if made is not None:
                    items.append(made)
            if not items:
                if counting:
                    paths.pop(draft.id, None)
                    return None
                raise InvalidRequest(f"{path}: add a condition to this group")
            return {kind: items}
        if kind == "not":
            children = [c for c in draft.children if not (c.kind == "leaf" and not c.field)]
            inner = None
            if len(children) == 1:
                inner = convert(children[0], f"{path}.not")
            elif children:
                wrapper = Draft("all", f"{draft.id}.*", children=children)
                inner = convert(wrapper, f"{path}.not")
                paths.pop(wrapper.id, None)
            if inner is None:
                if counting:
                    paths.pop(draft.id, None)
                    return None
                raise InvalidRequest(f"{path}: add a condition to this group")
            return {"not": inner}
        made = _leaf(draft, path, counting)
        if made is None:
            paths.pop(draft.id, None)
        return made

    nodes: list[dict[str, Any]] = []
    for draft in roots:
        made = convert(draft, f"conditions[{len(nodes)}]")
        if made is not None:
            nodes.append(made)
    return nodes, paths


def _leaf(draft: Draft, path: str, counting: bool) -> dict[str, Any] | None:
    kind = draft.kind
    if kind == "leaf":
        if not draft.field:
            return None
        if draft.op not in OPS:
            raise InvalidRequest(f"{path}.op: {draft.op[:20]!r} is not an operator")
        if draft.op not in NO_VALUE_OPS and not draft.value.strip():
            if counting:
                return None
            raise InvalidRequest(f"{path}.value: give a value")
        try:
            value = shaped_value(draft.field, draft.op, draft.value)
        except InvalidRequest as exc:
            raise InvalidRequest(f"{path}.value: {exc}") from None
        return {"field": draft.field, "op": draft.op, "value": value}
    if kind == "alert":
        if not draft.alert:
            if counting:
                return None
            raise InvalidRequest(f"{path}.alert: choose at least one alert")
        return {"alert": draft.alert, "days": _integer(draft.days or "30", f"{path}.days")}
    if kind in ("team", "staff"):
        if not draft.code:
            if counting:
                return None
            raise InvalidRequest(f"{path}.served_by_{kind}: choose one")
        return {f"served_by_{kind}": draft.code}
    key = "no_contact_days" if kind == "no_contact" else "in_group"
    if not draft.number:
        if counting:
            return None
        raise InvalidRequest(f"{path}.{key}: give a number")
    return {key: _integer(draft.number, f"{path}.{key}")}


def drafts_from_nodes(nodes: list[Node]) -> list[Draft]:
    """A saved tree as builder nodes (ids numbered)."""

    def convert(node: Node) -> Draft:
        if isinstance(node, AllOf):
            return Draft("all", children=[convert(n) for n in node.all])
        if isinstance(node, AnyOf):
            return Draft("any", children=[convert(n) for n in node.any])
        if isinstance(node, NotOf):
            inner = node.not_
            if isinstance(inner, AllOf):  # NOT of several: the builder's NOT group as saved
                return Draft("not", children=[convert(n) for n in inner.all])
            return Draft("not", children=[convert(inner)])
        if isinstance(node, AlertLeaf):
            return Draft("alert", alert=list(node.alert), days=str(node.days))
        if isinstance(node, TeamLeaf):
            return Draft("team", code=node.served_by_team)
        if isinstance(node, StaffLeaf):
            return Draft("staff", code=node.served_by_staff)
        if isinstance(node, NoContactLeaf):
            return Draft("no_contact", number=str(node.no_contact_days))
        if isinstance(node, InGroupLeaf):
            return Draft("in_group", number=str(node.in_group))
        assert isinstance(node, Condition)
        value = node.value
        text = encode_values(value) if isinstance(value, list | tuple) else value
        return Draft("leaf", field=node.field, op=node.op, value="" if text is None else str(text))

    return renumber([convert(n) for n in nodes])


_PATH = re.compile(r"^(conditions[^\s:]*)\s*:\s*(.*)$", re.S)


def error_at(message: str, paths: dict[str, str]) -> tuple[str | None, str]:
    """(the node id an error names by its path, the rest of the message); (None, message) when
    it names no node of the form."""
    found = _PATH.match(message)
    if not found:
        return None, message
    where, rest = found.group(1), found.group(2)
    best, length = None, -1
    for node_id, path in paths.items():
        if (where == path or (where.startswith(path) and where[len(path)] in ".[<")) and len(
            path
        ) > length:
            best, length = node_id, len(path)
    if best is None:
        return None, message
    detail = where[length:].lstrip(".")
    return best, f"{detail}: {rest}" if detail else rest

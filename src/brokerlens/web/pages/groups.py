"""Customer groups' pages (issue 25): the builder's nested conditions with a live count per node,
a group's membership history (trend, entered / left per date and why, members as of a date) and
its profile (群组画像) against the book in the viewer's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from brokerlens.access import (
    get_segment,
    group_changes,
    group_history,
    group_members_as_of,
    list_segments,
    org_names,
    org_tree,
    preview_tree,
)
from brokerlens.access.alerts import alert_names
from brokerlens.access.churn_condition import FIELD as CHURN_PROBABILITY
from brokerlens.access.condition_tree import (
    AlertLeaf,
    InGroupLeaf,
    Leaf,
    NoContactLeaf,
    StaffLeaf,
    TeamLeaf,
    leaves,
)
from brokerlens.access.group_profile import catalog_values, group_profile
from brokerlens.access.masking import PERSONAL_FIELDS
from brokerlens.access.org import list_staff
from brokerlens.access.recommendations import product_shelf
from brokerlens.access.recommended import FIELD as RECOMMENDED_PRODUCT
from brokerlens.auth.principal import Permission
from brokerlens.errors import Forbidden, InvalidRequest, LakeError, NotFound
from brokerlens.web.bounds import MAX_PAGE, IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.filters import OPS, classification_choices, columns_of
from brokerlens.web.formatting import num
from brokerlens.web.group_form import (
    Draft,
    add,
    drafts_from_form,
    error_at,
    remove,
    to_tree,
)
from brokerlens.web.i18n import enum_label, translate
from brokerlens.web.pages.common import Page, ReaderPageDep
from brokerlens.web.pages.customers import column_label

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

MEMBERS_SHOWN = 200


# --- the builder ---------------------------------------------------------------------------------


def builder_choices(page: Page, segment_id: int | None) -> dict[str, Any]:
    """What the new leaf kinds choose from: alerts, teams, staff, the other groups."""
    teams: list[tuple[str, str]] = []
    todo = list(org_tree(page.db, page.principal))
    while todo:
        unit = todo.pop(0)
        if unit.unit_type == "team":
            teams.append((unit.unit_id, unit.name))
        todo += unit.children
    people = [(s.staff_id, s.name) for s in list_staff(page.db, page.principal)][:3000]
    names = alert_names(page.settings)
    lang = page.language
    return {
        "alert_choices": [
            (a, n.get("en" if lang == "en" else "zh") or a) for a, n in names.items()
        ],
        "team_choices": teams,
        "staff_choices": people,
        "group_choices": [
            (s.segment_id, s.name)
            for s in list_segments(page.db, page.principal)
            if s.segment_id != segment_id
        ],
    }


def flat(drafts: list[Draft]) -> list[Draft]:
    out = []
    for d in drafts:
        out.append(d)
        out += flat(d.children)
    return out


@dataclass(frozen=True)
class Counted:
    total: int | None
    counts: dict[str, int]  # node id -> its own count
    errors: dict[str, str]  # node id -> what is wrong with it
    general: str | None  # an error that names no node


def counted(page: Page, drafts: list[Draft]) -> Counted:
    """The live count of what the builder holds, node by node; a bad node's error beside it."""
    paths: dict[str, str] = {}
    try:
        nodes, paths = to_tree(drafts, counting=True, paths=paths)
    except InvalidRequest as exc:
        return _failed(str(exc), paths)
    if not nodes:
        return Counted(None, {}, {}, None)
    try:
        found = preview_tree(page.db, page.principal, nodes, page.settings)
    except (InvalidRequest, Forbidden, NotFound) as exc:
        return _failed(str(exc), paths)
    by_path = {n.path: n.count for n in found.nodes}
    counts = {i: by_path[p] for i, p in paths.items() if p in by_path}
    return Counted(found.total, counts, {}, None)


def _failed(message: str, paths: dict[str, str]) -> Counted:
    node_id, text = error_at(message, paths)
    if node_id is None:
        return Counted(None, {}, {}, text)
    return Counted(None, {}, {node_id: text}, None)


@router.post("/segments/builder")
async def builder_edit(
    page: ReaderPageDep,
    request: Request,
    do: Annotated[str, Query(pattern="^(add|remove)$")],
    at: Annotated[str, Query(max_length=40)] = "",
    kind: Annotated[str, Query(max_length=20)] = "leaf",
    segment_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Add a condition or a group to a group of the builder, or remove a node: the tree again,
    with its counts."""
    drafts = drafts_from_form(await request.form())
    drafts = add(drafts, at, kind) if do == "add" else remove(drafts, at)
    context = {**tree_context(page, drafts, segment_id), "partial": True}
    return page.render("_group_tree.html", context, active="segments")


def tree_context(
    page: Page,
    drafts: list[Draft],
    segment_id: int | None,
    errors: dict[str, str] | None = None,
    general: str | None = None,
) -> dict[str, Any]:
    """The builder's context: the columns and choices, the nodes, each node's count."""
    context = builder_context(page, drafts)
    live = counted(page, drafts)
    return {
        **context,
        **builder_choices(page, segment_id),
        "drafts": drafts,
        "counts": live.counts,
        "errors": {**live.errors, **(errors or {})},
        "tree_total": live.total,
        "tree_error": general or live.general,
        "segment_id": segment_id,
    }


@router.post("/segments/builder/counts")
async def builder_counts(page: ReaderPageDep, request: Request) -> Response:
    """The live count of the whole tree and of each node (swapped in by id), errors beside their
    nodes."""
    drafts = drafts_from_form(await request.form())
    live = counted(page, drafts)
    context = {
        "count": live.total,
        "nodes": flat(drafts),
        "counts": live.counts,
        "errors": live.errors,
        "general": live.general,
    }
    return page.render("_group_counts.html", context, active="segments")


def builder_context(page: Page, rows: list[Any]) -> dict[str, Any]:
    snapshot = page.snapshot()
    columns = columns_of(snapshot)
    choices = classification_choices(snapshot)
    groups: dict[str, list[tuple[str, str]]] = {
        "classification": [],
        "indicator": [],
        "customer": [],
    }
    personal = not page.principal.can(Permission.REVEAL_PII)
    indicators = page.indicators()
    for name, info in columns.items():
        if personal and name in PERSONAL_FIELDS:
            continue  # not usable as a condition without reveal_pii
        if info.kind in groups and name != "customer_id":
            groups[info.kind].append(
                (name, column_label(name, snapshot, page.language, indicators))
            )
    values = sorted({v for ch in choices for v in ch.values})
    # a product's target customers (the newest recommendation run): not a profile column
    groups["recommendation"] = [
        (RECOMMENDED_PRODUCT, translate(f"field.{RECOMMENDED_PRODUCT}", page.language))
    ]
    # issue 20: the newest churn scores' probability (0..1): not a profile column either
    groups["churn"] = [(CHURN_PROBABILITY, translate(f"field.{CHURN_PROBABILITY}", page.language))]
    return {
        "rows": rows,
        "groups": groups,
        "product_names": _product_names(page, rows),
        "ops": OPS,
        "all_values": values,
        "snapshot": snapshot,
    }


def _product_names(page: Page, rows: list[Any]) -> dict[str, str]:
    """The names of the products a `recommended_product` condition names (to read in words)."""
    if not any(getattr(r, "field", "") == RECOMMENDED_PRODUCT for r in flat(rows)):
        return {}
    try:
        shelf = product_shelf(page.settings)
    except LakeError:
        return {}
    return {pid: str(p.get("name") or pid) for pid, p in shelf.items()}


# --- the history ---------------------------------------------------------------------------------


def _change_word(text: str, lang: str) -> str:
    key = {
        "true→false": "grp.why.off",
        "false→true": "grp.why.on",
        "true": "grp.why.true",
        "was true": "grp.why.was",
    }.get(text)
    return translate(key, lang) if key else text


@dataclass(frozen=True)
class Why:
    label: str
    change: str
    known: bool  # False: the leaf is no longer in the group's conditions (shown as stored)


def describe_leaf(page: Page, leaf: Leaf, groups: dict[int, str]) -> str:
    """A leaf in the viewer's words."""
    lang = page.language
    if isinstance(leaf, AlertLeaf):
        names = alert_names(page.settings)
        shown = "、".join(
            (names.get(a) or {}).get("en" if lang == "en" else "zh") or a for a in leaf.alert
        )
        return translate("grp.leaf.alert", lang, days=num(leaf.days), alerts=shown)
    if isinstance(leaf, TeamLeaf):
        name = org_names(page.db).unit(leaf.served_by_team) or leaf.served_by_team
        return translate("grp.leaf.team", lang, team=name)
    if isinstance(leaf, StaffLeaf):
        name = org_names(page.db).person(leaf.served_by_staff) or leaf.served_by_staff
        return translate("grp.leaf.staff", lang, staff=name)
    if isinstance(leaf, NoContactLeaf):
        return translate("grp.leaf.no_contact", lang, days=num(leaf.no_contact_days))
    if isinstance(leaf, InGroupLeaf):
        name = groups.get(leaf.in_group) or f"#{leaf.in_group}"
        return translate("grp.leaf.in_group", lang, group=name)
    label = column_label(leaf.field, page.snapshot(), lang, page.indicators())
    op = enum_label("op", leaf.op, lang) or leaf.op
    value = leaf.value
    if isinstance(value, list | tuple):
        shown = "、".join(num(v) for v in value)
    else:
        shown = "" if value is None else num(value)
    return f"{label} {op} {shown}".strip()


def reasons(page: Page, text: str | None, labels: dict[str, str]) -> list[Why]:
    """A stored why (`conditions[0].all[1] total_assets_t ge 200000: true→false; ...`) as the
    leaves in words and how each changed."""
    out = []
    for part in (text or "").split("; "):
        if not part:
            continue
        head, _, change = part.rpartition(": ")
        path = head.split(" ", 1)[0]
        if path in labels:
            out.append(Why(labels[path], _change_word(change, page.language), True))
        else:
            out.append(Why(part, "", False))
    return out


def _leaf_labels(page: Page, segment: Any) -> dict[str, str]:
    groups = {s.segment_id: s.name for s in list_segments(page.db, page.principal)}
    return {path: describe_leaf(page, leaf, groups) for path, leaf in leaves(segment.conditions)}


def _changes_context(page: Page, segment: Any, day: dt.date | None, number: int) -> dict[str, Any]:
    found = None
    if day is not None:
        found = group_changes(
            page.db,
            page.principal,
            segment.segment_id,
            page.settings,
            day,
            page=number,
            page_size=50,
        )
    labels = _leaf_labels(page, segment) if found is not None and found.rows else {}
    pages = max(1, -(-found.total // found.page_size)) if found is not None else 1
    sid = segment.segment_id
    return {
        "changes": found,
        "why": {r.customer_id: reasons(page, r.reason, labels) for r in found.rows}
        if found is not None
        else {},
        "changes_pages": pages,
        "change_url": lambda n: (
            f"/segments/{sid}/changes?"
            + urlencode({"date": day.isoformat() if day else "", "page": n})
        ),
    }


def _trend_chart(page: Page, days: list[Any]) -> dict[str, Any]:
    lang = page.language
    return {
        "categories": [d.as_of_date.isoformat() for d in days],
        "units": ["count"],
        "series": [
            {
                "name": translate("grp.members", lang),
                "type": "line",
                "values": [d.members for d in days],
            },
            {
                "name": translate("grp.entered", lang),
                "type": "bar",
                "values": [d.entered for d in days],
            },
            {"name": translate("grp.left", lang), "type": "bar", "values": [-d.left for d in days]},
        ],
    }


@router.get("/segments/{segment_id}/history")
def history_page(
    segment_id: IdPath,
    page: ReaderPageDep,
    date: Annotated[dt.date | None, Query(description="a refreshed date")] = None,
    as_of: Annotated[dt.date | None, Query(description="members as of this date")] = None,
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    segment = get_segment(page.db, page.principal, segment_id)
    days = group_history(page.db, page.principal, segment_id, page.settings)
    chosen = date or (days[-1].as_of_date if days else None)
    members: list[str] | None = None
    if as_of is not None:
        members = group_members_as_of(page.db, page.principal, segment_id, page.settings, as_of)
    context = {
        "segment": segment,
        "days": list(reversed(days)),
        "chosen": chosen,
        "trend_chart": _trend_chart(page, days) if days else None,
        "as_of": as_of,
        "members_as_of": members[:MEMBERS_SHOWN] if members is not None else None,
        "members_total": len(members) if members is not None else 0,
        **_changes_context(page, segment, chosen, number),
    }
    return page.render("group_history.html", context, active="segments")


@router.get("/segments/{segment_id}/changes")
def changes_partial(
    segment_id: IdPath,
    page: ReaderPageDep,
    date: Annotated[dt.date, Query(description="a refreshed date")],
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    segment = get_segment(page.db, page.principal, segment_id)
    context = {"segment": segment, "chosen": date, **_changes_context(page, segment, date, number)}
    return page.render("_group_changes.html", context, active="segments")


# --- the profile ---------------------------------------------------------------------------------


def _profile_chart(page: Page, dim: Any, label: Any) -> dict[str, Any]:
    lang = page.language
    return {
        "categories": [label(dim.name, b.value) for b in dim.buckets],
        "units": ["rate"],
        "horizontal": True,
        "series": [
            {
                "name": translate("grp.share_group", lang),
                "type": "bar",
                "values": [b.group_share for b in dim.buckets],
            },
            {
                "name": translate("grp.share_book", lang),
                "type": "bar",
                "values": [b.book_share for b in dim.buckets],
            },
        ],
    }


@router.get("/segments/{segment_id}/profile")
def profile_page(segment_id: IdPath, page: ReaderPageDep) -> Response:
    segment = get_segment(page.db, page.principal, segment_id)
    found = group_profile(page.db, page.principal, segment_id, page.settings)
    snapshot = page.snapshot()
    lang = page.language
    units = org_names(page.db)

    def label(dimension: str, value: Any) -> str:
        if value is None:
            return translate("grp.no_value", lang)
        if dimension == "branch_id":
            return units.unit(value) or str(value)
        return class_label(snapshot, dimension, value, lang)

    context = {
        "segment": segment,
        "profile": found,
        "dim_label": lambda name: column_label(name, snapshot, lang, page.indicators()),
        "value_label": label,
        "charts": {d.name: _profile_chart(page, d, label) for d in found.dimensions},
    }
    return page.render("group_profile.html", context, active="segments")


def class_label(snapshot: Any, dimension: str, value: Any, lang: str) -> str:
    """A classification value in the viewer's language (the catalog's English label)."""
    if lang == "en":
        english = catalog_values(snapshot, dimension).get(str(value))
        if english:
            return english
    found = enum_label(dimension, value, lang)
    return str(found) if found else str(value)

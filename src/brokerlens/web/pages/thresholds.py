"""The alert-threshold page: each alert in Chinese (its meaning, its condition as a sentence,
each threshold with its name, meaning and unit), values in business units (50%, 5万元, 30天),
and a form that takes the same units, previews how many customers would fire, then asks for the
raw value exactly: an `alert_thresholds` request in 待审批 that head office approves (issue
18). A value that is not a number in its unit is said beside its field, with everything typed
kept.

Every call goes through `brokerlens.access.alerts` (who may edit what) and
`brokerlens.access.thresholds` (the definitions' words).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from brokerlens.access import alerts as alerts_service
from brokerlens.access import org_tree
from brokerlens.access.thresholds import alert_definitions, request_thresholds
from brokerlens.alerts.model import AlertDefinition
from brokerlens.auth.principal import Permission
from brokerlens.errors import InvalidRequest
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep
from brokerlens.web.rules import (
    UNIT_SUFFIX,
    UNIT_SUFFIX_EN,
    BadNumber,
    Param,
    Vocabulary,
    business,
    field_text,
    parse_business,
    sentence,
)

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

PARAM_PREFIX = "param:"  # the threshold form's fields: param:<name>


@dataclass
class ParamView:
    name: str
    label: str
    meaning: str
    unit: str
    suffix: str  # the unit word beside the field (元, 天); a ratio carries its % in the field
    default: str  # the value in force, in business units
    branches: dict[str, str]  # branch -> its value in business units
    field: str  # what the form field holds
    error: str = ""


@dataclass
class AlertView:
    alert_id: str
    title: str
    meaning: str
    sentence: str
    when: str
    params: list[ParamView]
    branches: list[str]
    may_edit_defaults: bool
    own_branch: str | None
    branch_field: str = ""
    errors: list[str] = field(default_factory=list)
    volume_reason: str = ""  # why it may fire for more than 5% of the book (issue 20)


def _unit(definition: AlertDefinition, name: str) -> str:
    info = definition.param_info.get(name)
    return info.unit if info is not None else "number"


def _label(definition: AlertDefinition, name: str, language: str) -> tuple[str, str]:
    info = definition.param_info.get(name)
    if info is None:
        return name, ""
    if language == "en":
        return info.en, ""
    return info.zh, info.meaning_zh or ""


def _view(
    item: alerts_service.ThresholdItem,
    definition: AlertDefinition | None,
    page: Page,
    typed: Mapping[str, str] | None = None,
) -> AlertView:
    language = page.language
    title = item.title(language) or item.alert_id
    if definition is None:  # not expected: the overview and the definitions are one file
        return AlertView(item.alert_id, title, item.meaning, "", "", [], [], False, None)
    in_form = (item.branches.get(item.own_branch) or {}) if item.own_branch else {}
    params = []
    for name, value in item.defaults.items():
        unit = _unit(definition, name)
        label, meaning = _label(definition, name, language)
        current = in_form.get(name, value)
        params.append(
            ParamView(
                name=name,
                label=label,
                meaning=meaning,
                unit=unit,
                suffix=(UNIT_SUFFIX_EN if language == "en" else UNIT_SUFFIX).get(unit, ""),
                default=business(value, unit, language),
                branches={
                    b: business(v.get(name, value), unit, language)
                    for b, v in item.branches.items()
                },
                field=typed.get(name, "") if typed is not None else field_text(current, unit),
            )
        )
    vocab = Vocabulary.of(
        page.indicators(),
        language,
        {p.name: Param(p.label, p.unit, item.defaults[p.name]) for p in params},
    )
    meaning = definition.meaning if language == "en" else (definition.meaning_zh or "")
    return AlertView(
        alert_id=item.alert_id,
        title=title,
        meaning=meaning,
        sentence=sentence(definition.when, vocab),
        when=definition.when,
        params=params,
        branches=list(item.branches),
        may_edit_defaults=item.may_edit_defaults,
        own_branch=item.own_branch,
        branch_field=item.own_branch or "",
        volume_reason=_volume_reason(definition, language),
    )


def _volume_reason(definition: AlertDefinition, language: str) -> str:
    if language == "en":
        return definition.volume_reason_en or definition.volume_reason_zh or ""
    return definition.volume_reason_zh or ""


def _branch_options(page: Page) -> list[tuple[str, str]]:
    """(unit id, name) of the branches HQ may pick; none for a branch manager (their own)."""
    if not alerts_service.may_edit_thresholds(page.principal, None):
        return []
    found: list[tuple[str, str]] = []
    stack = list(org_tree(page.db, page.principal))
    while stack:
        unit = stack.pop()
        if unit.unit_type == "branch":
            found.append((unit.unit_id, unit.name))
        stack.extend(unit.children)
    return sorted(found, key=lambda b: b[1])


def _views(page: Page) -> list[AlertView]:
    items = alerts_service.threshold_overview(page.settings, page.principal)
    definitions = alert_definitions(page.settings)
    return [_view(item, definitions.get(item.alert_id), page) for item in items]


@router.get("/alerts/thresholds")
def thresholds(page: ReaderPageDep) -> Response:
    """Per alert the default and branch thresholds; an edit form for those the user may edit."""
    context = {
        "items": _views(page),
        "can_edit": page.principal.can(Permission.EDIT_ALERT_THRESHOLDS),
        "prefix": PARAM_PREFIX,
        "branch_options": _branch_options(page),
    }
    return page.render("alert_thresholds.html", context, active="alerts")


async def _threshold_form(request: Request) -> tuple[str, str | None, dict[str, str]]:
    form = await request.form()
    alert_id = str(form.get("alert_id") or "").strip()
    if not alert_id:
        raise InvalidRequest("alert_id: which alert's thresholds")
    branch = str(form.get("branch_id") or "").strip() or None
    params: dict[str, str] = {}
    for key, value in form.multi_items():
        if key.startswith(PARAM_PREFIX) and str(value).strip():
            params[key[len(PARAM_PREFIX) :]] = str(value).strip()
    return alert_id, branch, params


def _parsed(
    page: Page, alert_id: str, branch: str | None, typed: Mapping[str, str]
) -> tuple[AlertView | None, dict[str, float]]:
    """The typed thresholds as raw values; on a bad one, the alert's form again with each
    problem beside its field and everything typed kept."""
    definitions = alert_definitions(page.settings)
    definition = definitions.get(alert_id)
    if definition is None or not alerts_service.may_edit_thresholds(page.principal, branch):
        return None, dict.fromkeys(typed, 0.0)  # access refuses, naming the alert or the right
    raw: dict[str, float] = {}
    problems: dict[str, str] = {}
    for name, text in typed.items():
        if name not in definition.params:
            raw[name] = 0.0  # access names the unknown threshold
            continue
        try:
            raw[name] = parse_business(text, _unit(definition, name))
        except BadNumber as exc:
            problems[name] = str(exc)
    if not problems:
        return None, raw
    item = next(
        i
        for i in alerts_service.threshold_overview(page.settings, page.principal)
        if i.alert_id == alert_id
    )
    view = _view(item, definition, page, typed)
    for p in view.params:
        p.error = problems.get(p.name, "")
    return view, raw


def _edit_context(
    page: Page, view: AlertView, branch: str | None, preview: Any = None
) -> dict[str, Any]:
    view.branch_field = branch or view.branch_field
    return {
        "item": view,
        "prefix": PARAM_PREFIX,
        "p": preview,
        "can_edit": True,
        "branch_options": _branch_options(page),
    }


@router.post("/alerts/thresholds/preview")
async def preview(page: ReaderPageDep, request: Request) -> Response:
    """N customers would fire (now M), with the form to save the same values."""
    alert_id, branch, typed = await _threshold_form(request)
    bad, raw = _parsed(page, alert_id, branch, typed)
    if bad is not None:
        return page.render(
            "_threshold_edit.html", _edit_context(page, bad, branch), active="alerts"
        )
    found = alerts_service.preview_thresholds(
        page.db, page.settings, page.principal, alert_id, branch, raw
    )
    definition = alert_definitions(page.settings)[alert_id]
    item = next(
        i
        for i in alerts_service.threshold_overview(page.settings, page.principal)
        if i.alert_id == alert_id
    )
    view = _view(item, definition, page, typed)
    shown = {n: field_text(v, _unit(definition, n)) for n, v in found.params.items()}
    context = _edit_context(page, view, branch, found) | {"shown": shown}
    return page.render("_threshold_edit.html", context, active="alerts")


@router.post("/alerts/thresholds/save")
async def save(page: ReaderPageDep, request: Request) -> Response:
    alert_id, branch, typed = await _threshold_form(request)
    bad, raw = _parsed(page, alert_id, branch, typed)
    if bad is not None:
        return page.render(
            "_threshold_edit.html", _edit_context(page, bad, branch), active="alerts"
        )
    form = await request.form()
    reason = form.get("reason")
    asked = request_thresholds(
        page.db,
        page.settings,
        page.principal,
        alert_id,
        branch,
        raw,
        reason if isinstance(reason, str) else None,
    )
    definition = alert_definitions(page.settings)[alert_id]
    words = []
    for name, value in asked.payload["params"].items():
        label, _ = _label(definition, name, page.language)
        words.append((label, business(value, _unit(definition, name), page.language)))
    context = {"a": asked, "branch": asked.payload.get("branch_id"), "words": words}
    return page.render("_threshold_saved.html", context, active="alerts")

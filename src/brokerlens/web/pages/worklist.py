"""今日待办 (issue 17 section 1): a broker's daily work list, done / snooze / dismiss, completion by
broker.

The home page shows a broker's budget first (`today_context`); `/worklist` is the full inbox
(paged, filtered by kind, any kept date); `/worklist/team` completion by broker for leads,
managers and head office. The actions post by htmx and answer the item again: with its new
state, or with the forms and the message naming the field when refused. Every call goes
through `brokerlens.access.worklist*` (scope, checks, audit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from starlette.responses import RedirectResponse, Response

from brokerlens.access.alerts import alert_names
from brokerlens.access.records import ContactInput
from brokerlens.access.worklist import KIND_FAMILIES, WorkItem, WorkList, family, work_list
from brokerlens.access.worklist_actions import dismiss, mark_done, snooze, work_item
from brokerlens.access.worklist_team import completion
from brokerlens.auth.principal import STAFF_ROLES
from brokerlens.errors import Conflict, InvalidRequest
from brokerlens.store.marketing_schema import CHANNELS, PURPOSES, RESULTS
from brokerlens.web.api.worklist import parse_day
from brokerlens.web.bounds import PageQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import error_text, translate
from brokerlens.web.pages.common import Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

PAGE_SIZE = 50
TextQuery = Annotated[str | None, Query(max_length=32)]
Text = Annotated[str | None, Form(max_length=32)]


def kind_labeller(page: Page) -> Callable[[str], str]:
    """A kind's label in the reader's language: an alert by the alert's own name."""
    names = alert_names(page.settings)
    language = page.language

    def label(kind: str) -> str:
        head, _, tail = kind.partition(":")
        if head == "alert" and tail:
            return (names.get(tail) or {}).get(language) or tail
        if head in KIND_FAMILIES:
            text = translate(f"worklist.kind.{head}", language)
            return f"{text} #{tail}" if head == "campaign" and tail else text
        return kind

    return label


def _form_context(page: Page) -> dict[str, Any]:
    return {
        "kind_label": kind_labeller(page),
        "family": family,
        "channels": CHANNELS,
        "results": RESULTS,
        "purposes": PURPOSES,
        "today": dt.date.today(),
    }


def today_context(page: Page) -> dict[str, Any] | None:
    """The home page's 今日待办 for a staff member with a staff id (None for anyone else)."""
    principal = page.principal
    if principal.role not in STAFF_ROLES or not principal.staff_id:
        return None
    found = work_list(page.db, page.settings, principal)
    return {"wl": found, "target": _target(found), **_form_context(page)}


def _target(found: WorkList) -> dict[str, str]:
    """The hidden fields naming the list an action is on."""
    return {"as_of": found.as_of_date.isoformat(), "staff_id": found.staff_id}


@router.get("/worklist")
def inbox(
    page: ReaderPageDep,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    staff_id: TextQuery = None,
    kind: Annotated[str | None, Query(max_length=80)] = None,
    p: PageQuery = 1,
) -> Response:
    """Every item of a broker's list for a date (default: the served date), by rank, paged and
    filtered by kind. A manager without a broker named goes to the team page."""
    if not (staff_id or "").strip() and not page.principal.staff_id:
        return RedirectResponse("/worklist/team", status_code=303)
    day = parse_day("as_of", as_of)
    found = work_list(
        page.db,
        page.settings,
        page.principal,
        as_of=day,
        staff_id=staff_id,
        all_items=True,
        kind=kind,
        page=p,
        page_size=PAGE_SIZE,
    )
    filters = {
        "as_of": day.isoformat() if day else None,
        "staff_id": (staff_id or "").strip() or None,
        "kind": found.kind,
    }

    def url(n: int) -> str:
        query = urlencode({k: v for k, v in {**filters, "p": n}.items() if v})
        return f"/worklist?{query}"

    context = {
        "wl": found,
        "filters": filters,
        "pages": max(1, -(-found.total // PAGE_SIZE)),
        "url": url,
        "target": _target(found),
        "own": found.staff_id == page.principal.staff_id,
        **_form_context(page),
    }
    return page.render("worklist.html", context, active="worklist")


@router.get("/worklist/team")
def team(
    page: ReaderPageDep, as_of: Annotated[str | None, Query(max_length=10)] = None
) -> Response:
    """Completion by broker for leads, managers and head office (403 for a broker)."""
    found = completion(page.db, page.settings, page.principal, parse_day("as_of", as_of))
    return page.render("worklist_team.html", {"c": found}, active="worklist")


def _row(
    page: Page, item: WorkItem, target: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    context = {"r": item, "target": target, **_form_context(page), **extra}
    return page.render("_worklist_item.html", context, active="worklist", status_code=status)


def _refused(
    page: Page,
    customer_id: str,
    day: dt.date | None,
    staff_id: str | None,
    exc: InvalidRequest | Conflict,
    form: str,
) -> Response:
    """The item again with its forms and the message (the form that was refused open)."""
    item = work_item(
        page.db, page.settings, page.principal, customer_id, as_of=day, staff_id=staff_id
    )
    status = 409 if isinstance(exc, Conflict) else 422
    message = error_text(status, exc.message, page.language)
    target = _target_of(day, staff_id, item)
    return _row(page, item, target, status, error=message, technical=exc.message, open=form)


def _target_of(day: dt.date | None, staff_id: str | None, item: WorkItem) -> dict[str, str]:
    return {"as_of": day.isoformat() if day else "", "staff_id": staff_id or item.staff_id}


@router.post("/worklist/{customer_id}/done")
def done(
    customer_id: str,
    page: ReaderPageDep,
    channel: Annotated[str, Form(max_length=16)] = "",
    result: Annotated[str, Form(max_length=16)] = "",
    content: Annotated[str, Form(max_length=2000)] = "",
    purpose: Annotated[str, Form(max_length=16)] = "",
    next_step: Annotated[str | None, Form(max_length=500)] = None,
    next_date: Annotated[str | None, Form(max_length=10)] = None,
    as_of: Annotated[str | None, Form(max_length=10)] = None,
    staff_id: Text = None,
) -> Response:
    """Log the contact and mark the item done: the item again, done."""
    day = parse_day("as_of", as_of)
    try:
        contact = ContactInput(
            channel=channel,
            purpose=purpose,
            content=content,
            result=result,
            next_step=next_step or None,
            next_date=parse_day("next_date", next_date),
        )
        item, _ = mark_done(
            page.db, page.settings, page.principal, customer_id, contact, as_of=day,
            staff_id=staff_id,
        )  # fmt: skip
    except (InvalidRequest, Conflict) as exc:
        return _refused(page, customer_id, day, staff_id, exc, "done")
    return _row(page, item, _target_of(day, staff_id, item))


@router.post("/worklist/{customer_id}/snooze")
def snooze_item(
    customer_id: str,
    page: ReaderPageDep,
    until: Annotated[str | None, Form(max_length=10)] = None,
    as_of: Annotated[str | None, Form(max_length=10)] = None,
    staff_id: Text = None,
) -> Response:
    """Snooze the item to a date: the item again, snoozed."""
    day = parse_day("as_of", as_of)
    try:
        when = parse_day("until", until)
        if when is None:
            raise InvalidRequest("until: a date (YYYY-MM-DD) / 请填写提醒日期")
        item = snooze(
            page.db, page.settings, page.principal, customer_id, when, as_of=day,
            staff_id=staff_id,
        )  # fmt: skip
    except (InvalidRequest, Conflict) as exc:
        return _refused(page, customer_id, day, staff_id, exc, "snooze")
    return _row(page, item, _target_of(day, staff_id, item))


@router.post("/worklist/{customer_id}/dismiss")
def dismiss_item(
    customer_id: str,
    page: ReaderPageDep,
    reason: Annotated[str, Form(max_length=500)] = "",
    as_of: Annotated[str | None, Form(max_length=10)] = None,
    staff_id: Text = None,
) -> Response:
    """Dismiss the item with a reason: the item again, dismissed."""
    day = parse_day("as_of", as_of)
    try:
        item = dismiss(
            page.db, page.settings, page.principal, customer_id, reason, as_of=day,
            staff_id=staff_id,
        )  # fmt: skip
    except (InvalidRequest, Conflict) as exc:
        return _refused(page, customer_id, day, staff_id, exc, "dismiss")
    return _row(page, item, _target_of(day, staff_id, item))

"""服务记录 (issue 17 section 2): the 360's 服务记录 panel (an htmx slot): the customer's
timeline (service records, the contacts feed, care messages) with a form to log a contact, and
the author's 编辑 of a record within 24 hours.

A refused field is shown beside it in the panel (answered 200 so htmx swaps it in), never as
an error page. Every read and write goes through `brokerlens.access.records`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form
from starlette.responses import Response

from brokerlens.access.records import (
    BEIJING,
    CONTENT_MAX,
    NEXT_STEP_MAX,
    ContactInput,
    ContactRejected,
    Timeline,
    TimelineEntry,
    customer_timeline,
    edit_record,
    get_record,
)
from brokerlens.access.worklist_actions import log_and_close
from brokerlens.errors import Forbidden
from brokerlens.store.marketing_schema import CHANNELS, PURPOSES, RESULTS
from brokerlens.web.bounds import DayQuery, IdPath, PageQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

PANEL = "records-panel"
SIZE = 10  # entries a page of the panel
# A form's text fields: generous bounds here, the exact ones (with the field's name) in access.
FormText = Annotated[str | None, Form(max_length=CONTENT_MAX * 4)]
FormShort = Annotated[str | None, Form(max_length=40)]


@dataclass(frozen=True)
class Shown:
    """One timeline entry as the panel shows it (Beijing time, and whether 编辑 is offered)."""

    entry: TimelineEntry
    when: str
    editable: bool
    until: str = ""  # editable until (Beijing time)


@dataclass
class FormState:
    """The log (or edit) form's values and its refused field, to show them again in place."""

    values: dict[str, str]
    field: str | None = None
    problem: str | None = None


def _when(entry: TimelineEntry) -> str:
    local = entry.when.astimezone(BEIJING)
    return local.date().isoformat() if entry.dated_only else local.strftime("%Y-%m-%d %H:%M")


def _minute(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _panel(
    page: Page,
    customer_id: str,
    p: int = 1,
    *,
    form: FormState | None = None,
    saved: int | None = None,
    refused: str | None = None,
) -> Response:
    found: Timeline = customer_timeline(
        page.db, page.settings, page.principal, customer_id, page=p, size=SIZE
    )
    now = dt.datetime.now(dt.UTC)
    shown = [
        Shown(e, _when(e), e.editable_by(page.principal, now), _minute(e.editable_until))
        for e in found.entries
    ]
    context = {
        "tl": found,
        "shown": shown,
        "form": form or FormState({}),
        "saved": saved,
        "refused": refused,
        "channels": CHANNELS,
        "purposes": PURPOSES,
        "results": RESULTS,
        "content_max": CONTENT_MAX,
        "next_step_max": NEXT_STEP_MAX,
        "base": f"/customers/{quote(customer_id, safe='')}/records",
        "tomorrow": (now.astimezone(BEIJING).date() + dt.timedelta(days=1)).isoformat(),
    }
    return page.render("_records_panel.html", context, active="customers")


@router.get("/customers/{customer_id}/records")
def panel(
    customer_id: str, page: ReaderPageDep, p: PageQuery = 1, work_item: DayQuery = None
) -> Response:
    """The 360's 服务记录 panel (a fragment; opened on its own: the 360 at the panel). Opened
    from a work item (`work_item`: its list's date), the log form carries that date, and the
    contact logged closes the item."""
    moved = fragment_or_page(page, customer_id, PANEL)
    if moved is not None:
        return moved
    form = FormState({"work_item_date": work_item.isoformat()}) if work_item else None
    return _panel(page, customer_id, p, form=form)


def _date(field: str, text: str | None) -> dt.date | None:
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ContactRejected(field, f"{text[:20]!r} is not a date (YYYY-MM-DD)") from None


def _instant(field: str, text: str | None) -> dt.datetime | None:
    if text is None or not text.strip():
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())  # datetime-local: Beijing time, no zone
    except ValueError:
        raise ContactRejected(field, f"{text[:20]!r} is not a time (YYYY-MM-DDTHH:MM)") from None


def _campaign(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit() or not 1 <= int(text.strip()) < 2**31:
        raise ContactRejected("campaign_id", f"{text[:20]!r} is not a campaign number")
    return int(text.strip())


def _contact(values: dict[str, str]) -> ContactInput:
    return ContactInput(
        channel=values.get("channel", ""),
        purpose=values.get("purpose", ""),
        content=values.get("content", ""),
        result=values.get("result", ""),
        next_step=values.get("next_step") or None,
        next_date=_date("next_date", values.get("next_date")),
        contact_at=_instant("contact_at", values.get("contact_at")),
        campaign_id=_campaign(values.get("campaign_id")),
        work_item_date=_date("work_item_date", values.get("work_item_date")),
    )


def _form_values(**fields: str | None) -> dict[str, str]:
    return {k: v for k, v in fields.items() if v is not None}


@router.post("/customers/{customer_id}/records")
def log(
    customer_id: str,
    page: ReaderPageDep,
    channel: FormShort = None,
    purpose: FormShort = None,
    result: FormShort = None,
    content: FormText = None,
    next_step: FormText = None,
    next_date: FormShort = None,
    contact_at: FormShort = None,
    campaign_id: FormShort = None,
    work_item_date: FormShort = None,
) -> Response:
    """记录联系: the panel again, with the new record on top, or the form with its refused
    field marked. `campaign_id` and `work_item_date` (hidden fields of a form opened from a
    campaign task or a work-list item) link the record to them."""
    values = _form_values(
        channel=channel,
        purpose=purpose,
        result=result,
        content=content,
        next_step=next_step,
        next_date=next_date,
        contact_at=contact_at,
        campaign_id=campaign_id,
        work_item_date=work_item_date,
    )
    try:
        record, _ = log_and_close(
            page.db, page.settings, page.principal, customer_id, _contact(values)
        )
    except ContactRejected as exc:
        return _panel(page, customer_id, form=FormState(values, exc.field, exc.message))
    return _panel(page, customer_id, saved=record.record_id)


@router.get("/service-records/{record_id}/edit")
def edit_form(record_id: IdPath, page: ReaderPageDep) -> Response:
    """编辑: the record's form in place of its timeline entry (the author, within 24 hours; else
    the entry's note says why)."""
    record = get_record(page.db, page.principal, record_id)
    if not page.htmx:
        moved = fragment_or_page(page, record.customer_id, PANEL)
        assert moved is not None
        return moved
    local = record.contact_at.astimezone(BEIJING)
    values = {
        "channel": record.channel,
        "purpose": record.purpose,
        "result": record.result,
        "content": record.content,
        "next_step": record.next_step or "",
        "next_date": record.next_date.isoformat() if record.next_date else "",
        "contact_at": local.strftime("%Y-%m-%dT%H:%M"),
    }
    context = {
        "record": record,
        "editable": record.editable_by(page.principal),
        "form": FormState(values),
        **_choices(record.customer_id),
    }
    return page.render("_record_edit.html", context, active="customers")


def _choices(customer_id: str) -> dict[str, Any]:
    return {
        "channels": CHANNELS,
        "purposes": PURPOSES,
        "results": RESULTS,
        "content_max": CONTENT_MAX,
        "next_step_max": NEXT_STEP_MAX,
        "base": f"/customers/{quote(customer_id, safe='')}/records",
    }


@router.post("/service-records/{record_id}")
def save_edit(
    record_id: IdPath,
    page: ReaderPageDep,
    channel: FormShort = None,
    purpose: FormShort = None,
    result: FormShort = None,
    content: FormText = None,
    next_step: FormText = None,
    next_date: FormShort = None,
    contact_at: FormShort = None,
) -> Response:
    """保存: the panel again with the edited record; a refused field in the edit form; an edit
    no longer allowed (another's record, after 24 hours) as a note on the panel."""
    record = get_record(page.db, page.principal, record_id)
    values = _form_values(
        channel=channel,
        purpose=purpose,
        result=result,
        content=content,
        next_step=next_step,
        next_date=next_date,
        contact_at=contact_at,
    )
    try:
        contact = _contact(values)
        edited = edit_record(
            page.db,
            page.principal,
            record_id,
            replace(contact, campaign_id=record.campaign_id, work_item_date=record.work_item_date),
        )
    except ContactRejected as exc:
        context = {
            "record": record,
            "editable": True,
            "form": FormState(values, exc.field, exc.message),
            **_choices(record.customer_id),
        }
        response = page.render("_record_edit.html", context, active="customers")
        # the form posts to the panel; a refused field shows in the form itself, in place
        response.headers["HX-Retarget"] = f"#record-edit-{record_id}"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    except Forbidden as exc:
        return _panel(page, record.customer_id, refused=exc.message)
    return _panel(page, edited.customer_id, saved=edited.record_id)

"""营销活动 (issue 17 section 3): create from a segment or a product's targets, launch (freeze and
split), outcomes.

/campaigns lists them (status, members, conversions, uplift in the reader's scope);
/campaigns/new is the form; /campaigns/{id} shows the definition with the launch button, and
after launch the outcome: groups, conversions, the uplift with its 95% interval, by branch and
broker, activity volume. Everything goes through `brokerlens.access.campaigns`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from brokerlens.access import campaigns as service
from brokerlens.access import list_segments
from brokerlens.access.knowledge_links import linked_articles
from brokerlens.auth.principal import Permission, Role
from brokerlens.errors import InvalidRequest
from brokerlens.marketing.campaigns.config import load_config
from brokerlens.store.marketing_schema import CAMPAIGN_GOALS, CHANNELS
from brokerlens.web.bounds import MAX_ID, IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

CREATORS = (Role.HQ_MARKETING, Role.BRANCH_MANAGER, Role.REGION_MANAGER)
SHOWN_ROWS = 50  # branches and brokers on the page (most members first)


@router.get("/campaigns")
def campaigns_page(page: ReaderPageDep) -> Response:
    items = service.list_campaigns(page.db, page.principal)
    context = {"campaigns": items, "can_create": page.principal.role in CREATORS}
    return page.render("campaigns.html", context, active="campaigns")


def _form_context(page: Page, values: dict[str, Any] | None = None) -> dict[str, Any]:
    config = load_config(page.settings)
    # the window opens the business day after the served data: what a launch now can move
    snapshot = page.snapshot()
    today = snapshot.as_of_date + dt.timedelta(days=1) if snapshot else dt.date.today()
    defaults = {
        "goal": "deposit",
        "channel": "phone",
        "window_start": today.isoformat(),
        "window_end": (today + dt.timedelta(days=30)).isoformat(),
        "holdout": round(config.holdout_default * 100),
        "threshold_yuan": config.deposit_threshold_yuan,
    }
    return {
        "segments": list_segments(page.db, page.principal),
        "goals": CAMPAIGN_GOALS,
        "channels": CHANNELS,
        "form": {**defaults, **(values or {})},
        "approval_above": config.approval_above,
    }


@router.get("/campaigns/new")
def new_campaign(page: ReaderPageDep, request: Request) -> Response:
    segment = request.query_params.get("segment_id")
    values = {"segment_id": segment} if segment and segment.isdigit() else {}
    return page.render("campaign_new.html", _form_context(page, values), active="campaigns")


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _whole(form: FormData, name: str, low: int, high: int) -> int | None:
    text = _text(form, name)
    if text is None:
        return None
    try:
        value = int(text.replace(",", ""))
    except ValueError:
        raise InvalidRequest(f"{name}: a whole number, got {text[:20]!r}") from None
    if not low <= value <= high:
        raise InvalidRequest(f"{name}: a whole number from {low} to {high}")
    return value


def _day(form: FormData, name: str) -> dt.date:
    text = _text(form, name)
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        raise InvalidRequest(f"{name}: a date (YYYY-MM-DD)") from None


def _input(form: FormData) -> service.CampaignInput:
    source = _text(form, "source") or "segment"
    segment = _whole(form, "segment_id", 1, MAX_ID) if source == "segment" else None
    product = _text(form, "product_id")
    if source == "segment" and segment is None:
        raise InvalidRequest("segment_id: choose a segment")
    if source == "product" and product is None:
        raise InvalidRequest("product_id: give the product's code")
    holdout = _whole(form, "holdout", 0, 90)
    threshold = _whole(form, "threshold_yuan", 1, 10**13)
    return service.CampaignInput(
        name=_text(form, "name") or "",
        goal=_text(form, "goal") or "",
        window_start=_day(form, "window_start"),
        window_end=_day(form, "window_end"),
        segment_id=segment,
        product_id=product,
        top=_whole(form, "top", 1, 10_000_000) if source == "product" else None,
        channel=_text(form, "channel") or "phone",
        script=_text(form, "script"),
        materials=_text(form, "materials"),
        holdout_share=None if holdout is None else holdout / 100,
        seed=_whole(form, "seed", 0, MAX_ID),
        threshold_cents=None if threshold is None else threshold * 100,
    )


@router.post("/campaigns")
async def create(page: ReaderPageDep, request: Request) -> Response:
    made = service.create_campaign(
        page.db, page.settings, page.principal, _input(await request.form())
    )
    return RedirectResponse(f"/campaigns/{made.campaign_id}", status_code=303)


def _bar(rows: list[service.ReportRow]) -> list[service.ReportRow]:
    return sorted(rows, key=lambda r: (-(r.t_members + r.h_members), r.key or ""))[:SHOWN_ROWS]


@router.get("/campaigns/{campaign_id}")
def campaign_page(campaign_id: IdPath, page: ReaderPageDep) -> Response:
    campaign = service.get_campaign(page.db, page.principal, campaign_id)
    report = None
    if campaign.members:
        report = service.campaign_report(page.db, page.settings, page.principal, campaign_id)
    context = {
        "campaign": campaign,
        "report": report,
        "branches": _bar(report.branches) if report else [],
        "brokers": _bar(report.brokers) if report else [],
        "can_export": page.principal.can(Permission.EXPORT),
        "segment_names": {
            str(s.segment_id): s.name for s in list_segments(page.db, page.principal)
        },
        "approval_above": load_config(page.settings).approval_above,
        "launch_request": service.launch_request(page.db, page.principal, campaign_id)
        if campaign.status == "pending_approval"
        else None,
        # issue 23: the knowledge-base articles linked to the campaign's script
        "kb_linked": linked_articles(page.db, page.principal, "campaign", str(campaign_id)),
    }
    return page.render("campaign.html", context, active="campaigns")


@router.post("/campaigns/{campaign_id}/launch")
def launch(campaign_id: IdPath, page: ReaderPageDep) -> Response:
    service.launch_campaign(page.db, page.settings, page.principal, campaign_id)
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)


@router.post("/campaigns/{campaign_id}/cancel")
def cancel(campaign_id: IdPath, page: ReaderPageDep) -> Response:
    service.cancel_campaign(page.db, page.principal, campaign_id)
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)


@router.post("/campaigns/{campaign_id}/close")
def close(campaign_id: IdPath, page: ReaderPageDep) -> Response:
    service.close_campaign(page.db, page.principal, campaign_id)
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)

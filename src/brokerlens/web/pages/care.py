"""关怀提醒 (issue 17 section 4): the care messages' outbox (counts by rule, channel and status,
filters, export and e-mail for users with send_messages, the rules in force), and the 360's
care panel (the customer's messages and opt-outs, 退订 / 恢复).

Every call goes through `brokerlens.access.care` / `care_send` (scope, masking, audit)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from starlette.responses import Response

from brokerlens.access import care as care_service
from brokerlens.access import care_send
from brokerlens.auth.principal import Permission
from brokerlens.errors import BrokerlensError
from brokerlens.store.marketing_schema import MESSAGE_CHANNELS, MESSAGE_STATUSES
from brokerlens.web.api.care import CareParamsDep
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


def _query_string(values: dict[str, Any], **changes: Any) -> str:
    merged = {**values, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def _rule_names(page: Page) -> dict[str, dict[str, str]]:
    try:
        rules = care_service.rules_in_force(page.settings)
    except BrokerlensError:  # a broken rules file must not take the outbox down: ids then
        return {}
    return {r.id: {"zh": r.zh, "en": r.en} for r in rules}


def _outbox(
    page: Page, params: CareParamsDep, report: care_send.SendReport | None = None
) -> Response:
    found = care_service.list_messages(page.db, page.principal, params.query())
    filters = {k: v for k, v in params.values.items() if k not in ("page", "page_size")}
    try:
        rules, rules_error = care_service.rules_in_force(page.settings), None
    except BrokerlensError as exc:
        rules, rules_error = [], exc.message
    qs = _query_string(filters)
    context = {
        "found": found,
        "filters": filters,
        "rules": rules,
        "rules_error": rules_error,
        "rule_names": _rule_names(page),
        "channels": MESSAGE_CHANNELS,
        "statuses": MESSAGE_STATUSES,
        "pages": max(1, -(-found.total // found.page_size)),
        "qs": lambda **changes: _query_string({**filters, "page_size": found.page_size}, **changes),
        "filter_qs": qs,
        "can_send": page.principal.can(Permission.SEND_MESSAGES),
        "report": report,
    }
    return page.render("care.html", context, active="care")


@router.get("/care")
def outbox(page: ReaderPageDep, params: CareParamsDep) -> Response:
    """The care messages of the user's scope with the filters, newest occasion first."""
    return _outbox(page, params)


@router.post("/care/send-email")
def send_email(page: ReaderPageDep, params: CareParamsDep) -> Response:
    """Send the queued e-mails (the filters of the page apply); the outbox with the outcome."""
    report = care_send.send_email(page.db, page.settings, page.principal, params.query(page=1))
    return _outbox(page, params, report)


def _panel(page: Page, customer_id: str, said: str | None = None) -> Response:
    found = care_service.customer_care(page.db, page.principal, customer_id)
    refused = {o.channel for o in found.opt_outs}
    context = {
        "care": found,
        "rule_names": _rule_names(page),
        "channels": [*MESSAGE_CHANNELS, "all"],
        "refused": refused,
        "said": said,
    }
    return page.render("_customer_care.html", context, active="customers")


@router.get("/customers/{customer_id}/care")
def customer_panel(customer_id: str, page: ReaderPageDep) -> Response:
    """The 360's 关怀提醒 panel (a fragment; opened on its own: the 360 at the panel)."""
    moved = fragment_or_page(page, customer_id, "care-panel")
    if moved is not None:
        return moved
    return _panel(page, customer_id)


@router.post("/customers/{customer_id}/care/opt-out")
def opt_out(
    customer_id: str,
    page: ReaderPageDep,
    channel: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """退订: the customer refuses a channel; answers the panel again."""
    care_service.opt_out(page.db, page.principal, customer_id, channel, reason)
    return _panel(page, customer_id, "care.opted_out_done")


@router.post("/customers/{customer_id}/care/opt-in")
def opt_in(
    customer_id: str,
    page: ReaderPageDep,
    channel: Annotated[str, Form(max_length=20)],
) -> Response:
    """恢复: the customer takes a channel again; answers the panel again."""
    care_service.opt_in(page.db, page.principal, customer_id, channel)
    return _panel(page, customer_id, "care.opted_in_done")

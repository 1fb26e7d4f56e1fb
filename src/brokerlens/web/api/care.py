"""关怀提醒 (issue 17 section 4): the care messages' outbox, export, e-mail, opt-outs.

Scope is decided in `brokerlens.access.care` (through the customer scope): a customer outside
the caller's scope answers the same 404 as one that does not exist. Export and e-mail need the
`send_messages` permission (they carry phone numbers and addresses) and are audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import Response

from brokerlens.access import care as care_service
from brokerlens.access import care_send
from brokerlens.errors import InvalidRequest
from brokerlens.web.bounds import PageQuery, check_day
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader

router = APIRouter(prefix="/api", tags=["care"], dependencies=[CsrfDep, Depends(customer_reader)])


def _day(name: str, value: str | None) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRequest(f"{name}: {value[:10]!r} is not a date (YYYY-MM-DD)") from None
    return check_day(name, day)


class CareParams:
    """The outbox's query parameters, shared by the API, the page, the export and e-mail."""

    def __init__(
        self,
        rule_id: Annotated[str | None, Query(max_length=40, description="e.g. birthday")] = None,
        channel: Annotated[str | None, Query(description="sms, app_push or email")] = None,
        status: Annotated[
            str | None, Query(description="queued, exported, sent, failed, opted_out")
        ] = None,
        customer_id: Annotated[str | None, Query(max_length=32)] = None,
        date_from: Annotated[
            str | None, Query(max_length=10, description="occasion date from, YYYY-MM-DD")
        ] = None,
        date_to: Annotated[
            str | None, Query(max_length=10, description="occasion date through, YYYY-MM-DD")
        ] = None,
        page: PageQuery = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> None:
        self.values: dict[str, Any] = {
            "rule_id": rule_id,
            "channel": channel,
            "status": status,
            "customer_id": customer_id,
            "date_from": _day("date_from", date_from),
            "date_to": _day("date_to", date_to),
            "page": page,
            "page_size": page_size,
        }

    def query(self, **changes: Any) -> care_service.CareQuery:
        try:
            return care_service.CareQuery(**{**self.values, **changes})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "query"
            raise InvalidRequest(f"{where}: {first.get('msg')}") from None


CareParamsDep = Annotated[CareParams, Depends()]


class MessagePublic(BaseModel):
    message_id: int
    rule_id: str
    customer_id: str
    name: str | None = Field(default=None, description="the customer's name")
    occasion_date: dt.date
    as_of_date: dt.date = Field(description="the run that made it")
    channel: str
    subject: str | None
    body: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    sent_by: str | None
    error: str | None


class CountsPublic(BaseModel):
    total: int
    by_rule: dict[str, int]
    by_channel: dict[str, int]
    by_status: dict[str, int]


class MessageListPublic(BaseModel):
    data: list[MessagePublic]
    count: int = Field(description="messages matching, over every page")
    page: int
    page_size: int
    counts: CountsPublic
    as_of_date: dt.date


class SendPublic(BaseModel):
    sent: int
    failed: int
    opted_out: int
    errors: list[str] = Field(description="why messages failed (distinct reasons)")


class OptOutPublic(BaseModel):
    customer_id: str
    channel: str
    at: dt.datetime
    username: str
    reason: str | None


class OptOutListPublic(BaseModel):
    customer_id: str
    data: list[OptOutPublic]


class OptOutIn(BaseModel):
    channel: str = Field(max_length=20, description="sms, app_push, email or all")
    reason: str = Field(max_length=500, description="why the customer refuses (kept)")


class OptInPublic(BaseModel):
    customer_id: str
    channel: str
    requeued: int = Field(description="held messages still ahead put back in the queue")


@router.get("/care/messages", response_model=MessageListPublic)
def list_messages(db: DbDep, principal: ReaderDep, params: CareParamsDep) -> Any:
    """The care messages of your customers matching the filters, newest occasion first, with
    counts by rule, channel and status."""
    found = care_service.list_messages(db, principal, params.query())
    return {
        "data": found.rows,
        "count": found.total,
        "page": found.page,
        "page_size": found.page_size,
        "counts": found.counts,
        "as_of_date": found.as_of_date,
    }


@router.post("/care/export")
def export(
    db: DbDep,
    principal: ReaderDep,
    params: CareParamsDep,
    channel: Annotated[str, Query(max_length=20, description="sms or app_push")],
) -> Response:
    """The queued messages of a channel in your scope as CSV for the SMS / app-push platform
    (customer id, phone or app id, body); they are marked exported. Needs send_messages."""
    done = care_send.export_messages(db, principal, channel, params.query(page=1))
    return Response(
        done.text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{done.name}"',
            "X-Exported-Count": str(done.count),
        },
    )


@router.post("/care/send-email", response_model=SendPublic)
def send_email(
    db: DbDep, settings: SettingsDep, principal: ReaderDep, params: CareParamsDep
) -> Any:
    """Send the queued e-mail messages in your scope through the SMTP relay; each is marked
    sent or failed with the reason. Needs send_messages."""
    report = care_send.send_email(db, settings, principal, params.query(page=1))
    return {
        "sent": report.sent,
        "failed": report.failed,
        "opted_out": report.opted_out,
        "errors": report.errors,
    }


@router.get("/customers/{customer_id}/opt-outs", response_model=OptOutListPublic)
def list_opt_outs(customer_id: str, db: DbDep, principal: ReaderDep) -> Any:
    """The channels the customer refuses messages on."""
    found = care_service.customer_care(db, principal, customer_id)
    return {"customer_id": customer_id, "data": found.opt_outs}


@router.post("/customers/{customer_id}/opt-outs", response_model=OptOutPublic, status_code=201)
def add_opt_out(customer_id: str, body: OptOutIn, db: DbDep, principal: ReaderDep) -> Any:
    """The customer refuses messages on a channel (or all); queued ones there are held."""
    return care_service.opt_out(db, principal, customer_id, body.channel, body.reason)


@router.delete("/customers/{customer_id}/opt-outs", response_model=OptInPublic)
def remove_opt_out(
    customer_id: str,
    db: DbDep,
    principal: ReaderDep,
    channel: Annotated[str, Query(max_length=20)],
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> Any:
    """The customer takes messages on the channel again (409 when they had not opted out)."""
    requeued = care_service.opt_in(db, principal, customer_id, channel, reason)
    return {"customer_id": customer_id, "channel": channel, "requeued": requeued}

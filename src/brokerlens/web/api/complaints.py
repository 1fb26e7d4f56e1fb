"""投诉与建议 (issue 18 section 2) through `brokerlens.access` (scope, audit): the list in
scope, intake, a complaint with its events, assign / note / resolve / reopen, the annual
summary and its export.

Scope and permissions are decided in `brokerlens.access.complaints`: a complaint about a
customer outside the caller's scope answers the same 404 as an unknown one; handling one (assign,
resolve, reopen) and the summary need the `complaints` permission (403 otherwise).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import Response

from brokerlens.access import complaint_summary as summary_service
from brokerlens.access import complaints as service
from brokerlens.compliance.callbacks.config import load_config as callback_config
from brokerlens.compliance.complaints.config import load_config as complaint_config
from brokerlens.errors import InvalidRequest
from brokerlens.web.bounds import PageQuery
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader
from brokerlens.web.export import CodesQuery, Format, Presentation, export_response
from brokerlens.web.i18n import translate

router = APIRouter(
    prefix="/api", tags=["complaints"], dependencies=[CsrfDep, Depends(customer_reader)]
)


class ComplaintParams:
    """The list's query parameters, shared by the API and the page."""

    def __init__(
        self,
        status: Annotated[str | None, Query(description="open, processing or closed")] = None,
        category: Annotated[str | None, Query(max_length=32)] = None,
        branch_id: Annotated[str | None, Query(max_length=32)] = None,
        customer_id: Annotated[str | None, Query(max_length=32)] = None,
        assigned_to: Annotated[str | None, Query(max_length=64)] = None,
        overdue: Annotated[bool, Query(description="not closed and past the SLA due")] = False,
        escalated: Annotated[bool, Query(description="escalated to a manager")] = False,
        page: PageQuery = 1,
        page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
    ) -> None:
        self.values: dict[str, Any] = {
            "status": status,
            "category": category,
            "branch_id": branch_id,
            "customer_id": customer_id,
            "assigned_to": assigned_to,
            "overdue": overdue,
            "escalated": escalated,
            "page": page,
            "page_size": page_size,
        }

    def query(self, **changes: Any) -> service.ComplaintQuery:
        try:
            return service.ComplaintQuery(**{**self.values, **changes})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "query"
            raise InvalidRequest(f"{where}: {first.get('msg')}") from None


ComplaintParamsDep = Annotated[ComplaintParams, Depends()]


class ComplaintPublic(BaseModel):
    complaint_id: str
    customer_id: str
    name: str | None = Field(default=None, description="the customer's name")
    branch_id: str | None
    source: str = Field(description="feed or workbench")
    channel: str | None
    category: str
    content: str | None
    opened: dt.date
    status: str
    sla_due: dt.date
    overdue: bool
    days_left: int | None = Field(description="days to the SLA due (negative: overdue)")
    escalation: int = Field(description="0 none, 1 branch manager, 2 head-office compliance")
    escalated_on: dt.date | None
    assigned_to: str | None
    resolution: str | None
    satisfaction: int | None
    closed: dt.date | None
    created_by: str
    keep_until: dt.date


class ComplaintListPublic(BaseModel):
    data: list[ComplaintPublic]
    count: int
    page: int
    page_size: int
    by_status: dict[str, int]
    today: dt.date


class EventPublic(BaseModel):
    event_id: int
    at: dt.datetime
    username: str
    kind: str
    note: str | None


class ComplaintDetailPublic(ComplaintPublic):
    events: list[EventPublic]
    may_handle: bool


class ComplaintIn(BaseModel):
    customer_id: str = Field(max_length=32)
    channel: str = Field(max_length=16, description="phone, visit, letter, email, wechat ...")
    category: str = Field(max_length=32, description="a configured category (complaints.yaml)")
    content: str = Field(max_length=4000)
    opened: dt.date | None = Field(default=None, description="default today (Beijing)")


class AssignIn(BaseModel):
    assigned_to: str = Field(max_length=64, description="a username who may handle complaints")


class NoteIn(BaseModel):
    note: str = Field(max_length=4000)


class ResolveIn(BaseModel):
    resolution: str = Field(max_length=4000)
    satisfaction: int | None = Field(default=None, description="the customer's, 1..5")


class ResolvedPublic(ComplaintPublic):
    callback_id: int | None = Field(description="the complaint call-back scheduled")


class ReopenIn(BaseModel):
    reason: str = Field(max_length=4000)


def summary_presentation(language: str, codes: bool) -> Presentation:
    """The summary's export: headers in words (a total row leaves category or branch blank)."""
    labels = {c: translate(f"complaints.col.{c}", language) for c in summary_service.EXPORT_COLUMNS}
    return Presentation(language=language, codes=codes, labels=labels)


def public(row: service.ComplaintRow) -> dict[str, Any]:
    c = row.complaint
    return {
        **{k: getattr(c, k) for k in ComplaintPublic.model_fields if hasattr(c, k)},
        "name": row.name,
        "overdue": row.overdue,
        "days_left": row.days_left,
    }


def _plain(complaint: service.Complaint) -> dict[str, Any]:
    return public(service.ComplaintRow(complaint, None, False, None))


@router.get("/complaints", response_model=ComplaintListPublic)
def list_complaints(db: DbDep, principal: ReaderDep, params: ComplaintParamsDep) -> Any:
    """Complaints of your customers matching the filters, the soonest SLA due first, with the
    counts by status."""
    found = service.list_complaints(db, principal, params.query())
    return {
        "data": [public(r) for r in found.rows],
        "count": found.total,
        "page": found.page,
        "page_size": found.page_size,
        "by_status": found.by_status,
        "today": found.today,
    }


@router.post("/complaints", response_model=ComplaintPublic, status_code=201)
def file_complaint(
    body: ComplaintIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> Any:
    """Take a complaint about a customer in your scope; its SLA due date comes from the
    category."""
    entry = service.ComplaintInput(**body.model_dump())
    return _plain(service.file_complaint(db, principal, entry, complaint_config(settings)))


@router.get("/complaints/summary")
def summary(db: DbDep, principal: ReaderDep, year: Annotated[int, Query(ge=2000, le=2100)]) -> Any:
    """The annual complaint summary of the complaints opened in `year`: by category and branch,
    totals, and the date it is due (30 April of the next year). Needs the complaints
    permission."""
    found = summary_service.complaint_summary(db, principal, year)

    def row(r: summary_service.SummaryRow) -> dict[str, Any]:
        names = (*summary_service.EXPORT_COLUMNS,)
        return {n: getattr(r, n) for n in names}

    return {
        "year": found.year,
        "due": found.due,
        "through": found.through,
        "rows": [row(r) for r in found.rows],
        "by_category": [row(r) for r in found.by_category],
        "by_branch": [row(r) for r in found.by_branch],
        "total": row(found.total),
    }


@router.get("/complaints/summary/export.{fmt}", response_class=Response)
def export_summary(
    fmt: Format,
    db: DbDep,
    principal: ReaderDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    codes: CodesQuery = False,
) -> Response:
    """The annual summary as CSV or Excel (Chinese headers unless `codes=1`); audited."""
    show = summary_presentation(principal.language, codes)
    return export_response(
        lambda sink: summary_service.write_summary(db, principal, year, sink), fmt, show, db=db
    )


@router.get("/complaints/{complaint_id}", response_model=ComplaintDetailPublic)
def get_complaint(complaint_id: str, db: DbDep, principal: ReaderDep) -> Any:
    """A complaint of a customer in your scope with its events, oldest first."""
    found = service.get_complaint(db, principal, complaint_id)
    return {**public(found.row), "events": found.events, "may_handle": found.may_handle}


@router.post("/complaints/{complaint_id}/assign", response_model=ComplaintPublic)
def assign(complaint_id: str, body: AssignIn, db: DbDep, principal: ReaderDep) -> Any:
    """Give the complaint to a user who may handle it (needs the complaints permission)."""
    return _plain(service.assign_complaint(db, principal, complaint_id, body.assigned_to))


@router.post("/complaints/{complaint_id}/notes", response_model=EventPublic, status_code=201)
def note(complaint_id: str, body: NoteIn, db: DbDep, principal: ReaderDep) -> Any:
    """Add a note to the complaint."""
    return service.note_complaint(db, principal, complaint_id, body.note)


@router.post("/complaints/{complaint_id}/resolve", response_model=ResolvedPublic)
def resolve(
    complaint_id: str, body: ResolveIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> Any:
    """Close the complaint with its resolution and the customer's satisfaction; a complaint
    call-back is scheduled (needs the complaints permission)."""
    done = service.resolve_complaint(
        db,
        principal,
        complaint_id,
        body.resolution,
        body.satisfaction,
        callback_config(settings),
        complaint_config(settings),
    )
    return {**_plain(done.complaint), "callback_id": done.callback_id}


@router.post("/complaints/{complaint_id}/reopen", response_model=ComplaintPublic)
def reopen(complaint_id: str, body: ReopenIn, db: DbDep, principal: ReaderDep) -> Any:
    """Open a closed complaint again, saying why (needs the complaints permission)."""
    return _plain(service.reopen_complaint(db, principal, complaint_id, body.reason))

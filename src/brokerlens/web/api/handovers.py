"""客户移交 and the ledger's problems (issue 19 section 2) through `brokerlens.access`.

Preview a handover (nothing changes), request it (an approval of kind `relationship_handover`
in 待审批), list and read handovers, the book a staff member has left (the staff page's slot),
and the ledger's problems in scope. Every call is audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from brokerlens.access import handovers as service
from brokerlens.access.ledger import ledger_problems
from brokerlens.web.bounds import EARLIEST_DAY, LATEST_DAY, IdPath
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["handovers"], dependencies=[CsrfDep, Depends(customer_reader)]
)

StaffPath = Annotated[str, Path(min_length=1, max_length=32)]
Role = Literal["developer", "servicer", "advisor"]


class HandoverCreate(BaseModel):
    giver_id: str = Field(min_length=1, max_length=32)
    receiver_id: str = Field(min_length=1, max_length=32)
    customer_ids: list[Annotated[str, Field(min_length=1, max_length=32)]] | None = Field(
        default=None, max_length=service.MAX_CUSTOMERS, description="none: the whole book"
    )
    segment_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    roles: list[Role] | None = Field(default=None, description="none: every role the giver holds")
    effective_date: dt.date | None = Field(
        default=None, ge=EARLIEST_DAY, le=LATEST_DAY, description="none: the served date"
    )
    reason: str | None = Field(default=None, max_length=2000)

    def entry(self) -> service.HandoverInput:
        return service.HandoverInput(**self.model_dump())


class MovingPublic(BaseModel):
    customer_id: str
    roles: list[str]
    total_assets: float | None


class PreviewPublic(BaseModel):
    giver_id: str
    giver_name: str
    receiver_id: str
    receiver_name: str
    effective_date: dt.date
    roles: list[str]
    selection: str
    customers: list[MovingPublic]
    count: int
    total_assets: Decimal
    commission: Decimal | None = Field(description="net commission of commission_month, yuan")
    commission_month: dt.date | None
    commission_basis: str = Field(
        description="last_complete_month, month_to_date (no complete month kept), or none"
    )
    decided_by_unit: str | None = Field(description="the deciding branch; null: head office")
    not_held: list[str]


class HandoverPublic(BaseModel):
    handover_id: int
    request_id: int | None
    giver_id: str
    receiver_id: str
    effective_date: dt.date
    roles: list[str]
    selection: str
    customer_ids: list[str]
    unit_id: str | None
    status: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    moved: int


class HandoversPublic(BaseModel):
    data: list[HandoverPublic]
    count: int


class BookLeftPublic(BaseModel):
    staff_id: str
    name: str | None
    as_of: dt.date
    by_role: dict[str, int]
    customers: int
    open_handovers: list[HandoverPublic]


class ProblemPublic(BaseModel):
    customer_id: str
    role: str
    from_date: dt.date
    to_date: dt.date | None
    share_total: Decimal
    holders: int


class ProblemsPublic(BaseModel):
    as_of: dt.date | None
    total: int
    data: list[ProblemPublic]


def preview_public(p: service.HandoverPreview) -> PreviewPublic:
    return PreviewPublic(
        giver_id=p.giver_id,
        giver_name=p.giver_name,
        receiver_id=p.receiver_id,
        receiver_name=p.receiver_name,
        effective_date=p.effective_date,
        roles=p.roles,
        selection=p.selection,
        customers=[MovingPublic(**vars(m)) for m in p.customers],
        count=len(p.customers),
        total_assets=p.total_assets,
        commission=Decimal(p.commission_cents) / 100 if p.commission_cents is not None else None,
        commission_month=p.commission_month,
        commission_basis=p.commission_basis,
        decided_by_unit=p.unit_id,
        not_held=p.not_held,
    )


def handover_public(h: service.Handover) -> HandoverPublic:
    return HandoverPublic(**vars(h))


@router.post("/handovers/preview", response_model=PreviewPublic)
def preview(
    body: HandoverCreate, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> PreviewPublic:
    """Who would move (customers and roles), their total assets and last month's net
    commission; nothing changes (manage_org). Audited `handover_preview`."""
    return preview_public(service.preview_handover(db, settings, principal, body.entry()))


@router.post("/handovers", response_model=HandoverPublic, status_code=201)
def request(
    body: HandoverCreate, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> HandoverPublic:
    """Request the handover: it waits in 待审批 for a manager of the giver's branch or above
    (head office for a receiver in another branch). Audited `handover_request`."""
    made = service.request_handover(db, settings, principal, body.entry())
    return handover_public(made)


@router.get("/handovers", response_model=HandoversPublic)
def list_handovers(
    db: DbDep,
    principal: ReaderDep,
    staff_id: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    status: Literal["pending", "applied", "rejected", "withdrawn", "failed"] | None = None,
    limit: int = Query(default=service.LIST_LIMIT, ge=1, le=service.LIST_LIMIT),
) -> HandoversPublic:
    """Handovers from or to staff in your reach (or requested by you), newest first."""
    found = service.list_handovers(db, principal, staff_id=staff_id, status=status, limit=limit)
    return HandoversPublic(data=[handover_public(h) for h in found], count=len(found))


@router.get("/handovers/{handover_id}", response_model=HandoverPublic)
def get_handover(handover_id: IdPath, db: DbDep, principal: ReaderDep) -> HandoverPublic:
    return handover_public(service.get_handover(db, principal, handover_id))


@router.get("/staff/{staff_id}/handover", response_model=BookLeftPublic)
def staff_handover(staff_id: StaffPath, db: DbDep, principal: ReaderDep) -> BookLeftPublic:
    """The book the staff member still holds on the served date or later, per role, and their
    open handovers (404 out of your staff scope)."""
    left = service.staff_book_left(db, principal, staff_id)
    return BookLeftPublic(
        staff_id=left.staff_id,
        name=left.name,
        as_of=left.as_of,
        by_role=left.by_role,
        customers=left.customers,
        open_handovers=[handover_public(h) for h in left.open_handovers],
    )


@router.get("/ledger/problems", response_model=ProblemsPublic)
def problems(
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    role: Role | None = None,
    limit: int = Query(default=200, ge=1, le=500),
) -> ProblemsPublic:
    """Spans on which a customer's shares in one role do not add up to 100% (customers in your
    scope), from the ledger of the served date."""
    found = ledger_problems(db, settings, principal, role=role, limit=limit)
    data = [ProblemPublic(**vars(p)) for p in found.rows]
    return ProblemsPublic(as_of=found.as_of, total=found.total, data=data)

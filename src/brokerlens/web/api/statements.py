"""佣金分成: monthly commission statements (issue 19 section 3) through `brokerlens.access`
(staff scope, audit): the months, one month's lines and totals, settle, request an adjusting
entry, export per staff or per unit, and a staff member's income by month (the staff page's
slot). Amounts are integer cents (`*_cents`) and yuan strings exact to the cent (`*_yuan`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from brokerlens.access import statement_settle as settle_service
from brokerlens.access import statements as service
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader
from brokerlens.web.export import CodesQuery, Format, Presentation, export_response
from brokerlens.web.i18n import translate

router = APIRouter(
    prefix="/api", tags=["statements"], dependencies=[CsrfDep, Depends(customer_reader)]
)

MonthPath = Annotated[str, Path(min_length=7, max_length=10, description="YYYY-MM")]


class PeriodPublic(BaseModel):
    month: str = Field(description="YYYY-MM")
    status: Literal["preview", "complete", "settled"]
    through: dt.date | None = Field(description="the last day counted")
    commission_cents: int = Field(description="the customers' net commission of the month")
    product_fee_cents: int
    commission_yuan: str
    product_fee_yuan: str
    settled_by: str | None
    settled_at: dt.datetime | None


class LinePublic(BaseModel):
    staff_id: str | None = Field(description="null: income nobody held in the role")
    staff_name: str | None
    unit_id: str | None
    unit_name: str | None
    role: str
    income_kind: str
    amount_cents: int
    amount_yuan: str
    customers: int
    entry: Literal["preview", "settled", "adjustment"]
    request_id: int | None


class StatementPublic(BaseModel):
    period: PeriodPublic
    whole: bool = Field(description="you see every line (else the staff in your scope)")
    data: list[LinePublic]
    count: int


class MonthsPublic(BaseModel):
    data: list[PeriodPublic]
    count: int


class AdjustmentIn(BaseModel):
    role: Literal["developer", "servicer", "advisor"]
    income_kind: Literal["commission", "product_fee"] = "commission"
    to_staff: str = Field(min_length=1, max_length=32)
    from_staff: str | None = Field(default=None, min_length=1, max_length=32)
    from_unit: str | None = Field(
        default=None, min_length=1, max_length=32, description="without from_staff"
    )
    amount: str = Field(min_length=1, max_length=24, description="yuan, to the cent")
    reason: str = Field(min_length=1, max_length=settle_service.REASON_MAX)


class AdjustmentPublic(BaseModel):
    request_id: int
    status: str
    subject: str


class IncomeMonthPublic(BaseModel):
    month: str
    status: str
    through: dt.date | None
    commission_yuan: str
    product_fee_yuan: str
    total_yuan: str
    by_role: dict[str, dict[str, int]] = Field(description="role -> income kind -> cents")


class IncomePublic(BaseModel):
    staff_id: str
    data: list[IncomeMonthPublic]


def _yuan(cents: int) -> str:
    return str(service.cents_to_yuan(cents))


def period_public(p: service.Period) -> PeriodPublic:
    return PeriodPublic(
        month=f"{p.month:%Y-%m}",
        status=p.status,
        through=p.through,
        commission_cents=p.commission_cents,
        product_fee_cents=p.product_fee_cents,
        commission_yuan=_yuan(p.commission_cents),
        product_fee_yuan=_yuan(p.product_fee_cents),
        settled_by=p.settled_by,
        settled_at=p.settled_at,
    )


def line_public(x: service.Line) -> LinePublic:
    values: dict[str, Any] = {k: getattr(x, k) for k in LinePublic.model_fields if hasattr(x, k)}
    return LinePublic(**{**values, "amount_yuan": _yuan(x.amount_cents)})


@router.get("/statements", response_model=MonthsPublic)
def list_months(settings: SettingsDep, db: DbDep, principal: ReaderDep) -> MonthsPublic:
    """The months with statements, newest first: preview (month to date), complete (counted to
    its last day, ready to settle) or settled."""
    found = [period_public(p) for p in service.list_months(settings, db, principal)]
    return MonthsPublic(data=found, count=len(found))


@router.get("/statements/{month}", response_model=StatementPublic)
def get_statement(
    month: MonthPath,
    settings: SettingsDep,
    db: DbDep,
    principal: ReaderDep,
    staff_id: Annotated[str | None, Query(max_length=32)] = None,
    unit_id: Annotated[str | None, Query(max_length=32)] = None,
) -> StatementPublic:
    """The month's lines you may see (a staff member's or a unit's with the filters); audited."""
    found = service.get_statement(
        settings,
        db,
        principal,
        service.parse_month(month),
        staff_id=staff_id,
        unit_id=unit_id,
    )
    lines = [line_public(x) for x in found.lines]
    return StatementPublic(
        period=period_public(found.period), whole=found.whole, data=lines, count=len(lines)
    )


@router.post("/statements/{month}/settle", response_model=PeriodPublic)
def settle(month: MonthPath, settings: SettingsDep, db: DbDep, principal: ReaderDep) -> Any:
    """Close a month counted to its last day (settle_commission); settling again: 409."""
    done = settle_service.settle(settings, db, principal, service.parse_month(month))
    return period_public(done)


@router.post("/statements/{month}/adjustments", response_model=AdjustmentPublic, status_code=201)
def request_adjustment(
    month: MonthPath, body: AdjustmentIn, settings: SettingsDep, db: DbDep, principal: ReaderDep
) -> AdjustmentPublic:
    """Request an adjusting entry of a settled month (approval kind commission_adjustment,
    decided by another holder of settle_commission)."""
    change = settle_service.Adjustment(month=service.parse_month(month), **body.model_dump())
    made = settle_service.request_adjustment(settings, db, principal, change)
    return AdjustmentPublic(request_id=made.request_id, status=made.status, subject=made.subject)


def statement_presentation(language: str, codes: bool) -> Presentation:
    """The export's amounts in yuan (exact to the cent) and its income kinds in words."""
    kinds = {k: translate(f"stmt.kind.{k}", language) for k in ("commission", "product_fee")}
    return Presentation(
        language=language,
        codes=codes,
        amounts=frozenset({"amount"}),
        values={"income_kind": kinds},
    )


@router.get("/statements/{month}/export.{fmt}", response_class=Response)
def export_statement(
    month: MonthPath,
    fmt: Format,
    settings: SettingsDep,
    db: DbDep,
    principal: ReaderDep,
    by: Literal["staff", "unit"] = "staff",
    codes: CodesQuery = False,
) -> Response:
    """The month per staff member or per unit as CSV or Excel (needs export); audited."""
    day = service.parse_month(month)
    show = statement_presentation(principal.language, codes)
    return export_response(
        lambda sink: service.export_statement(settings, db, principal, day, by, sink),
        fmt,
        show,
        db=db,
    )


def income_public(staff_id: str, months: list[service.IncomeMonth]) -> IncomePublic:
    data = []
    for m in months:
        by_role: dict[str, dict[str, int]] = {}
        for (role, kind), cents in m.cents.items():
            by_role.setdefault(role, {})[kind] = cents
        data.append(
            IncomeMonthPublic(
                month=f"{m.month:%Y-%m}",
                status=m.status,
                through=m.through,
                commission_yuan=str(m.commission),
                product_fee_yuan=str(m.product_fee),
                total_yuan=str(m.total),
                by_role=by_role,
            )
        )
    return IncomePublic(staff_id=staff_id, data=data)


@router.get("/staff/{staff_id}/income", response_model=IncomePublic)
def staff_income(
    staff_id: Annotated[str, Path(min_length=1, max_length=32)],
    settings: SettingsDep,
    db: DbDep,
    principal: ReaderDep,
) -> IncomePublic:
    """A staff member's income and commission by month, newest first (out of scope: 404)."""
    return income_public(staff_id, service.staff_income(settings, db, principal, staff_id))

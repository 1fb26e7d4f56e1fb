"""佣金分成: monthly commission statements (issue 19 section 3), pages through
`brokerlens.access` (staff scope, audit).

/statements lists the months; /statements/{YYYY-MM} shows one month per staff member or per
unit (`?by=unit`) with settle (a complete month, settle_commission), the adjusting-entry form
(a settled month) and the Excel exports; /staff/{id}/income is the staff page's income slot.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from brokerlens.access import statement_settle as settle_service
from brokerlens.access import statements as service
from brokerlens.auth.principal import Permission
from brokerlens.errors import Conflict
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

ROLES = ("developer", "servicer", "advisor")
KINDS = ("commission", "product_fee")
ADJUST_FIELDS = ("role", "income_kind", "from_staff", "from_unit", "to_staff", "amount", "reason")
SHOWN = 1000  # rows of the month's table; the export has them all
StaffPath = Annotated[str, Path(min_length=1, max_length=32)]
MonthPath = Annotated[str, Path(min_length=7, max_length=10)]


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


@router.get("/statements")
def statements_page(page: ReaderPageDep) -> Response:
    months = service.list_months(page.settings, page.db, page.principal)
    context = {"months": months, "may_settle": page.principal.can(Permission.SETTLE_COMMISSION)}
    return page.render("statements.html", context, active="statements")


def _month_page(
    page: Page,
    month: str,
    *,
    error: str = "",
    problem: str = "",
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    day = service.parse_month(month)
    by = "unit" if page.request.query_params.get("by") == "unit" else "staff"
    found = service.get_statement(page.settings, page.db, page.principal, day)
    totals = found.totals(by)  # type: ignore[arg-type]
    context: dict[str, Any] = {
        "s": found,
        "p": found.period,
        "by": by,
        "totals": totals[:SHOWN],
        "more": max(0, len(totals) - SHOWN),
        "adjustments": [x for x in found.lines if x.entry == "adjustment"],
        "roles": ROLES,
        "kinds": KINDS,
        "month_text": f"{day:%Y-%m}",
        "may_settle": page.principal.can(Permission.SETTLE_COMMISSION),
        "may_export": page.principal.can(Permission.EXPORT),
        "error": error,
        "problem": problem,
        "typed": typed or {},
    }
    return page.render("statement.html", context, active="statements", status_code=status_code)


@router.get("/statements/{month}")
def statement_page(month: MonthPath, page: ReaderPageDep) -> Response:
    return _month_page(page, month)


@router.post("/statements/{month}/settle")
def settle(month: MonthPath, page: ReaderPageDep) -> Response:
    day = service.parse_month(month)
    try:
        settle_service.settle(page.settings, page.db, page.principal, day)
    except Conflict as exc:
        return _month_page(page, month, error="settle", problem=exc.message, status_code=409)
    return RedirectResponse(f"/statements/{day:%Y-%m}", status_code=303)


@router.post("/statements/{month}/adjust")
async def adjust(month: MonthPath, page: ReaderPageDep, request: Request) -> Response:
    day = service.parse_month(month)
    form = await request.form()
    typed = {k: _text(form, k) or "" for k in ADJUST_FIELDS}
    change = settle_service.Adjustment(
        month=day,
        role=typed["role"],
        income_kind=typed["income_kind"] or "commission",
        to_staff=typed["to_staff"],
        amount=typed["amount"],
        reason=typed["reason"],
        from_staff=typed["from_staff"] or None,
        from_unit=typed["from_unit"] or None,
    )
    try:
        made = settle_service.request_adjustment(page.settings, page.db, page.principal, change)
    except service.StatementRejected as exc:
        return _month_page(
            page, month, error=exc.field, problem=exc.problem, typed=typed, status_code=422
        )
    except Conflict as exc:
        return _month_page(
            page, month, error="adjust", problem=exc.message, typed=typed, status_code=409
        )
    return RedirectResponse(f"/approvals/{made.request_id}", status_code=303)


@router.get("/staff/{staff_id}/income")
def staff_income_slot(staff_id: StaffPath, page: ReaderPageDep) -> Response:
    months = service.staff_income(page.settings, page.db, page.principal, staff_id)
    context = {"staff_id": staff_id, "months": months, "roles": ROLES}
    return page.render("_staff_income.html", context, active="statements")

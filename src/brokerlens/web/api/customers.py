"""Customers: the filtered list, the 360, assets history, why, reveal and CSV export.

Every call goes through `brokerlens.access`, which cuts to the user's scope: a customer out of
scope raises the same NotFound as one that does not exist, so both answer the same 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.responses import Response

from brokerlens import access
from brokerlens.access.exports import write_customers
from brokerlens.indicators import load_indicators
from brokerlens.web.bounds import PageQuery, check_filters
from brokerlens.web.deps import (
    CsrfDep,
    DbDep,
    ExporterDep,
    ReaderDep,
    SettingsDep,
    customer_reader,
)
from brokerlens.web.export import CodesQuery, Format, Presentation, export_response
from brokerlens.web.filters import conditions_from

router = APIRouter(
    prefix="/api/customers",
    tags=["customers"],
    dependencies=[CsrfDep, Depends(customer_reader)],
)

MAX_PAGE_SIZE = 200


class CustomerListParams:
    """The list's query parameters, shared by the API, the page and the export."""

    def __init__(
        self,
        f: Annotated[
            list[str],
            Query(
                description="condition field:op:value, repeatable; op in eq, ne, in, gt, ge, "
                "lt, le, between, is_null, not_null; `in` and `between` take comma-separated "
                "values, e.g. f=service_level:eq:金手指&f=total_assets_t:between:1e5,1e6"
            ),
        ] = [],  # noqa: B006  (FastAPI copies defaults per request)
        branch_id: Annotated[str | None, Query(description="only this branch")] = None,
        team_id: Annotated[str | None, Query(description="only this team's customers")] = None,
        staff_id: Annotated[str | None, Query(description="only this staff member's")] = None,
        search: Annotated[
            str | None, Query(max_length=100, description="customer id or name contains")
        ] = None,
        sort: Annotated[str | None, Query(description="a column of the profile")] = None,
        desc: Annotated[bool, Query(description="sort descending")] = False,
        page: PageQuery = 1,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> None:
        self.filters = check_filters([x for x in f if x])
        self.branch_id = branch_id or None
        self.team_id = team_id or None
        self.staff_id = staff_id or None
        self.search = (search or "").strip() or None
        self.sort = sort or None
        self.desc = desc
        self.page = page
        self.page_size = page_size

    def query(self) -> Any:
        return access.CustomerQuery(
            conditions=list[access.conditions.Node](conditions_from(self.filters)),
            branch_id=self.branch_id,
            team_id=self.team_id,
            staff_id=self.staff_id,
            search=self.search,
            sort=self.sort,
            descending=self.desc,
            page=self.page,
            page_size=self.page_size,
        )


ListParams = Annotated[CustomerListParams, Depends()]


class CustomerListPublic(BaseModel):
    data: list[dict[str, Any]]
    count: int = Field(description="customers matching, over every page")
    page: int
    page_size: int
    as_of_date: dt.date | None = None


class ClassificationValue(BaseModel):
    id: str
    zh: str
    en: str
    value: str | None
    value_en: str | None = None


class Customer360Public(BaseModel):
    """The customer 360 as `access.customer_360` gives it; personal data masked."""

    model_config = ConfigDict(extra="allow")

    customer_id: str
    as_of_date: dt.date
    customer: dict[str, Any] = Field(description="reference data as of the date (masked)")
    indicators: dict[str, Any]
    classifications: list[ClassificationValue]
    positions: list[dict[str, Any]] = Field(default_factory=list)
    recent_trades: list[dict[str, Any]] = Field(default_factory=list)
    transfers: list[dict[str, Any]] = Field(default_factory=list)
    product_holdings: list[dict[str, Any]] = Field(default_factory=list)
    risk_assessment: dict[str, Any] | None = None
    agreements: list[dict[str, Any]] = Field(default_factory=list)
    contacts: list[dict[str, Any]] = Field(default_factory=list)
    relationships: list[dict[str, Any]] = Field(default_factory=list)
    facts_error: str | None = Field(default=None, description="set when the lake was unreadable")


class RevealIn(BaseModel):
    field: Literal["id_no", "phone", "email", "birth_date"]
    reason: str = Field(min_length=1, max_length=500, description="why; written to the audit log")

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a reason is required")
        return value.strip()


class RevealOut(BaseModel):
    customer_id: str
    field: str
    value: str | None


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    # pydantic writes the rest (dates, None, numbers) itself, far faster than jsonable_encoder;
    # only a Decimal would come out as a string.
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def page_of(result: Any) -> CustomerListPublic:
    return CustomerListPublic(
        data=[_plain(row) for row in result.rows],
        count=result.total,
        page=result.page,
        page_size=result.page_size,
        as_of_date=result.as_of_date,
    )


@router.get("", response_model=CustomerListPublic)
def list_customers(db: DbDep, principal: ReaderDep, params: ListParams) -> CustomerListPublic:
    """Customers in your scope matching every condition, one page, sorted."""
    return page_of(access.list_customers(db, principal, params.query()))


@router.get("/export.{fmt}", response_class=Response)
def export_customers(
    fmt: Format,
    db: DbDep,
    settings: SettingsDep,
    principal: ExporterDep,
    params: ListParams,
    codes: CodesQuery = False,
) -> Response:
    """Every customer matching the list's filters as CSV or Excel (`export.csv`,
    `export.xlsx`; PII masked), with Chinese headers and labelled values unless `codes=1`;
    audited as an export."""
    show = Presentation(principal.language, codes, load_indicators(settings))
    query = params.query()
    return export_response(
        lambda sink: write_customers(db, principal, query, sink), fmt, show, db=db
    )


@router.get("/{customer_id}", response_model=Customer360Public)
def customer_360(customer_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    """Profile, classifications, positions, trades, transfers, products, risk, agreements,
    contacts, relationships. Audited as `view_360`."""
    # Validated and written by the response model (jsonable_encoder cost more than the reads).
    return access.customer_360(db, settings, principal, customer_id)


@router.get("/{customer_id}/assets")
def customer_assets(
    customer_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> Any:
    """Daily total assets with the index over the same dates."""
    return jsonable_encoder(access.customer_assets(db, settings, principal, customer_id))


@router.get("/{customer_id}/why")
def customer_why(
    customer_id: str,
    db: DbDep,
    principal: ReaderDep,
    classification: Annotated[str | None, Query(description="one classification id")] = None,
) -> Any:
    """Why the customer has each classification value: the rules tried and their figures."""
    return jsonable_encoder(access.explain_customer(db, principal, customer_id, classification))


@router.post("/{customer_id}/reveal", response_model=RevealOut)
def reveal(customer_id: str, body: RevealIn, db: DbDep, principal: ReaderDep) -> RevealOut:
    """One unmasked field; needs the reveal_pii permission and a reason; audited."""
    value = access.reveal(db, principal, customer_id, body.field, body.reason)
    return RevealOut(customer_id=customer_id, field=body.field, value=value)

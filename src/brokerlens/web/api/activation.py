"""Dormant-account activation (休眠户及空户激活): the served date's list of dormant and empty
accounts, ranked by the value of reactivating them, with the reasons; the CSV export.

Scope, masking and the export's audit are decided in `brokerlens.access.activation`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from brokerlens.access.activation import ActivationQuery, list_candidates, write_candidates
from brokerlens.indicators import load_indicators
from brokerlens.web.bounds import PageQuery
from brokerlens.web.deps import (
    CsrfDep,
    DbDep,
    ExporterDep,
    ReaderDep,
    SettingsDep,
    customer_reader,
)
from brokerlens.web.export import (
    CodesQuery,
    Format,
    activation_presentation,
    export_response,
)
from brokerlens.web.formatting import amount

router = APIRouter(
    prefix="/api/activation",
    tags=["activation"],
    dependencies=[CsrfDep, Depends(customer_reader)],
)


class Reason(BaseModel):
    factor: str = Field(description="basis (why the account is on the list) or a score factor")
    points: float | None = Field(description="the factor's points of the score; none for basis")
    text: str


class Candidate(BaseModel):
    rank: int = Field(description="1 = the most valuable among the candidates in your scope")
    customer_id: str
    name: str | None
    kind: Literal["dormant", "empty"]
    basis: str = Field(
        description="source_status, no_trade_window, no_trade_in_history (the lake holds less "
        "history than the window), emptied or never_funded"
    )
    score: float = Field(description="0..100, the weighted sum of the factors")
    branch_id: str | None
    servicer_id: str | None
    phone: str | None = Field(description="masked")
    age: int | None
    tenure_years: float | None
    cash: float | None
    total_assets: float | None
    peak_assets: float | None
    net_commission: float | None
    last_trade_month: dt.date | None
    last_contact_date: dt.date | None
    recent_inflow: float | None
    reasons: list[Reason]


class ActivationPagePublic(BaseModel):
    as_of_date: dt.date
    total: int
    counts: dict[str, int] = Field(description="candidates in scope (and branch) by kind")
    page: int
    page_size: int
    rows: list[Candidate]
    branches: list[tuple[str, int]] = Field(
        description="the branches of your scope with candidates: (unit id, candidates)"
    )


def _query(
    kind: Annotated[Literal["dormant", "empty"] | None, Query()] = None,
    branch_id: Annotated[str | None, Query(max_length=32)] = None,
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ActivationQuery:
    return ActivationQuery(kind=kind, branch_id=branch_id or None, page=page, page_size=page_size)


QueryDep = Annotated[ActivationQuery, Depends(_query)]


def money_words(language: str) -> Callable[[Any], str]:
    """An amount in the reasons as lists show amounts (万/亿, the formatter) with its unit."""
    unit = " yuan" if language == "en" else "元"
    return lambda value: amount(value, language) + unit


@router.get("", response_model=ActivationPagePublic)
def list_activation(db: DbDep, settings: SettingsDep, principal: ReaderDep, query: QueryDep) -> Any:
    """Dormant and empty accounts in your scope, most valuable first, with the reasons in your
    language; filter by kind and branch."""
    return list_candidates(db, settings, principal, query, money=money_words(principal.language))


@router.get("/export.{fmt}", response_class=Response)
def export_activation(
    fmt: Format,
    db: DbDep,
    settings: SettingsDep,
    principal: ExporterDep,
    query: QueryDep,
    codes: CodesQuery = False,
) -> Response:
    """Every candidate matching the filters as CSV or Excel with the reasons (PII masked),
    Chinese headers and labels unless `codes=1`; audited."""
    show = activation_presentation(principal.language, codes, load_indicators(settings))
    return export_response(
        lambda sink: write_candidates(db, settings, principal, query, sink), fmt, show, db=db
    )

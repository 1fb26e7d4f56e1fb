"""Recommendations (issue 16 section 3): a customer's top products, a product's target
customers (paged, exported, saved as a segment), the suitability gate's report.

Scope, masking, the checks of every parameter and the audit are decided in
`brokerlens.access.recommendations`: a customer outside your scope answers 404 like an unknown
one, a bad page 422 naming it, the report 403 without the suitability reports permission.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from starlette.responses import Response

from brokerlens.access.recommendations import (
    customer_recommendations,
    product_targets,
    recommendation_report,
    save_targets_segment,
    write_product_targets,
)
from brokerlens.web.api.segments import SegmentPublic, segment_public
from brokerlens.web.bounds import DayQuery
from brokerlens.web.deps import CsrfDep, DbDep, ExporterDep, ReaderDep, SettingsDep, customer_reader
from brokerlens.web.export import CodesQuery, Format, export_response, targets_presentation

router = APIRouter(
    prefix="/api", tags=["recommendations"], dependencies=[CsrfDep, Depends(customer_reader)]
)


@router.get("/customers/{customer_id}/recommendations")
def recommendations(
    customer_id: str,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    as_of: DayQuery = None,
) -> Any:
    """The customer's top products after the suitability gate, best first: rank, product,
    type, risk level, score (the model's probability of a purchase in the next 20 trading
    days) and the reasons in words. `run_date` null: no recommendation run yet; `rows` empty
    with a run: no suitable product."""
    return dataclasses.asdict(customer_recommendations(db, settings, principal, customer_id, as_of))


@router.get("/products/{product_id}/targets")
def targets(
    product_id: str,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    page: int = 1,
    page_size: int = 50,
    as_of: DayQuery = None,
) -> Any:
    """The product's target customers in your scope (every customer whose top 10 holds it),
    best score first, one page (page from 1, page_size 1 to 200), and how many there are."""
    return dataclasses.asdict(
        product_targets(db, settings, principal, product_id, page, page_size, as_of)
    )


@router.get("/products/{product_id}/targets/export.{fmt}", response_class=Response)
def export_targets(
    product_id: str,
    fmt: Format,
    db: DbDep,
    settings: SettingsDep,
    principal: ExporterDep,
    codes: CodesQuery = False,
) -> Response:
    """Every target customer of the product in your scope as CSV or Excel, Chinese headers
    unless `codes=1`; audited as an export naming the customers."""
    show = targets_presentation(principal.language, codes)
    return export_response(
        lambda sink: write_product_targets(db, settings, principal, product_id, sink),
        fmt,
        show,
        db=db,
    )


@router.post(
    "/products/{product_id}/targets/segment", response_model=SegmentPublic, status_code=201
)
def save_segment(
    product_id: str,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    name: Annotated[str | None, Body(embed=True, max_length=200)] = None,
) -> SegmentPublic:
    """A private segment of the product's target customers (each viewer sees those in their
    scope; it follows every new run), for a campaign."""
    return segment_public(save_targets_segment(db, settings, principal, product_id, name))


@router.get("/recommendations/report")
def report(
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    as_of: DayQuery = None,
) -> Any:
    """The recommendation run's report: counts and what the suitability gate removed per
    reason (over every pair scored, and from the customers' top 10); compliance and head
    office (the suitability reports permission)."""
    return dataclasses.asdict(recommendation_report(db, settings, principal, as_of))

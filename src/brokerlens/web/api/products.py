"""The product centre (issue 16): the product list and a product's page data, the export.

Scope (holders and sales of the caller's customers only), the checks of every parameter and
the audit are decided in `brokerlens.access.products`.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from brokerlens.access.products import ProductQuery, list_products, product_page, write_products
from brokerlens.web.bounds import PageQuery
from brokerlens.web.deps import CsrfDep, DbDep, ExporterDep, ReaderDep, SettingsDep, customer_reader
from brokerlens.web.export import CodesQuery, Format, export_response, products_presentation

router = APIRouter(
    prefix="/api/products",
    tags=["products"],
    dependencies=[CsrfDep, Depends(customer_reader)],
)


def product_query(
    product_type: Annotated[str | None, Query(max_length=32)] = None,
    risk_level: Annotated[str | None, Query(max_length=8)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    search: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[str, Query(max_length=40)] = "sales",
    desc: bool = True,
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ProductQuery:
    return ProductQuery(
        product_type=product_type or None,
        risk_level=risk_level or None,
        status=status or None,
        search=(search or "").strip() or None,
        sort=sort or "sales",
        desc=desc,
        page=page,
        page_size=page_size,
    )


QueryDep = Annotated[ProductQuery, Depends(product_query)]


@router.get("")
def products(db: DbDep, settings: SettingsDep, principal: ReaderDep, query: QueryDep) -> Any:
    """Products with their internal evaluation (内部评价, not a rating) and, in your scope,
    holders, holdings and the last year's sales; filter by type, risk level, status, words;
    sort by a listed column."""
    return dataclasses.asdict(list_products(db, settings, principal, query))


@router.get("/export.{fmt}", response_class=Response)
def export_products(
    fmt: Format,
    db: DbDep,
    settings: SettingsDep,
    principal: ExporterDep,
    query: QueryDep,
    codes: CodesQuery = False,
) -> Response:
    """Every product matching the filters as CSV or Excel, Chinese headers unless `codes=1`;
    audited."""
    show = products_presentation(principal.language, codes)
    return export_response(
        lambda sink: write_products(db, settings, principal, query, sink), fmt, show, db=db
    )


@router.get("/{product_id}")
def product(product_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    """A product: NAV and accumulated NAV with its benchmark index, its evaluation, and in your
    scope its sales by day, month, branch and channel, holders and their profile, the
    redemption rate."""
    found = product_page(db, settings, principal, product_id)
    out = dataclasses.asdict(found)
    out["redemption_rate"] = found.redemption_rate
    for key in ("by_day", "by_month", "by_branch", "by_channel"):
        for row, sale in zip(out[key], getattr(found, key), strict=True):
            row["net"] = sale.net
    out["total"]["net"] = found.total.net
    return out

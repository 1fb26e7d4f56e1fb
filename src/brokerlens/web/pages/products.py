"""The product centre's pages (issue 16): /products (the list) and /products/{id} (a product's
NAV against its benchmark, its internal evaluation, and its sales and holders in the user's
scope). Every read goes through `brokerlens.access.products`."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from starlette.responses import Response

from brokerlens.access.products import (
    LEVELS,
    SORTS,
    STATUSES,
    TYPES,
    ProductDetail,
    ProductQuery,
    list_products,
    product_page,
)
from brokerlens.auth.principal import Permission
from brokerlens.web.bounds import PageQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import enum_label, translate
from brokerlens.web.pages.common import ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])
PAGE_SIZE = 50


@router.get("/products")
def products_page(
    page: ReaderPageDep,
    product_type: Annotated[str | None, Query(max_length=32)] = None,
    risk_level: Annotated[str | None, Query(max_length=8)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    search: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    desc: bool = True,
    p: PageQuery = 1,
) -> Response:
    query = ProductQuery(
        product_type=product_type or None,
        risk_level=risk_level or None,
        status=status or None,
        search=(search or "").strip() or None,
        sort=sort or "sales",
        desc=desc,
        page=p,
        page_size=PAGE_SIZE,
    )
    found = list_products(page.db, page.settings, page.principal, query)
    filters = {
        "product_type": query.product_type or "",
        "risk_level": query.risk_level or "",
        "status": query.status or "",
        "search": query.search or "",
        "sort": query.sort,
        "desc": "true" if query.desc else "false",
    }

    def url(**changes: object) -> str:
        params = {k: v for k, v in {**filters, **changes}.items() if v not in ("", None)}
        return "/products" + (f"?{urlencode(params)}" if params else "")

    def sort_url(column: str) -> str:
        keep_desc = column != query.sort or not query.desc
        return url(sort=column, desc="true" if keep_desc else "false", p=None)

    export = {k: v for k, v in filters.items() if v}
    context = {
        "found": found,
        "query": query,
        "pages": max(1, -(-found.total // PAGE_SIZE)),
        "url": url,
        "sort_url": sort_url,
        "sortable": SORTS,
        "types": TYPES,
        "levels": LEVELS,
        "statuses": STATUSES,
        "export_query": urlencode(export),
        "can_export": page.principal.can(Permission.EXPORT),
        "can_report": page.principal.can(Permission.SUITABILITY_REPORTS),
    }
    return page.render("products.html", context, active="products")


def _charts(found: ProductDetail, language: str) -> dict[str, Any]:
    """The NAV chart (NAV, accumulated NAV and the benchmark index, app.js rebases each to its
    first day) and the net sales by day and by month."""
    dates = [row["biz_date"].isoformat() for row in found.nav]
    series = [
        {"name": translate("prod.nav", language), "values": [r["nav"] for r in found.nav]},
        {"name": translate("prod.acc_nav", language), "values": [r["acc_nav"] for r in found.nav]},
    ]
    if found.index_id is not None:
        index_name = translate(f"prod.index.{found.index_id}", language)
        values = [None if r["index_close"] is None else float(r["index_close"]) for r in found.nav]
        series.append({"name": index_name, "values": values})
    return {
        "nav": {"dates": dates, "series": series},
        "by_month": {
            "labels": [r.key for r in found.by_month],
            "values": [float(r.net) for r in found.by_month],
        },
        "by_day": {
            "labels": [r.key for r in found.by_day],
            "values": [float(r.net) for r in found.by_day],
        },
    }


@router.get("/products/{product_id}")
def product_detail_page(page: ReaderPageDep, product_id: str) -> Response:
    found = product_page(page.db, page.settings, page.principal, product_id)
    language = page.language
    product = found.product
    context = {
        "found": found,
        "product": product,
        "m": found.metrics or {},
        "charts": _charts(found, language),
        "type_label": enum_label("product_type", product.get("product_type"), language),
        "index_name": (
            translate(f"prod.index.{found.index_id}", language) if found.index_id else None
        ),
    }
    return page.render("product.html", context, active="products")

"""Recommendation pages (issue 16 section 3): the 360's 推荐产品 panel (an htmx slot), a
product's 目标客户 (the first 20 on its page, then /products/{id}/targets paged, exported and
saved as a segment), and the suitability gate's report for compliance and head office.

Every read goes through `brokerlens.access.recommendations` (scope, masking, audit)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form
from starlette.responses import RedirectResponse, Response

from brokerlens.access.recommendations import (
    GATE_REASONS,
    customer_recommendations,
    product_targets,
    recommendation_report,
    save_targets_segment,
)
from brokerlens.auth.principal import Permission
from brokerlens.web.bounds import PageQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import translate
from brokerlens.web.pages.common import Page, ReaderPageDep, permission_page
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

ReportPageDep = Annotated[Page, Depends(permission_page(Permission.SUITABILITY_REPORTS))]
PAGE_SIZE = 50
TOP = 20  # target customers on the product's own page


@router.get("/customers/{customer_id}/recommendations")
def panel(customer_id: str, page: ReaderPageDep) -> Response:
    """The 360's 推荐产品 panel (a fragment; opened on its own: the 360 at the panel)."""
    moved = fragment_or_page(page, customer_id, "recommendations-panel")
    if moved is not None:
        return moved
    found = customer_recommendations(page.db, page.settings, page.principal, customer_id)
    return page.render("_recommendations_panel.html", {"r": found}, active="customers")


def _product_url(product_id: str, tail: str = "") -> str:
    return f"/products/{quote(product_id, safe='')}{tail}"


@router.get("/products/{product_id}/targets/top")
def top_targets(product_id: str, page: ReaderPageDep) -> Response:
    """The product page's 目标客户 section: the first 20 in scope (a fragment; opened on its
    own: the full list)."""
    if not page.htmx:
        return RedirectResponse(_product_url(product_id, "/targets"), status_code=303)
    found = product_targets(page.db, page.settings, page.principal, product_id, 1, TOP)
    context = {"found": found, "all_url": _product_url(product_id, "/targets")}
    return page.render("_product_targets.html", context, active="products")


@router.get("/products/{product_id}/targets")
def targets_page(product_id: str, page: ReaderPageDep, p: PageQuery = 1) -> Response:
    found = product_targets(page.db, page.settings, page.principal, product_id, p, PAGE_SIZE)
    pages = max(1, -(-found.total // PAGE_SIZE))
    pid = str(found.product["product_id"])
    context = {
        "found": found,
        "pages": pages,
        "url": lambda n: _product_url(pid, f"/targets?p={n}"),
        "product_url": _product_url(pid),
        "export_base": f"/api/products/{quote(pid, safe='')}/targets/export",
        "can_export": page.principal.can(Permission.EXPORT),
    }
    return page.render("product_targets.html", context, active="products")


@router.post("/products/{product_id}/targets/segment")
def save_segment(
    product_id: str,
    page: ReaderPageDep,
    name: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """The target customers saved as a segment: to its page."""
    segment = save_targets_segment(page.db, page.settings, page.principal, product_id, name)
    return RedirectResponse(f"/segments/{segment.segment_id}", status_code=303)


@router.get("/recommendations/report")
def report_page(page: ReportPageDep) -> Response:
    """The recommendation run's report: what the suitability gate removed, per reason."""
    found = recommendation_report(page.db, page.settings, page.principal)
    language = page.language

    def reason(code: str) -> str:
        key = f"rec.gate.{code}" if code in GATE_REASONS else "rec.gate_other"
        return translate(key, language)

    top = dict(found.removed_from_top)
    rows = [(code, reason(code), n, top.get(code)) for code, n in found.removed]
    rows += [
        (c, reason(c), 0, n) for c, n in found.removed_from_top if c not in dict(found.removed)
    ]
    return page.render(
        "recommendation_report.html", {"found": found, "rows": rows}, active="products"
    )

"""Suitability pages: the panel of the customer 360 (loaded by htmx after the page, so the 360
itself reads no more than before), its check form with the warn -> confirm steps, and the
compliance page /suitability (findings, validity and holdings above class, by branch).

Every call goes through `brokerlens.access.suitability`, which cuts to the user's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from brokerlens.access.suitability import (
    ReportQuery,
    check_target,
    compliance_overview,
    customer_suitability,
    record_confirmation,
    record_warning,
)
from brokerlens.auth.principal import Permission
from brokerlens.errors import NotFound
from brokerlens.web.bounds import MAX_PAGE, IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import translate
from brokerlens.web.pages.common import Page, ReaderPageDep, permission_page
from brokerlens.web.pages.customer360 import fragment_or_page
from brokerlens.web.pages.customers import org_options

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

ReportsPageDep = Annotated[Page, Depends(permission_page(Permission.SUITABILITY_REPORTS))]
PERMISSIONS = ("margin", "chinext", "star", "bse", "option", "hk_connect")


@router.get("/customers/{customer_id}/suitability")
def panel(customer_id: str, page: ReaderPageDep) -> Response:
    """The 360's suitability panel (a fragment; opened on its own: the 360 at the panel)."""
    moved = fragment_or_page(page, customer_id, "suitability-panel")
    if moved is not None:
        return moved
    summary = customer_suitability(
        page.db, page.settings, page.principal, customer_id, with_eligibility=True
    )
    context = {
        "customer_id": customer_id,
        "s": summary,
        "eligibility": summary.eligibility,
        "targets": PERMISSIONS,
    }
    return page.render("_suitability_panel.html", context, active="customers")


@router.post("/customers/{customer_id}/suitability/check")
def check(
    customer_id: str,
    page: ReaderPageDep,
    target: Annotated[str, Form(min_length=1, max_length=64)],
    context: Annotated[str, Form()] = "purchase",
) -> Response:
    found = check_target(
        page.db, page.settings, page.principal, customer_id, target.strip(), context
    )
    return page.render("_suitability_check.html", {"check": found}, active="customers")


@router.post("/suitability/checks/{check_id}/{step}")
def step(
    check_id: IdPath,
    step: str,
    page: ReaderPageDep,
    note: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Record the warning shown or the customer's confirmation; answers the check again."""
    steps = {"warning": record_warning, "confirmation": record_confirmation}
    if step not in steps:
        raise NotFound(f"no step {step[:32]!r}", hint="warning or confirmation")
    found = steps[step](page.db, page.principal, check_id, note or None)
    return page.render("_suitability_check.html", {"check": found}, active="customers")


REPORT_PAGE_SIZE = 50


@dataclass(frozen=True)
class ReportList:
    """One report list of the page: its URL parameters, filter choices and export links."""

    report: str  # findings, validity, holdings (the section)
    api: str  # the export path's report name
    key_param: str  # kind, state, grade
    page_param: str
    keys: list[tuple[str, str]]  # the key filter's (code, label)
    params: list[tuple[str, str]]
    matched: int
    page: int
    pages: int

    def url(self, **changes: Any) -> str:
        drop = set(changes)
        keep = [(k, v) for k, v in self.params if k not in drop]
        keep += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
        return "/suitability?" + urlencode(keep) + f"#suit-{self.report}"

    def page_url(self, number: int) -> str:
        return self.url(**{self.page_param: number if number > 1 else None})

    def page_numbers(self) -> list[int | None]:
        """The page links: the first, the last, two either side of this one; None: a gap."""
        wanted = {1, self.pages, *range(self.page - 2, self.page + 3)}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        found: list[int | None] = []
        for n in shown:
            if found and found[-1] is not None and n - found[-1] > 1:
                found.append(None)
            found.append(n)
        return found

    def export_query(self) -> str:
        branch = dict(self.params).get("branch", "")
        key = dict(self.params).get(self.key_param, "")
        return urlencode([(k, v) for k, v in (("branch_id", branch), ("key", key)) if v])

    def hidden(self) -> list[tuple[str, str]]:
        """The other lists' parameters, kept by this list's filter form."""
        mine = ("branch", self.key_param, self.page_param)
        return [(k, v) for k, v in self.params if k not in mine]


def _int(text: str | None) -> int:
    try:
        return max(1, min(int(text or "1"), MAX_PAGE))
    except ValueError:
        return 1


@router.get("/suitability")
def reports(page: ReportsPageDep, request: Request) -> Response:
    """Compliance and HQ: re-scoring findings, validity and holdings above class by branch,
    each list paged (page numbers and the count), filtered by branch and its key field, and
    exported whole. The state is in the URL."""
    args = request.query_params
    params = [(k, v) for k, v in args.multi_items() if v]
    branch = (args.get("branch") or "").strip()[:64] or None
    pages = {name: _int(args.get(name)) for name in ("fpage", "vpage", "hpage")}

    def query(key: str, page_param: str) -> ReportQuery:
        return ReportQuery(
            branch, (args.get(key) or "").strip()[:64] or None, pages[page_param], REPORT_PAGE_SIZE
        )

    overview = compliance_overview(
        page.db,
        page.settings,
        page.principal,
        findings=query("kind", "fpage"),
        validity=query("state", "vpage"),
        holdings=query("grade", "hpage"),
    )
    language = page.language
    kinds = [(k, translate(f"suit.kind.{k}", language)) for k in overview.findings.counts]
    states = [
        (s, translate(f"suit.state.{s}", language)) for s in ("expiring", "expired", "missing")
    ]
    grades = [(g, g) for g in overview.holdings.grades]

    def listed(
        report: str, api: str, key: str, page_param: str, keys: list[tuple[str, str]], body: Any
    ) -> ReportList:
        return ReportList(
            report,
            api,
            key,
            page_param,
            keys,
            params,
            body.matched,
            min(pages[page_param], body.pages),
            body.pages,
        )

    context = {
        "findings": overview.findings,
        "validity": overview.validity,
        "holdings": overview.holdings,
        "lists": {
            "findings": listed("findings", "findings", "kind", "fpage", kinds, overview.findings),
            "validity": listed("validity", "validity", "state", "vpage", states, overview.validity),
            "holdings": listed(
                "holdings", "holdings-above-class", "grade", "hpage", grades, overview.holdings
            ),
        },
        "branch": branch,
        "branches": org_options(page)["branch"],
        "can_export": page.principal.can(Permission.EXPORT),
    }
    return page.render("suitability.html", context, active="suitability")

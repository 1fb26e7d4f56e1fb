"""The activation page /activation: the served date's dormant and empty accounts in the user's
scope, ranked, with the reasons; tabs by kind, a branch filter, pages, the export button.
Every call goes through `brokerlens.access.activation`, which cuts to the user's scope."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from starlette.responses import Response

from brokerlens.access.activation import ActivationQuery, list_candidates
from brokerlens.auth.principal import Permission
from brokerlens.web.api.activation import money_words
from brokerlens.web.bounds import PageQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])
PAGE_SIZE = 50
SHOWN_FACTORS = 3  # a row's largest score factors shown; the rest fold


@router.get("/activation")
def activation_page(
    page: ReaderPageDep,
    kind: Annotated[Literal["dormant", "empty", ""] | None, Query()] = None,
    branch_id: Annotated[str | None, Query(max_length=32)] = None,
    p: PageQuery = 1,
) -> Response:
    query = ActivationQuery.model_validate(
        {
            "kind": kind or None,
            "branch_id": (branch_id or "").strip() or None,
            "page": p,
            "page_size": PAGE_SIZE,
        }
    )
    found = list_candidates(
        page.db, page.settings, page.principal, query, money=money_words(page.language)
    )
    filters = {"kind": query.kind or "", "branch_id": query.branch_id or ""}

    def url(**changes: object) -> str:
        params = {k: v for k, v in {**filters, **changes}.items() if v not in ("", None)}
        return "/activation" + (f"?{urlencode(params)}" if params else "")

    export = {k: v for k, v in filters.items() if v}
    context = {
        "found": found,
        "query": query,
        "pages": max(1, -(-found.total // PAGE_SIZE)),
        "shown_factors": SHOWN_FACTORS,
        "url": url,
        "export_url": "/api/activation/export.csv" + (f"?{urlencode(export)}" if export else ""),
        "can_export": page.principal.can(Permission.EXPORT),
    }
    return page.render("activation.html", context, active="activation")

"""The reports page (issue 22 section 4): the kept reports by date, newest first, filtered by
date and report, each with its workbook to download and its content hash."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from brokerlens.access.reports import list_reports
from brokerlens.errors import FieldRejected
from brokerlens.web.api.reports import file_url
from brokerlens.web.bounds import check_day
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import PageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


def _day(text: str | None) -> dt.date | None:
    """A blank date means the newest; anything else must be YYYY-MM-DD (422 naming `date`)."""
    if text is None or not text.strip():
        return None
    try:
        return check_day("date", dt.date.fromisoformat(text.strip()))
    except ValueError:
        raise FieldRejected("date", f"{text[:20]!r} is not a date: write YYYY-MM-DD") from None


@router.get("/reports")
def reports_page(
    page: PageDep,
    date: Annotated[str | None, Query(max_length=20)] = None,
    report: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    found = list_reports(page.db, page.settings, page.principal, as_of=_day(date), report=report)
    context = {"r": found, "lang": page.language, "file_url": file_url}
    return page.render("reports.html", context, active="reports")

"""待审批: the approval flow (issue 18 section 3): pages, through `brokerlens.access`."""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.deps import CsrfDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

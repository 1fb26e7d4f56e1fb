"""工单: work orders (issue 18 section 3): pages, through `brokerlens.access` (scope, audit)."""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.deps import CsrfDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

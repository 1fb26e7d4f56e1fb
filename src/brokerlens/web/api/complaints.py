"""投诉与建议 (issue 18 section 2) through `brokerlens.access` (scope, audit)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from brokerlens.web.deps import CsrfDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["complaints"], dependencies=[CsrfDep, Depends(customer_reader)]
)

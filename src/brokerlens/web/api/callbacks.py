"""回访 (issue 18 section 1) through `brokerlens.access` (scope, audit)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from brokerlens.web.deps import CsrfDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["callbacks"], dependencies=[CsrfDep, Depends(customer_reader)]
)

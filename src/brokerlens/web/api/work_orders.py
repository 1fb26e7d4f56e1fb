"""工单: work orders (issue 18 section 3) through `brokerlens.access` (scope, audit)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from brokerlens.web.deps import CsrfDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["work_orders"], dependencies=[CsrfDep, Depends(customer_reader)]
)

"""营销活动 (issue 17 section 3): create from a segment or a product's targets, launch (freeze and
split), outcomes.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from brokerlens.web.deps import CsrfDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["campaigns"], dependencies=[CsrfDep, Depends(customer_reader)]
)

"""今日待办 (issue 17 section 1): a broker's daily work list, done / snooze / dismiss, completion by
broker.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from brokerlens.web.deps import CsrfDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["worklist"], dependencies=[CsrfDep, Depends(customer_reader)]
)

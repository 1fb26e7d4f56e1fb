"""服务记录 (issue 17 section 2): log a contact, edit it for 24 hours, the 360 timeline."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from brokerlens.web.deps import CsrfDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["service records"], dependencies=[CsrfDep, Depends(customer_reader)]
)

"""关怀提醒 (issue 17 section 4): the care messages' outbox, export, e-mail, opt-outs."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from brokerlens.web.deps import CsrfDep, customer_reader

router = APIRouter(prefix="/api", tags=["care"], dependencies=[CsrfDep, Depends(customer_reader)])

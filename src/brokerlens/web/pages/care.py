"""关怀提醒 (issue 17 section 4): the care messages' outbox, export, e-mail, opt-outs."""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.deps import CsrfDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

"""服务记录 (issue 17 section 2): log a contact, edit it for 24 hours, the 360 timeline."""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.deps import CsrfDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

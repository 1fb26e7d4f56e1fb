"""今日待办 (issue 17 section 1): a broker's daily work list, done / snooze / dismiss, completion by
broker.
"""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.deps import CsrfDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

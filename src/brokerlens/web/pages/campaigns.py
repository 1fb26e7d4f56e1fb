"""营销活动 (issue 17 section 3): create from a segment or a product's targets, launch (freeze and
split), outcomes.
"""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.deps import CsrfDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

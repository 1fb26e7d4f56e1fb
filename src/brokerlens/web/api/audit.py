"""The audit log, for compliance (Permission.READ_AUDIT)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder

from brokerlens.access import AuditQuery, search_audit
from brokerlens.auth.principal import Permission
from brokerlens.web.bounds import DayQuery, PageQuery
from brokerlens.web.deps import AuditorDep, CsrfDep, DbDep, require

router = APIRouter(
    prefix="/api/audit",
    tags=["audit"],
    dependencies=[CsrfDep, Depends(require(Permission.READ_AUDIT))],
)


class AuditParams:
    def __init__(
        self,
        username: Annotated[str | None, Query(description="who")] = None,
        action: Annotated[str | None, Query(description="view_360, reveal, export ...")] = None,
        customer_id: Annotated[
            str | None, Query(description="records naming this customer")
        ] = None,
        date_from: Annotated[DayQuery, Query(description="from this day")] = None,
        date_to: Annotated[DayQuery, Query(description="up to and including this day")] = None,
        page: PageQuery = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> None:
        self.username = username or None
        self.action = action or None
        self.customer_id = customer_id or None
        self.date_from = date_from
        self.date_to = date_to
        self.page = page
        self.page_size = page_size

    def query(self) -> Any:
        return AuditQuery(
            username=self.username,
            action=self.action,
            customer_id=self.customer_id,
            since=_start(self.date_from),
            until=_start(self.date_to + dt.timedelta(days=1)) if self.date_to else None,
            page=self.page,
            page_size=self.page_size,
        )


def _start(day: dt.date | None) -> dt.datetime | None:
    # Days are the viewer's business days in China Standard Time, stored instants are UTC.
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=8)))


AuditParamsDep = Annotated[AuditParams, Depends()]


def audit_page(db: Any, principal: Any, params: AuditParams) -> dict[str, Any]:
    result = search_audit(db, principal, params.query())
    return {
        "data": jsonable_encoder(list(result.rows)),
        "count": result.total,
        "page": params.page,
        "page_size": params.page_size,
    }


@router.get("")
def search(db: DbDep, principal: AuditorDep, params: AuditParamsDep) -> Any:
    """Who did what to which customers, newest first."""
    return audit_page(db, principal, params)

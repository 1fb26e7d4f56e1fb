"""Churn early warning: a customer's probability of leaving within the model's horizon, their
rank among the customers scored, and the top reasons in Chinese and English.

Scope is decided in `brokerlens.access` (the 360's own check): a customer outside the caller's
scope answers the same 404 as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from brokerlens.access import churn as churn_service
from brokerlens.access.churn import ChurnPublic
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader

customer_router = APIRouter(
    prefix="/api/customers",
    tags=["churn"],
    dependencies=[CsrfDep, Depends(customer_reader)],
)


@customer_router.get("/{customer_id}/churn", response_model=ChurnPublic)
def customer_churn(customer_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    """The customer's churn score and reasons as of the served date. Audited as `view_churn`."""
    return churn_service.customer_churn(db, settings, principal, customer_id)

"""Churn early warning: a customer's probability of leaving within the model's horizon, their
rank among the customers scored, and the top reasons in Chinese and English.

Scope is decided in `brokerlens.access` (the 360's own check): a customer outside the caller's
scope answers the same 404 as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from brokerlens.access import churn as churn_service
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader

customer_router = APIRouter(
    prefix="/api/customers",
    tags=["churn"],
    dependencies=[CsrfDep, Depends(customer_reader)],
)


class ChurnPoint(BaseModel):
    score_date: dt.date
    probability: float
    rank: int


class ChurnPublic(BaseModel):
    customer_id: str
    as_of_date: dt.date = Field(description="the served snapshot's date")
    score_date: dt.date = Field(description="the newest scored as-of date up to it")
    probability: float = Field(description="calibrated probability of churning within H days")
    rank: int = Field(
        description="1 = the most at risk among the customers of your scope scored that date"
    )
    customers_scored: int = Field(description="customers of your scope scored that date")
    model_version: int
    reasons_zh: list[str]
    reasons_en: list[str]
    history: list[ChurnPoint] = Field(description="newest first")


@customer_router.get("/{customer_id}/churn", response_model=ChurnPublic)
def customer_churn(customer_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    """The customer's churn score and reasons as of the served date. Audited as `view_churn`."""
    return churn_service.customer_churn(db, settings, principal, customer_id)

"""The workbench summary: customers by tier, assets trend, changes since the previous day."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder

from brokerlens.access import home_summary
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, customer_reader

router = APIRouter(
    prefix="/api/home", tags=["home"], dependencies=[CsrfDep, Depends(customer_reader)]
)


@router.get("")
def home(db: DbDep, principal: ReaderDep) -> Any:
    return jsonable_encoder(home_summary(db, principal))

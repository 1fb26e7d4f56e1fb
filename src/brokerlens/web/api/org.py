"""The organisation tree and staff, as far as the user's scope reaches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder

from brokerlens.access import list_staff, org_tree
from brokerlens.web.bounds import DayQuery
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, customer_reader

router = APIRouter(
    prefix="/api/org", tags=["org"], dependencies=[CsrfDep, Depends(customer_reader)]
)


@router.get("/tree")
def tree(db: DbDep, principal: ReaderDep, as_of: DayQuery = None) -> Any:
    """Units (HQ, regions, branches, teams) nested by parent; as the feed had them on `as_of`
    when given."""
    return jsonable_encoder(org_tree(db, principal, as_of))


@router.get("/staff")
def staff(
    db: DbDep,
    principal: ReaderDep,
    unit_id: Annotated[str | None, Query(description="only this unit and below")] = None,
) -> Any:
    data = jsonable_encoder(list_staff(db, principal, unit_id=unit_id))
    return {"data": data, "count": len(data)}

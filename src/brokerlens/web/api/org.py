"""The organisation tree and staff, as far as the user's scope reaches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder

from brokerlens.access import list_staff, org_tree
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, customer_reader

router = APIRouter(
    prefix="/api/org", tags=["org"], dependencies=[CsrfDep, Depends(customer_reader)]
)


@router.get("/tree")
def tree(db: DbDep, principal: ReaderDep) -> Any:
    """Units (HQ, regions, branches, teams) nested by parent."""
    return jsonable_encoder(org_tree(db, principal))


@router.get("/staff")
def staff(
    db: DbDep,
    principal: ReaderDep,
    unit_id: Annotated[str | None, Query(description="only this unit and below")] = None,
) -> Any:
    data = jsonable_encoder(list_staff(db, principal, unit_id=unit_id))
    return {"data": data, "count": len(data)}

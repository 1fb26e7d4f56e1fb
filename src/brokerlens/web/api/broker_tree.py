"""The broker tree and the organisation over time (issue 19 part A) through
`brokerlens.access`: the tree as of a date (the feed's or brokerlens's, in the caller's units),
the differences with the feed, a staff member's org history (404 out of reach), and a change
asked for (move / promote / remove: an approval request, 202; refused with the reason, 422).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from brokerlens.access.approval_kinds import builtin_kinds  # registers broker_tree_change
from brokerlens.access.broker_tree import broker_tree, tree_differences
from brokerlens.access.staff_history import staff_history
from brokerlens.access.tree_request import REASON_MAX, TreeChange, request_tree_change
from brokerlens.web.bounds import EARLIEST_DAY, LATEST_DAY, DayQuery
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, customer_reader

router = APIRouter(prefix="/api", tags=["org"], dependencies=[CsrfDep, Depends(customer_reader)])

StaffPath = Path(min_length=1, max_length=32, description="the staff member's id")


class TreeChangeCreate(BaseModel):
    op: Literal["move", "promote", "remove"]
    staff_id: str = Field(min_length=1, max_length=32)
    manager_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="move: the new manager (exactly one level up); promote: optional",
    )
    effective_from: dt.date | None = Field(
        default=None, ge=EARLIEST_DAY, le=LATEST_DAY, description="default: the served date"
    )
    reason: str | None = Field(default=None, max_length=REASON_MAX)


@router.get("/org/broker-tree")
def get_broker_tree(
    db: DbDep,
    principal: ReaderDep,
    as_of: DayQuery = None,
    source: Literal["feed", "brokerlens"] = "feed",
    unit_id: str | None = Query(default=None, min_length=1, max_length=32),
) -> Any:
    """The broker tree in your units (under `unit_id` when given) as of `as_of` (default
    today): members nested by manager with level, depth, direct and total team size; the
    differences with the feed."""
    return jsonable_encoder(broker_tree(db, principal, as_of, source, unit_id))


@router.get("/org/differences")
def get_differences(db: DbDep, principal: ReaderDep, as_of: DayQuery = None) -> Any:
    """Members whose place in brokerlens's tree differs from the feed's (never written back)."""
    data = jsonable_encoder(tree_differences(db, principal, as_of))
    return {"data": data, "count": len(data)}


@router.post("/org/tree-changes", status_code=202)
def post_tree_change(db: DbDep, principal: ReaderDep, body: TreeChangeCreate) -> Any:
    """Ask for a move, promotion or removal: checked against the no-skip-level rule, then an
    approval request (`broker_tree_change`); audited. 422 with the reason when refused."""
    builtin_kinds()
    change = TreeChange(body.op, body.staff_id, body.manager_id, body.effective_from, body.reason)
    made = request_tree_change(db, principal, change)
    values = jsonable_encoder(dataclasses.asdict(made))
    return JSONResponse(values, status_code=202)


@router.get("/staff/{staff_id}/history")
def get_staff_history(db: DbDep, principal: ReaderDep, staff_id: str = StaffPath) -> Any:
    """A staff member's org events (hire, transfer, manager / position / grade change,
    departure, approved tree changes), oldest first; 404 out of your reach."""
    return jsonable_encoder(staff_history(db, principal, staff_id))

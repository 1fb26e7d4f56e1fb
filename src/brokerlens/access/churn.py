"""Churn early warning for the web, always within the caller's scope.

A customer is first found with `customers.scoped_row`, the 360's own check: one outside the
caller's scope raises the same NotFound as an unknown one. The score shown is the newest one
stored for an as-of date up to the served snapshot's date (`brokerlens churn score`, or
`brokerlens run` once a model exists), with the scores of earlier dates as its history.
Reading a customer's score is audited as `view_churn`.

Ranks and totals are the caller's: `rank` is the customer's place among the customers of the
caller's scope scored that day, `customers_scored` how many of those were scored (the firm-wide
figures, which the stored scores hold, are shown only to a caller who sees every customer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import sqlalchemy as sa
from pydantic import BaseModel, Field

from brokerlens.access.audit import record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.render import Where, duckdb_where, ids_in
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Principal
from brokerlens.churn.kept import ChurnModels
from brokerlens.churn.service import churn_models
from brokerlens.config import Settings
from brokerlens.errors import NotFound
from brokerlens.warehouse.served import kept_file, parquet_source

HISTORY = 12  # earlier scored dates answered at most


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


ChurnState = Literal["scored", "no_model", "not_scored"]


@dataclass(frozen=True)
class ChurnPanel:
    """The 360's churn panel: the score, or why there is none (no model yet, or the customer
    not scored on any date up to the served one)."""

    state: ChurnState
    as_of_date: dt.date
    churn: ChurnPublic | None = None
    horizon_days: int | None = None  # the model's horizon (trading days)


def customer_churn(
    db: sa.Engine, settings: Settings, principal: Principal, customer_id: str
) -> ChurnPublic:
    """The customer's churn probability, rank and top reasons (zh, en) as of the served date."""
    panel = churn_panel(db, settings, principal, customer_id)
    if panel.churn is None:
        hint = (
            "fit one first: brokerlens churn fit"
            if panel.state == "no_model"
            else "score a date: brokerlens churn score"
        )
        raise NotFound(
            f"customer {customer_id} has no churn score up to {panel.as_of_date}", hint=hint
        )
    return panel.churn


def churn_panel(
    db: sa.Engine, settings: Settings, principal: Principal, customer_id: str
) -> ChurnPanel:
    """`customer_churn` for the 360's panel (issue 20): no model or no score is a state to
    show, not an error; a customer outside the scope is still NotFound. Audited as
    `view_churn` either way (the read is a customer-data read)."""
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        in_scope = _scope_ids(connection, principal, snapshot)
        record_audit(connection, principal, "view_churn", [customer_id], {})
    served: dt.date = snapshot.as_of_date
    models = churn_models(settings)
    rows = [r for r in models.customer_scores(customer_id) if r["as_of"] <= served]
    if not rows:
        state: ChurnState = "not_scored" if models.versions() else "no_model"
        return ChurnPanel(state, served)
    rows = rows[:HISTORY]
    kept = [(kept_file(settings, "churn_scores", r["as_of"]), r["rank"]) for r in rows]
    ranks = _scope_ranks(kept, in_scope)
    newest = rows[0]
    churn = ChurnPublic(
        customer_id=customer_id,
        as_of_date=served,
        score_date=newest["as_of"],
        probability=newest["probability"],
        rank=ranks[0][0],
        customers_scored=ranks[0][1],
        model_version=newest["model_version"],
        reasons_zh=[r for r in newest["reasons_zh"].split("；") if r],
        reasons_en=[r for r in newest["reasons_en"].split("; ") if r],
        history=[
            ChurnPoint(score_date=r["as_of"], probability=r["probability"], rank=rank)
            for r, (rank, _) in zip(rows, ranks, strict=True)
        ],
    )
    return ChurnPanel("scored", served, churn, _horizon(models, newest["model_version"]))


def _horizon(models: ChurnModels, version: int) -> int | None:
    """The horizon of the model version that scored (None when it is gone)."""
    try:
        model = models.read_model(version)
    except NotFound:
        return None
    return int(model.config.get("target", {}).get("horizon_days", 0)) or None


def _scope_ids(
    connection: sa.Connection, principal: Principal, snapshot: Snapshot
) -> list[str] | None:
    """The ids of the customers in the caller's scope now; None when that is every customer."""
    if principal.role in ALL_CUSTOMER_ROLES:
        return None
    table = snapshot.table
    found = connection.execute(
        sa.select(table.c.customer_id).where(customer_scope(principal, snapshot))
    ).scalars()
    return sorted(str(i) for i in found)


def _scope_ranks(
    scored: list[tuple[Path | None, int]], in_scope: list[str] | None
) -> list[tuple[int, int]]:
    """For each (scores file, firm-wide rank): the rank among the scope's customers scored in
    that file, and how many of them it holds (no file: none)."""
    where = (
        Where() if in_scope is None else duckdb_where([ids_in(sa.column("customer_id"), in_scope)])
    )
    duck = duckdb.connect(":memory:")
    try:
        out = []
        for path, rank in scored:
            if path is None:
                out.append((0, 0))
                continue
            found = duck.execute(
                f"SELECT count(*) FILTER (WHERE rank <= ?), count(*) FROM {parquet_source(path)} "
                f"WHERE {where.sql}",
                [rank, *where.params],
            ).fetchone()
            out.append((int(found[0]), int(found[1])) if found else (0, 0))
        return out
    finally:
        duck.close()

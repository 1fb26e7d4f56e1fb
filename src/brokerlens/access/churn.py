"""Churn early warning for the web, always within the caller's scope.

A customer is first found with `customers.scoped_row`, the 360's own check: one outside the
caller's scope raises the same NotFound as an unknown one. The score shown is the newest one
stored for an as-of date up to the served snapshot's date (`brokerlens churn score`, or
`brokerlens run` once a model exists), with the scores of earlier dates as its history.
Reading a customer's score is audited as `view_churn`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.principal import Principal
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.config import Settings
from brokerlens.errors import NotFound
from brokerlens.warehouse.served import kept_file, row_count

HISTORY = 12  # earlier scored dates answered at most


def customer_churn(
    engine: sa.Engine, settings: Settings, principal: Principal, customer_id: str
) -> dict[str, Any]:
    """The customer's churn probability, rank and top reasons (zh, en) as of the served date."""
    from brokerlens.churn.service import churn_models

    with engine.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        record_audit(connection, principal, "view_churn", [customer_id], {})
    served: dt.date = snapshot.as_of_date
    models = churn_models(settings)
    rows = [r for r in models.customer_scores(customer_id) if r["as_of"] <= served]
    if not rows:
        hint = (
            "score a date: brokerlens churn score"
            if models.versions()
            else "fit one first: brokerlens churn fit"
        )
        raise NotFound(f"customer {customer_id} has no churn score up to {served}", hint=hint)
    newest = rows[0]
    scored = kept_file(settings, "churn_scores", newest["as_of"])
    return {
        "customer_id": customer_id,
        "as_of_date": served,
        "score_date": newest["as_of"],
        "probability": newest["probability"],
        "rank": newest["rank"],
        "customers_scored": row_count(scored) if scored is not None else 0,
        "model_version": newest["model_version"],
        "reasons_zh": [r for r in newest["reasons_zh"].split("；") if r],
        "reasons_en": [r for r in newest["reasons_en"].split("; ") if r],
        "history": [
            {"score_date": r["as_of"], "probability": r["probability"], "rank": r["rank"]}
            for r in rows[:HISTORY]
        ],
    }

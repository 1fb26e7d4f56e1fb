"""A customer's behavioural risk preference levels, within the caller's scope, audited.

The customer is first found with `customers.scoped_row`, the 360's own check (out of scope:
the same NotFound as unknown); the levels are every stored quarter's, read by
`brokerlens.riskpref.service`. Audited `view_riskpref`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.riskpref.service import customer_history


@dataclass(frozen=True)
class RiskLevel:
    """The customer's level in one stored quarter, with its cluster's name and description."""

    quarter: str
    version: int
    level: str
    score: int
    cluster: int
    cluster_name: str
    cluster_score: int
    timing_adjust: int
    style_adjust: int
    description: str
    why: str = ""  # the level on the absolute scale, in words ("" for a model before issue 20)


def customer_levels(
    db: sa.Engine, settings: Settings, principal: Principal, customer_id: str
) -> list[RiskLevel]:
    """Every stored quarter's level of a customer in scope, oldest first."""
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        record_audit(connection, principal, "view_riskpref", [customer_id], {})
    return [
        RiskLevel(
            quarter=str(r["quarter"]),
            version=int(r["version"]),
            level=str(r["level"]),
            score=int(r["score"]),
            cluster=int(r["cluster"]),
            cluster_name=str(r["cluster_name"]),
            cluster_score=int(r["cluster_score"]),
            timing_adjust=int(r["timing_adjust"]),
            style_adjust=int(r["style_adjust"]),
            description=str(r["description"]),
            why=str(r.get("why") or ""),
        )
        for r in customer_history(settings, customer_id)
    ]

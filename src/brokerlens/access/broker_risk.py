"""Broker risk measures and flags (issue 19 part E) as a principal may see them: the run step
"broker risk" kept them for the served date; scope is `staff_scope`; each is explained in words
(brokers/risk/text.py) with the thresholds of the installation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.access.staff_profile import kept_for, read_rows
from brokerlens.access.staff_scope import StaffReach, check_staff, staff_reach
from brokerlens.auth.principal import Principal
from brokerlens.brokers.risk.config import RiskConfig, load_config
from brokerlens.brokers.risk.text import NAMES, Measure, explain
from brokerlens.config import Settings
from brokerlens.errors import Forbidden
from brokerlens.store.schema import staff


@dataclass(frozen=True)
class RiskLine:
    staff_id: str
    staff_name: str | None
    branch_id: str | None
    metric: str
    flagged: bool
    value: float | None
    branch_value: float | None
    text_zh: str
    text_en: str

    @property
    def name_zh(self) -> str:
        return NAMES.get(self.metric, (self.metric, self.metric))[0]

    @property
    def name_en(self) -> str:
        return NAMES.get(self.metric, (self.metric, self.metric))[1]

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_zh

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_zh


@dataclass(frozen=True)
class RiskView:
    served: dt.date
    kept: bool  # a run kept measures for the served date or before
    as_of_date: dt.date | None  # the run's date the measures are of (None: no line)
    lines: list[RiskLine]

    @property
    def flagged(self) -> list[RiskLine]:
        return [line for line in self.lines if line.flagged]


def _yuan(cents: Any) -> float | None:
    return None if cents is None else int(cents) / 100


def line_of(row: dict[str, Any], config: RiskConfig, names: dict[str, str]) -> RiskLine:
    measure = Measure(
        metric=row["metric"],
        value=row["value"],
        branch_value=row["branch_value"],
        base=row["base"],
        hits=row["hits"],
        detail=row["detail"],
        start_yuan=_yuan(row["start_cents"]),
        end_yuan=_yuan(row["end_cents"]),
        window_days=(row["as_of_date"] - row["window_start"]).days + 1,
    )
    zh, en = explain(measure, config)
    return RiskLine(
        staff_id=row["staff_id"],
        staff_name=names.get(row["staff_id"]),
        branch_id=row["branch_id"],
        metric=row["metric"],
        flagged=bool(row["flagged"]),
        value=row["value"],
        branch_value=row["branch_value"],
        text_zh=zh,
        text_en=en,
    )


def _names(connection: sa.Connection, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = connection.execute(
        sa.select(staff.c.staff_id, staff.c.name).where(staff.c.staff_id.in_(sorted(ids)))
    )
    return {str(r.staff_id): str(r.name) for r in rows}


def _read(
    settings: Settings, served: dt.date, reach: StaffReach, *, flagged_only: bool
) -> tuple[bool, dt.date | None, list[dict[str, Any]]]:
    path = kept_for(settings, "broker_risk", served)
    if path is None:
        return False, None, []
    where, params = ["TRUE"], []
    if flagged_only:
        where.append("flagged")
    if reach is not None:
        where.append("list_contains(?, staff_id)")
        params.append(sorted(reach))
    rows = read_rows(path, " AND ".join(where) + " ORDER BY staff_id, metric", params)
    day = rows[0]["as_of_date"] if rows else None
    return True, day, rows


def staff_risk(db: sa.Engine, settings: Settings, principal: Principal, staff_id: str) -> RiskView:
    """One staff member's measures (flagged or not), explained. Audited (`broker_risk_view`)."""
    with db.connect() as connection:
        check_staff(connection, principal, staff_id)
        served = served_snapshot_on(connection).as_of_date
        kept, day, rows = _read(settings, served, frozenset({staff_id}), flagged_only=False)
        names = _names(connection, {staff_id})
    config = load_config(settings)
    audit_read(db, principal, "broker_risk_view", [], {"staff_id": staff_id})
    return RiskView(served, kept, day, [line_of(r, config, names) for r in rows])


def risk_flags(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    *,
    within: frozenset[str] | None = None,
    flagged_only: bool = True,
) -> RiskView:
    """The flags (or every measure) of the staff in scope, optionally within a set of staff
    (a unit's). Audited (`broker_risk_view`): who looked at whose flags."""
    with db.connect() as connection:
        reach = staff_reach(connection, principal)
        if reach is not None and not reach:
            raise Forbidden(
                "this role sees no staff business (book, income, KPI, risk)",
                hint="sign in as the staff member, their manager or head office",
            )
        if within is not None:
            reach = within if reach is None else reach & within
        served = served_snapshot_on(connection).as_of_date
        kept, day, rows = _read(settings, served, reach, flagged_only=flagged_only)
        names = _names(connection, {r["staff_id"] for r in rows})
    config = load_config(settings)
    lines = [line_of(r, config, names) for r in rows]
    audit_read(
        db,
        principal,
        "broker_risk_view",
        [],
        {"staff_ids": sorted({line.staff_id for line in lines})[:200], "rows": len(lines)},
    )
    return RiskView(served, kept, day, lines)

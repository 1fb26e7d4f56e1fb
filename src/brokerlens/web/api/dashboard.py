"""Business dashboards (issue 22 section 2): the viewer's own (`/api/dashboard`) or a unit's in
their scope (`/api/dashboard/{level}/{unit_id}`), as the pages show them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from brokerlens.access.dashboard import (
    Change,
    Dashboard,
    Figure,
    UnitRef,
    dashboard,
    dimension_label,
)
from brokerlens.web.deps import CsrfDep, DbDep, LanguageDep, PrincipalDep, SettingsDep

router = APIRouter(prefix="/api", tags=["dashboard"], dependencies=[CsrfDep])

MetricQuery = Annotated[
    str | None, Query(max_length=64, description="the metric ranked and cut [net_commission]")
]
PeriodQuery = Annotated[str | None, Query(max_length=16, description="day, month or year [month]")]
DimensionQuery = Annotated[
    str | None,
    Query(
        max_length=32,
        description="one cut: tier, channel, customer_type, age_band or "
        "product_type [every cut of the metric]",
    ),
]


class UnitPublic(BaseModel):
    level: str
    unit_id: str
    name: str


class ChangePublic(BaseModel):
    kind: str  # mom (环比) or yoy (同比)
    period: str
    base: Decimal | None  # null: no history for that period
    delta: Decimal | None
    ratio: Decimal | None  # delta / |base|; null for rates (their delta is in the rate's scale)


class FigurePublic(BaseModel):
    period: str
    value: Decimal | None
    changes: list[ChangePublic]


class MetricPublic(BaseModel):
    metric: str
    label: str
    unit: str  # customers, yuan, rate (a fraction), permille (a fraction), count
    kind: str
    why: str
    figures: list[FigurePublic]


class TrendPublic(BaseModel):
    day: dt.date
    values: dict[str, Decimal]


class RankRowPublic(BaseModel):
    rank: int | None
    unit: UnitPublic
    value: Decimal | None
    changes: list[ChangePublic]


class RankingPublic(BaseModel):
    level: str
    rows: list[RankRowPublic]


class CutRowPublic(BaseModel):
    member: str
    value: Decimal | None
    share: Decimal | None


class CutPublic(BaseModel):
    dimension: str
    label: str
    rows: list[CutRowPublic]


class DashboardPublic(BaseModel):
    as_of: dt.date
    unit: UnitPublic
    path: list[UnitPublic]
    metric: str
    period: str
    metrics: list[MetricPublic]
    trend: list[TrendPublic]
    months: list[TrendPublic]
    rankings: list[RankingPublic]
    cuts: list[CutPublic]


def _unit(ref: UnitRef) -> UnitPublic:
    return UnitPublic(level=ref.level, unit_id=ref.unit_id, name=ref.name)


def _change(c: Change) -> ChangePublic:
    return ChangePublic(kind=c.kind, period=c.period, base=c.base, delta=c.delta, ratio=c.ratio)


def _figure(f: Figure) -> FigurePublic:
    return FigurePublic(period=f.period, value=f.value, changes=[_change(c) for c in f.changes])


def dashboard_public(found: Dashboard, language: str) -> DashboardPublic:
    return DashboardPublic(
        as_of=found.as_of,
        unit=_unit(found.unit),
        path=[_unit(u) for u in found.path],
        metric=found.metric.id,
        period=found.period,
        metrics=[
            MetricPublic(
                metric=c.metric.id,
                label=c.metric.label(language),
                unit=c.metric.unit,
                kind=c.metric.kind,
                why=c.metric.why(language),
                figures=[_figure(f) for f in c.figures],
            )
            for c in found.cards
        ],
        trend=[TrendPublic(day=p.day, values=p.values) for p in found.trend],
        months=[TrendPublic(day=p.day, values=p.values) for p in found.months],
        rankings=[
            RankingPublic(
                level=r.level,
                rows=[
                    RankRowPublic(
                        rank=row.rank,
                        unit=_unit(row.unit),
                        value=row.value,
                        changes=[_change(c) for c in row.changes],
                    )
                    for row in r.rows
                ],
            )
            for r in found.rankings
        ],
        cuts=[
            CutPublic(
                dimension=c.dimension,
                label=dimension_label(c.dimension, language),
                rows=[CutRowPublic(member=r.member, value=r.value, share=r.share) for r in c.rows],
            )
            for c in found.cuts
        ],
    )


@router.get("/dashboard")
def get_own_dashboard(
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    language: LanguageDep,
    metric: MetricQuery = None,
    period: PeriodQuery = None,
    dimension: DimensionQuery = None,
) -> DashboardPublic:
    """Your own dashboard: head office the brokerage, a manager their unit, a team lead their
    team, a broker or advisor themselves."""
    found = dashboard(
        db, settings, principal, metric=metric, period=period, dimension=dimension or None
    )
    return dashboard_public(found, language)


@router.get("/dashboard/{level}/{unit_id}")
def get_dashboard(
    level: str,
    unit_id: str,
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    language: LanguageDep,
    metric: MetricQuery = None,
    period: PeriodQuery = None,
    dimension: DimensionQuery = None,
) -> DashboardPublic:
    """A unit's dashboard (level hq, region, branch, team; or staff with a staff id); 404
    outside your scope."""
    found = dashboard(
        db,
        settings,
        principal,
        level,
        unit_id,
        metric=metric,
        period=period,
        dimension=dimension or None,
    )
    return dashboard_public(found, language)

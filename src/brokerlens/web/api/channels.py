"""Business analysis (issue 22 section 3): the 3A3R channel funnel with cohort retention, and
business by weekday, month and against the market index. Per branch, within your units."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from brokerlens.access.channels import (
    STAGES,
    Bucket,
    ChannelAnalysis,
    ChannelLine,
    TimingAnalysis,
    channel_analysis,
    timing_analysis,
)
from brokerlens.web.bounds import DayQuery, check_day
from brokerlens.web.deps import CsrfDep, DbDep, PrincipalDep, SettingsDep

router = APIRouter(prefix="/api/analysis", tags=["analysis"], dependencies=[CsrfDep])

BranchQuery = Annotated[
    str | None, Query(max_length=64, description="one branch (unit id) in your scope")
]
ChannelQuery = Annotated[
    str | None,
    Query(max_length=16, description="one open channel's cohorts: branch, online, bank, app ..."),
]


class StagePublic(BaseModel):
    stage: str
    customers: int
    due: int  # customers the stage is due for (its month ended by the date)
    not_yet_due: int  # opened too recently: neither reached nor lost
    rate: float | None  # customers / due


class FunnelPublic(BaseModel):
    key: str
    name: str | None
    opened: int
    net_inflow: Decimal  # transfers in less out since opening, yuan
    stages: list[StagePublic]


class CohortPublic(BaseModel):
    open_month: dt.date
    opened: int
    active: list[int]  # per month after opening (0 = the opening month), months ended by T
    share: list[float | None]


class BranchPublic(BaseModel):
    branch_id: str
    name: str | None


class ChannelsPublic(BaseModel):
    as_of: dt.date
    dates: list[dt.date]
    branch: str | None
    branch_choices: list[BranchPublic]  # the branches in your scope
    definitions: str
    total: FunnelPublic
    channels: list[FunnelPublic]
    branches: list[FunnelPublic]
    cohorts: list[CohortPublic]


class BucketPublic(BaseModel):
    key: str
    days: int
    turnover: Decimal
    trades: int
    net_commission: Decimal
    new_accounts: int


class MarketDayPublic(BaseModel):
    day: dt.date
    turnover: Decimal
    index_change: float | None


class TimingPublic(BaseModel):
    as_of: dt.date
    dates: list[dt.date]
    branch: str | None
    branch_choices: list[BranchPublic]
    index_id: str | None
    totals: BucketPublic
    weekdays: list[BucketPublic]  # key: ISO weekday, 1 = Monday
    months: list[BucketPublic]  # key: YYYY-MM
    days: list[MarketDayPublic]
    correlation: float | None
    correlation_abs: float | None
    days_used: int


DEFINITIONS = (
    "Cohorts: accounts opened on or after the first loaded day. Each stage includes the ones "
    "before it: opened; funded (a transfer in or assets above 0 on some day); traded (a trade); "
    "active_3m (a trade in the 3rd calendar month after the opening month); active_12m (also a "
    "trade in the 12th). A time stage counts only customers whose month has ended by as_of "
    "(due); the others are not yet due, not lost. rate = customers / due."
)


def funnel_public(line: ChannelLine) -> FunnelPublic:
    f = line.funnel
    return FunnelPublic(
        key=line.key,
        name=line.name,
        opened=f.opened,
        net_inflow=f.net_inflow,
        stages=[
            StagePublic(
                stage=s,
                customers=f.count(s),
                due=f.due(s),
                not_yet_due=f.not_due(s),
                rate=f.rate(s),
            )
            for s in STAGES
        ],
    )


def channels_public(found: ChannelAnalysis) -> ChannelsPublic:
    return ChannelsPublic(
        as_of=found.as_of,
        dates=found.dates,
        branch=found.branch,
        branch_choices=[BranchPublic(branch_id=b, name=n) for b, n in found.branch_choices],
        definitions=DEFINITIONS,
        total=funnel_public(ChannelLine("all", found.total)),
        channels=[funnel_public(c) for c in found.channels],
        branches=[funnel_public(b) for b in found.branches],
        cohorts=[
            CohortPublic(
                open_month=c.open_month,
                opened=c.opened,
                active=c.active,
                share=[c.share(k) for k in range(len(c.active))],
            )
            for c in found.cohorts
        ],
    )


def bucket_public(b: Bucket) -> BucketPublic:
    return BucketPublic(**b.__dict__)


def timing_public(found: TimingAnalysis) -> TimingPublic:
    return TimingPublic(
        as_of=found.as_of,
        dates=found.dates,
        branch=found.branch,
        branch_choices=[BranchPublic(branch_id=b, name=n) for b, n in found.branch_choices],
        index_id=found.index_id,
        totals=bucket_public(found.totals),
        weekdays=[bucket_public(b) for b in found.weekdays],
        months=[bucket_public(b) for b in found.months],
        days=[MarketDayPublic(**d.__dict__) for d in found.days],
        correlation=found.correlation,
        correlation_abs=found.correlation_abs,
        days_used=found.days_used,
    )


@router.get("/channels")
def get_channels(
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    as_of: DayQuery = None,
    branch: BranchQuery = None,
    channel: ChannelQuery = None,
) -> ChannelsPublic:
    """Accounts per open channel through the funnel, per branch, and cohort retention by
    opening month (of one channel when given); branch and region managers see their units."""
    found = channel_analysis(
        db,
        settings,
        principal,
        as_of=check_day("as_of", as_of),
        branch=branch or None,
        channel=channel or None,
    )
    return channels_public(found)


@router.get("/timing")
def get_timing(
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    as_of: DayQuery = None,
    branch: BranchQuery = None,
) -> TimingPublic:
    """Turnover, trades, net commission and new accounts by weekday and by month, and daily
    turnover against the index's move with their correlation and the days it is based on."""
    found = timing_analysis(
        db, settings, principal, as_of=check_day("as_of", as_of), branch=branch or None
    )
    return timing_public(found)

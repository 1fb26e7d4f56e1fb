"""营销活动 (issue 17 section 3): create from a segment or a product's targets, launch (freeze and
split), outcomes.

Everything goes through `brokerlens.access.campaigns` (who creates and runs a campaign, the
members' scope, audit); a campaign the caller may not see answers 404 like an unknown one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field
from starlette.responses import Response

from brokerlens.access import campaigns as service
from brokerlens.web.bounds import EARLIEST_DAY, LATEST_DAY, MAX_ID, IdPath
from brokerlens.web.deps import CsrfDep, DbDep, ExporterDep, ReaderDep, SettingsDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["campaigns"], dependencies=[CsrfDep, Depends(customer_reader)]
)

Goal = Literal["deposit", "product_purchase", "trade", "reactivation", "permission"]
Channel = Literal["phone", "visit", "wechat", "sms", "email", "app_push"]


class CampaignCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    goal: Goal
    window_start: dt.date = Field(ge=EARLIEST_DAY, le=LATEST_DAY)
    window_end: dt.date = Field(ge=EARLIEST_DAY, le=LATEST_DAY)
    segment_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="source: a segment")
    product_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="source: the product's target customers (with segment_id: the product a "
        "product_purchase campaign counts)",
    )
    top: int | None = Field(default=None, ge=1, le=10_000_000, description="the top N targets")
    channel: Channel = "phone"
    script: str | None = Field(default=None, max_length=4000)
    materials: str | None = Field(default=None, max_length=4000)
    holdout_share: float | None = Field(default=None, ge=0, le=0.9, description="default 0.1")
    seed: int | None = Field(default=None, ge=0, le=MAX_ID, description="default: the id")
    threshold_yuan: int | None = Field(
        default=None, ge=1, le=10**13, description="deposit: net inflow to reach (default 10000)"
    )
    service: str | None = Field(default=None, max_length=24, description="permission: a service")


class CampaignPublic(BaseModel):
    campaign_id: int
    name: str
    goal: str
    product_id: str | None
    service: str | None
    threshold_cents: int | None
    source_kind: str
    source_id: str
    source_top: int | None
    window_start: dt.date
    window_end: dt.date
    channel: str
    script: str | None
    materials: str | None
    holdout_share: float
    seed: int
    status: str
    owner_unit_id: str | None
    created_by: str
    created_at: dt.datetime
    launched_by: str | None
    launched_at: dt.datetime | None
    frozen_as_of: dt.date | None
    members: int
    treatment: int
    holdout: int
    outcomes_as_of: dt.date | None
    manageable: bool = Field(description="you may launch, cancel or close it")
    converted: int | None = None
    uplift: float | None = None


class CampaignsPublic(BaseModel):
    data: list[CampaignPublic]
    count: int


class RowPublic(BaseModel):
    key: str | None
    label: str | None
    treatment: dict[str, Any]
    holdout: dict[str, Any]
    uplift: float | None
    ci_low: float | None
    ci_high: float | None
    activity: dict[str, int]


class ReportPublic(BaseModel):
    campaign: CampaignPublic
    total: RowPublic
    branches: list[RowPublic]
    brokers: list[RowPublic]


def campaign_public(campaign: service.Campaign) -> CampaignPublic:
    return CampaignPublic.model_validate(jsonable_encoder(dataclasses.asdict(campaign)))


def row_public(row: service.ReportRow) -> RowPublic:
    e = row.effect
    return RowPublic(
        key=row.key,
        label=row.label,
        treatment={
            "members": row.t_members,
            "contacted": row.t_contacted,
            "converted": row.t_converted,
            "rate": e.treatment_rate,
        },
        holdout={
            "members": row.h_members,
            "contacted": row.h_contacted,
            "converted": row.h_converted,
            "rate": e.holdout_rate,
        },
        uplift=e.uplift,
        ci_low=e.low,
        ci_high=e.high,
        activity={
            "records": row.records,
            "feed_contacts": row.feed_contacts,
            "total": row.activity,
        },
    )


@router.get("/campaigns", response_model=CampaignsPublic)
def list_campaigns(db: DbDep, principal: ReaderDep) -> CampaignsPublic:
    """The campaigns you see (your unit's, those above and below it), newest first, with the
    conversions and uplift among the members in your scope."""
    data = [campaign_public(c) for c in service.list_campaigns(db, principal)]
    return CampaignsPublic(data=data, count=len(data))


@router.post("/campaigns", response_model=CampaignPublic, status_code=201)
def create_campaign(
    body: CampaignCreate, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> CampaignPublic:
    """A draft campaign: head office marketing anywhere, a branch or region manager for their
    unit; audited."""
    values = body.model_dump(exclude={"threshold_yuan"})
    threshold = None if body.threshold_yuan is None else body.threshold_yuan * 100
    made = service.create_campaign(
        db, settings, principal, service.CampaignInput(**values, threshold_cents=threshold)
    )
    return campaign_public(made)


@router.get("/campaigns/{campaign_id}", response_model=CampaignPublic)
def get_campaign(campaign_id: IdPath, db: DbDep, principal: ReaderDep) -> CampaignPublic:
    return campaign_public(service.get_campaign(db, principal, campaign_id))


@router.post("/campaigns/{campaign_id}/launch", response_model=CampaignPublic)
def launch_campaign(
    campaign_id: IdPath, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> CampaignPublic:
    """Freeze the members in your scope and split them; over the approval size (a setting)
    anyone but head office marketing leaves it pending_approval with a `campaign_launch`
    request in 待审批 (/api/approvals), whose approval launches it. A second launch, or one of a
    campaign waiting for approval: 409."""
    return campaign_public(service.launch_campaign(db, settings, principal, campaign_id))


@router.post("/campaigns/{campaign_id}/close", response_model=CampaignPublic)
def close_campaign(campaign_id: IdPath, db: DbDep, principal: ReaderDep) -> CampaignPublic:
    """Stop the campaign: a draft or pending one is cancelled, a launched one closed (its
    members and conversions stay); audited."""
    return campaign_public(service.end_campaign(db, principal, campaign_id))


@router.get("/campaigns/{campaign_id}/report", response_model=ReportPublic)
def campaign_report(
    campaign_id: IdPath, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> ReportPublic:
    """Per group members, contacted, converted and rate; the uplift (treatment rate minus
    holdout rate) with its 95% interval; by branch and by broker within your scope; activity
    volume per broker."""
    found = service.campaign_report(db, settings, principal, campaign_id)
    return ReportPublic(
        campaign=campaign_public(found.campaign),
        total=row_public(found.total),
        branches=[row_public(r) for r in found.branches],
        brokers=[row_public(r) for r in found.brokers],
    )


@router.get("/campaigns/{campaign_id}/members", response_class=Response)
def export_members(campaign_id: IdPath, db: DbDep, principal: ExporterDep) -> Response:
    """The members in your scope as CSV (group, branch, broker, contact and conversion dates);
    the export permission; audited as an export naming the customers."""
    name, text, _ = service.export_members(db, principal, campaign_id)
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

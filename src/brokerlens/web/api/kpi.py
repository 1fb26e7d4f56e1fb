"""KPI (issue 19 section 4): rankings, one staff member's scores and history, the customers
behind a metric, the schemes, a scheme change's preview and its request (`kpi_scheme`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from brokerlens.access.kpi import (
    Drill,
    Rankings,
    StaffKpi,
    StaffRow,
    metric_customers,
    parse_month,
    rankings,
    staff_kpi,
)
from brokerlens.access.kpi_schemes import (
    MAX_SCHEME_BYTES,
    SchemePreview,
    preview_scheme_change,
    request_scheme_change,
)
from brokerlens.auth.principal import Permission
from brokerlens.brokers.kpi.schemes import active_text, active_version, history, load_active
from brokerlens.errors import InvalidRequest
from brokerlens.web.api.approvals import ApprovalPublic, approval_public
from brokerlens.web.deps import CsrfDep, DbDep, LanguageDep, PrincipalDep, SettingsDep

router = APIRouter(prefix="/api", tags=["kpi"], dependencies=[CsrfDep])

YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"type": "string"}}},
    }
}
MonthQuery = Annotated[str | None, Query(description="YYYY-MM [default: the newest scored]")]


class MetricPublic(BaseModel):
    metric: str
    label: str
    unit: str
    value: Decimal | None
    target: Decimal | None
    score: Decimal
    weight: Decimal


class StaffScorePublic(BaseModel):
    staff_id: str
    position: str
    unit_id: str | None
    branch_id: str | None
    region_id: str | None
    scheme_version: str
    total: Decimal
    rank_in_unit: int
    rank_in_branch: int
    rank_in_region: int
    unit_size: int
    branch_size: int
    region_size: int
    metrics: list[MetricPublic]


class RankGroupPublic(BaseModel):
    level: str
    unit_id: str | None
    position: str
    size: int
    data: list[StaffScorePublic]


class RankingsPublic(BaseModel):
    month: dt.date
    as_of: dt.date
    months: list[dt.date]
    level: str
    groups: list[RankGroupPublic]


class HistoryPublic(BaseModel):
    month: dt.date
    as_of: dt.date
    scheme_version: str
    total: Decimal
    rank_in_unit: int
    rank_in_branch: int
    rank_in_region: int


class StaffKpiPublic(BaseModel):
    staff_id: str
    month: dt.date
    as_of: dt.date | None
    months: list[dt.date]
    scores: StaffScorePublic | None
    history: list[HistoryPublic]


class DrillRowPublic(BaseModel):
    staff_id: str
    customer_id: str
    name: str | None
    role: str
    weight: Decimal
    amount: Decimal
    credited: Decimal


class DrillPublic(BaseModel):
    staff_id: str
    month: dt.date
    metric: str
    value: Decimal | None
    customers: int
    hidden: int
    truncated: bool
    data: list[DrillRowPublic]
    count: int


class SchemesPublic(BaseModel):
    version: str
    yaml: str | None  # for edit_kpi holders
    schemes: list[dict[str, object]]
    history: list[dict[str, object]]


class MovePublic(BaseModel):
    staff_id: str
    position: str
    unit_id: str | None
    old_total: Decimal | None
    new_total: Decimal | None
    old_rank: int | None
    new_rank: int | None
    moved: bool


class PreviewPublic(BaseModel):
    month: dt.date
    level: str
    based_on: str
    changed_positions: list[str]
    moved: int
    up: int
    down: int
    data: list[MovePublic]


def staff_public(row: StaffRow, language: str) -> StaffScorePublic:
    return StaffScorePublic(
        staff_id=row.staff_id,
        position=row.position,
        unit_id=row.unit_id,
        branch_id=row.branch_id,
        region_id=row.region_id,
        scheme_version=row.scheme_version,
        total=row.total,
        rank_in_unit=row.ranks["unit"],
        rank_in_branch=row.ranks["branch"],
        rank_in_region=row.ranks["region"],
        unit_size=row.sizes["unit"],
        branch_size=row.sizes["branch"],
        region_size=row.sizes["region"],
        metrics=[
            MetricPublic(
                metric=m.metric,
                label=m.info.label(language),
                unit=m.info.unit,
                value=m.value,
                target=m.target,
                score=m.score,
                weight=m.weight,
            )
            for m in row.metrics
        ],
    )


def rankings_public(found: Rankings, language: str) -> RankingsPublic:
    return RankingsPublic(
        month=found.month,
        as_of=found.as_of,
        months=found.months,
        level=found.level,
        groups=[
            RankGroupPublic(
                level=g.level,
                unit_id=g.unit_id,
                position=g.position,
                size=g.size,
                data=[staff_public(r, language) for r in g.rows],
            )
            for g in found.groups
        ],
    )


def staff_kpi_public(found: StaffKpi, language: str) -> StaffKpiPublic:
    return StaffKpiPublic(
        staff_id=found.staff_id,
        month=found.month,
        as_of=found.as_of,
        months=found.months,
        scores=staff_public(found.row, language) if found.row else None,
        history=[
            HistoryPublic(
                month=p.month,
                as_of=p.as_of,
                scheme_version=p.scheme_version,
                total=p.total,
                rank_in_unit=p.ranks["unit"],
                rank_in_branch=p.ranks["branch"],
                rank_in_region=p.ranks["region"],
            )
            for p in found.history
        ],
    )


def drill_public(found: Drill) -> DrillPublic:
    return DrillPublic(
        staff_id=found.staff_id,
        month=found.month,
        metric=found.metric.id,
        value=found.value,
        customers=found.customers,
        hidden=found.hidden,
        truncated=found.truncated,
        data=[DrillRowPublic(**r.__dict__) for r in found.rows],
        count=len(found.rows),
    )


def preview_public(found: SchemePreview) -> PreviewPublic:
    return PreviewPublic(
        month=found.month,
        level=found.level,
        based_on=found.based_on,
        changed_positions=found.changed_positions,
        moved=found.moved,
        up=found.up,
        down=found.down,
        data=[MovePublic(**m.__dict__, moved=m.moved) for m in found.moves],
    )


@router.get("/kpi")
def get_rankings(
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    language: LanguageDep,
    month: MonthQuery = None,
    level: Annotated[str, Query(description="unit (team), branch or region")] = "branch",
    position: str | None = None,
    unit_id: str | None = None,
) -> RankingsPublic:
    """The month's rankings of the staff in your staff scope, per unit and position."""
    found = rankings(
        db,
        settings,
        principal,
        month=parse_month(month),
        level=level,
        position=position or None,
        unit_id=unit_id or None,
    )
    return rankings_public(found, language)


@router.get("/staff/{staff_id}/kpi")
def get_staff_kpi(
    staff_id: str,
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    language: LanguageDep,
    month: MonthQuery = None,
) -> StaffKpiPublic:
    """A staff member's scores of the month, ranks and history (404 outside your scope)."""
    found = staff_kpi(db, settings, principal, staff_id, month=parse_month(month))
    return staff_kpi_public(found, language)


@router.get("/kpi/staff/{staff_id}/metrics/{metric}")
def get_drill(
    staff_id: str,
    metric: str,
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    month: MonthQuery = None,
) -> DrillPublic:
    """The customers behind a staff member's metric (those in your customer scope; audited)."""
    found = metric_customers(db, settings, principal, staff_id, metric, month=parse_month(month))
    return drill_public(found)


@router.get("/kpi/schemes")
def get_schemes(settings: SettingsDep, principal: PrincipalDep) -> SchemesPublic:
    """The active KPI schemes, their version and every applied version."""
    return SchemesPublic(
        version=active_version(settings),
        yaml=active_text(settings) if principal.can(Permission.EDIT_KPI) else None,
        schemes=[s.model_dump(mode="json") for s in load_active(settings).schemes],
        history=[r.__dict__ for r in history(settings)],
    )


async def _yaml_body(request: Request) -> str:
    raw = await request.body()
    if len(raw) > MAX_SCHEME_BYTES:
        raise InvalidRequest(f"the scheme file is larger than {MAX_SCHEME_BYTES:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("the scheme file is not UTF-8") from None


@router.post("/kpi/schemes/preview", openapi_extra=YAML_BODY)
async def post_preview(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    month: MonthQuery = None,
    level: str = "branch",
) -> PreviewPublic:
    """Who would move in the ranking if the posted scheme YAML were active (edit_kpi)."""
    text = await _yaml_body(request)
    found = await run_in_threadpool(
        preview_scheme_change,
        db,
        settings,
        principal,
        text,
        "posted schemes",
        month=parse_month(month),
        level=level,
    )
    return preview_public(found)


@router.post("/kpi/schemes", openapi_extra=YAML_BODY, status_code=201)
async def post_request(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    language: LanguageDep,
    note: str | None = None,
) -> ApprovalPublic:
    """Ask for the posted scheme YAML to become active: a `kpi_scheme` request another head
    office user with edit_kpi approves."""
    text = await _yaml_body(request)
    made = request_scheme_change(db, settings, principal, text, "posted schemes", note)
    return approval_public(settings, made, language)

"""The kept reports (issue 22 section 4): the list by date and a report's file to download."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from starlette.responses import FileResponse

from brokerlens.access.reports import MAX_NAME, KeptReport, list_reports, report_download
from brokerlens.web.bounds import EARLIEST_DAY, LATEST_DAY, DayQuery
from brokerlens.web.deps import CsrfDep, DbDep, LanguageDep, PrincipalDep, SettingsDep

router = APIRouter(prefix="/api", tags=["reports"], dependencies=[CsrfDep])

DatePath = Annotated[dt.date, Path(ge=EARLIEST_DAY, le=LATEST_DAY, description="YYYY-MM-DD")]
FilePath = Annotated[str, Path(max_length=MAX_NAME, description="e.g. kpi_monthly.xlsx")]
ReportQuery = Annotated[
    str | None, Query(max_length=64, description="a report's id, e.g. kpi_monthly")
]


class SheetPublic(BaseModel):
    id: str
    title: str
    rows: int
    file: str


class ReportPublic(BaseModel):
    as_of: dt.date
    report: str
    name: str
    frequency: str
    level: str
    unit_id: str | None
    unit_name: str | None
    period: str
    final: bool
    sha256: str
    workbook: str
    workbook_url: str
    manifest: str
    sheets: list[SheetPublic]


class ReportChoicePublic(BaseModel):
    id: str
    name: str


class ReportListPublic(BaseModel):
    dates: list[dt.date]
    as_of: dt.date | None
    report: str | None
    reports: list[ReportChoicePublic]
    data: list[ReportPublic]
    count: int


def file_url(as_of: dt.date, name: str) -> str:
    return f"/api/reports/{as_of.isoformat()}/{quote(name)}"


def report_public(item: KeptReport, language: str) -> ReportPublic:
    return ReportPublic(
        as_of=item.as_of,
        report=item.report,
        name=item.name(language),
        frequency=item.frequency,
        level=item.level,
        unit_id=item.unit_id,
        unit_name=item.unit_name,
        period=item.period,
        final=item.final,
        sha256=item.sha256,
        workbook=item.workbook,
        workbook_url=file_url(item.as_of, item.workbook),
        manifest=item.manifest,
        sheets=[
            SheetPublic(id=s.id, title=s.title(language), rows=s.rows, file=s.file)
            for s in item.sheets
        ],
    )


@router.get("/reports", response_model=ReportListPublic)
def get_reports(
    settings: SettingsDep,
    db: DbDep,
    principal: PrincipalDep,
    language: LanguageDep,
    date: DayQuery = None,
    report: ReportQuery = None,
) -> ReportListPublic:
    """The kept reports you may see: of `date` (default: the newest), or of one `report` over
    its newest dates when only `report` is given; audited `view_reports`."""
    found = list_reports(db, settings, principal, as_of=date, report=report)
    return ReportListPublic(
        dates=found.dates,
        as_of=found.as_of,
        report=found.report,
        reports=[ReportChoicePublic(id=c.id, name=c.name(language)) for c in found.choices],
        data=[report_public(r, language) for r in found.items],
        count=len(found.items),
    )


@router.get("/reports/{date}/{file}", response_class=FileResponse)
def download_report(
    date: DatePath, file: FilePath, settings: SettingsDep, db: DbDep, principal: PrincipalDep
) -> FileResponse:
    """A kept report's workbook (`.xlsx`), a sheet's snapshot (`.parquet`) or its manifest
    (`.json`, with the snapshot's SHA-256); audited `download_report`."""
    found = report_download(db, settings, principal, date, file)
    return FileResponse(
        found.path,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
            "Cache-Control": "no-store",
        },
    )

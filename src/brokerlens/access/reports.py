"""The kept reports (issue 22 section 4) as a named user sees them: the list by date, and one
report's file to download.

Who sees which: head office (marketing, compliance) every report; a branch- or region-level
report its unit's manager and the managers above it (a region manager the reports of their
region's branches); a report asking for a permission (`suitability_reports`) only readers who
hold it. Other roles see no kept report (403). A report out of reach answers 404 like one that
is not there. Listing is audited `view_reports`, a download `download_report` (with the file
and its content hash). Reports are aggregates per unit: no customer is named.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.org import visible_units
from brokerlens.analysis.reports.model import registered_reports
from brokerlens.auth.principal import Permission, Principal, Role
from brokerlens.config import Settings
from brokerlens.errors import FieldRejected, Forbidden, NotFound
from brokerlens.warehouse.served import (
    is_report_name_part,
    report_dates,
    report_file,
    report_manifests,
)

HQ_ROLES = frozenset({Role.HQ_MARKETING, Role.COMPLIANCE})
MANAGER_ROLES = frozenset({Role.BRANCH_MANAGER, Role.REGION_MANAGER})
MAX_NAME = 200
DATES_OF_ONE_REPORT = 62  # a report listed over its newest dates (two months of days)
MEDIA = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
}


class ReportRejected(FieldRejected):
    """A report parameter is unusable (422): `field` names it."""


@dataclass(frozen=True)
class SheetInfo:
    id: str
    zh: str
    en: str
    rows: int
    file: str  # the snapshot (Parquet)

    def title(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class KeptReport:
    as_of: dt.date
    report: str
    zh: str
    en: str
    frequency: str
    level: str
    unit_id: str | None
    unit_name: str | None
    period: str
    final: bool
    sha256: str
    workbook: str
    manifest: str
    sheets: tuple[SheetInfo, ...]

    def name(self, language: str) -> str:
        return self.en if language == "en" else self.zh

    @property
    def files(self) -> tuple[str, ...]:
        return (self.workbook, self.manifest, *(s.file for s in self.sheets))


@dataclass(frozen=True)
class ReportChoice:
    id: str
    zh: str
    en: str

    def name(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class ReportList:
    dates: list[dt.date]  # every date with kept reports, newest first
    as_of: dt.date | None  # the date listed (None: one report over its newest dates)
    report: str | None
    items: list[KeptReport]  # newest first, then by report and unit
    choices: list[ReportChoice]  # the registered reports, for the filter


def _reader(principal: Principal) -> None:
    if principal.role not in HQ_ROLES | MANAGER_ROLES:
        raise Forbidden(
            "this role sees no kept reports",
            hint="reports are for head office and the managers of branches and regions",
        )


def _units(db: sa.Engine, principal: Principal) -> set[str] | None:
    """The units whose reports the principal may see (None: every one)."""
    if principal.role in HQ_ROLES:
        return None
    if principal.role not in MANAGER_ROLES:
        return set()
    with db.connect() as connection:
        units, _ = visible_units(connection, principal)
    return units


def _may_see(principal: Principal, units: set[str] | None, meta: dict[str, Any]) -> bool:
    needed = meta.get("permission")
    if needed:
        try:
            if not principal.can(Permission(needed)):
                return False
        except ValueError:  # a permission this version does not know: nobody
            return False
    if units is None:
        return True
    if meta.get("level") == "hq":
        return False
    return meta.get("unit_id") in units


def _read(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _kept(meta: dict[str, Any], manifest: Path) -> KeptReport:
    return KeptReport(
        as_of=dt.date.fromisoformat(meta["as_of"]),
        report=meta["report"],
        zh=meta["zh"],
        en=meta["en"],
        frequency=meta["frequency"],
        level=meta["level"],
        unit_id=meta.get("unit_id"),
        unit_name=meta.get("unit_name"),
        period=meta["period"],
        final=bool(meta["final"]),
        sha256=meta["sha256"],
        workbook=meta["workbook"],
        manifest=manifest.name,
        sheets=tuple(
            SheetInfo(s["id"], s["zh"], s["en"], int(s["rows"]), s["file"]) for s in meta["sheets"]
        ),
    )


def _choices() -> list[ReportChoice]:
    return [ReportChoice(r.id, r.zh, r.en) for r in registered_reports().values()]


def _check_report(report: str | None) -> str | None:
    if report is None or not report.strip():
        return None
    known = registered_reports()
    if report not in known:
        shown = report[:40]
        raise ReportRejected("report", f"no report {shown!r}", hint=f"one of {', '.join(known)}")
    return report


def list_reports(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    *,
    as_of: dt.date | None = None,
    report: str | None = None,
) -> ReportList:
    """The kept reports the principal may see: of `as_of` (default: the newest date), or of
    one `report` over its newest dates when only the report is given; audited
    `view_reports`."""
    _reader(principal)
    report = _check_report(report)
    dates = report_dates(settings)[::-1]
    if as_of is not None and as_of not in dates:
        raise NotFound(
            f"no reports kept for {as_of.isoformat()}",
            hint=f"dates with reports: {dates[-1]} .. {dates[0]}" if dates else "run the day",
        )
    units = _units(db, principal)
    if as_of is None and report is None and dates:
        as_of = dates[0]
    listed = [as_of] if as_of is not None else dates[:DATES_OF_ONE_REPORT]
    items: list[KeptReport] = []
    for day in listed:
        for path in report_manifests(settings, day, report):
            meta = _read(path)
            if meta is not None and _may_see(principal, units, meta):
                items.append(_kept(meta, path))
    audit_read(
        db,
        principal,
        "view_reports",
        [],
        {"as_of": as_of.isoformat() if as_of else None, "report": report, "count": len(items)},
    )
    return ReportList(dates, as_of, report, items, _choices())


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str
    media_type: str
    report: KeptReport


def report_download(
    db: sa.Engine, settings: Settings, principal: Principal, as_of: dt.date, name: str
) -> Download:
    """One file of a kept report (its workbook, a sheet's snapshot or its manifest) by its
    plain name; 404 when there is none or it is out of reach, 422 for a name that cannot be
    one (a path, another suffix). Audited `download_report` with the content hash."""
    _reader(principal)
    suffix = next((s for s in MEDIA if name.endswith(s)), None)
    parts = name[: -len(suffix)].split(".") if suffix else []
    if (
        len(name) > MAX_NAME
        or suffix is None
        or not parts
        or not all(is_report_name_part(p) for p in parts)
    ):
        raise ReportRejected(
            "file", f"{name[:60]!r} is not a report's file name", hint="e.g. kpi_monthly.xlsx"
        )
    units = _units(db, principal)
    for manifest in report_manifests(settings, as_of, parts[0]):
        meta = _read(manifest)
        if meta is None or not _may_see(principal, units, meta):
            continue
        kept = _kept(meta, manifest)
        if name not in kept.files:
            continue
        path = report_file(settings, as_of, name)
        if path is None:
            break
        audit_read(
            db,
            principal,
            "download_report",
            [],
            {
                "as_of": as_of.isoformat(),
                "file": name,
                "report": kept.report,
                "unit_id": kept.unit_id,
                "sha256": kept.sha256,
            },
        )
        return Download(path, name, MEDIA[suffix], kept)
    raise NotFound(f"no report file {name[:60]!r} of {as_of.isoformat()}")

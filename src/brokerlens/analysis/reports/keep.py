"""Build every report due as of T and keep it under `<home>/reports/<T>/`.

Per report (and per unit of a branch- or region-level one), in the folder of T
(`warehouse.layout.ReportsLayout`):
- `<stem>.<sheet>.parquet`: the snapshot of each sheet's rows, as the builder made them;
- `<stem>.xlsx`: the workbook (`excel.write_workbook`), its creation date set to T;
- `<stem>.json`: the manifest: the report, T, its period, its sheets and columns, and the
  SHA-256 of the snapshot (`snapshot_hash`), so the numbers an assessment used can be shown
  to be the ones kept: the same data gives the same hash, whatever the run's time. (The hash
  is of the data, not of the xlsx, whose zip and properties a library version may change.)

The folder of T is written whole beside its place and swapped in (`atomic_dir`): a re-run of
T replaces T's reports at once; a reader sees the old set or the new one. Every date is kept
(a few small files a report), so the report behind an assessment stays reproducible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from brokerlens.analysis.reports.excel import EXCEL_MAX_ROWS, write_workbook
from brokerlens.analysis.reports.model import Output, Report, ReportContext, registered_reports
from brokerlens.atomic import atomic_dir
from brokerlens.errors import CalendarError
from brokerlens.market.calendar import trading_days
from brokerlens.warehouse.layout import ReportsLayout
from brokerlens.warehouse.windows import month_start, next_month

MANIFEST_VERSION = 1
# A workbook of at most this many cells keeps xlsxwriter's scratch files in memory-backed
# /dev/shm where there is one: at 300,000 customers (117 reports) creating and removing them
# on disk took 5.2 of the step's 13 s; a bigger one writes them to the system's temporary
# folder (constant memory either way).
SMALL_CELLS = 500_000
FAST_TMP = Path("/dev/shm")
HASH_OF = "sha256 over each sheet in order: its id, its columns and types, its rows as CSV"


@dataclass(frozen=True)
class Period:
    """What a report of T covers: `label` (T, the ISO week, the month) and whether it is the
    period's final report (the week's or month's last trading day; a daily report always)."""

    label: str
    final: bool


def _last_trading_day(start: dt.date, end: dt.date) -> dt.date:
    """The last trading day from start to end (the last weekday where the calendar ends)."""
    try:
        days = trading_days(start, end)
    except CalendarError:
        days = tuple(
            start + dt.timedelta(n)
            for n in range((end - start).days + 1)
            if (start + dt.timedelta(n)).weekday() < 5
        )
    return days[-1] if days else end


def period_of(frequency: str, as_of: dt.date) -> Period | None:
    """The period a report of `frequency` covers as of T, or None when it is not due then:
    daily every T; weekly on its week's last trading day; monthly every T (month to date),
    final on the month's last trading day."""
    if frequency == "daily":
        return Period(as_of.isoformat(), True)
    if frequency == "weekly":
        sunday = as_of + dt.timedelta(days=6 - as_of.weekday())
        if _last_trading_day(as_of, sunday) != as_of:
            return None
        year, week, _ = as_of.isocalendar()
        return Period(f"{year}-W{week:02d}", True)
    month_end = next_month(month_start(as_of)) - dt.timedelta(days=1)
    return Period(f"{as_of:%Y-%m}", _last_trading_day(as_of, month_end) == as_of)


def snapshot_hash(sheets: Iterable[tuple[str, pa.Table]]) -> str:
    """The content hash of a report's data (see HASH_OF): equal for equal rows and types."""
    digest = hashlib.sha256()
    for sheet_id, table in sheets:
        digest.update(f"sheet {sheet_id}\n".encode())
        for name, kind in zip(table.column_names, table.schema.types, strict=True):
            digest.update(f"{name} {kind}\n".encode())
        out = pa.BufferOutputStream()
        pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False))
        digest.update(out.getvalue().to_pybytes())
    return digest.hexdigest()


def kept_hash(manifest: Path) -> str:
    """The hash of a kept report's snapshot files, computed again (equal to its manifest's
    `sha256` unless a file was changed since)."""
    meta = json.loads(manifest.read_text("utf-8"))
    folder = manifest.parent
    return snapshot_hash((s["id"], pq.read_table(folder / s["file"])) for s in meta["sheets"])


@dataclass
class KeptReports:
    as_of: dt.date
    folder: Path
    kept: list[str] = field(default_factory=list)  # stems
    skipped: list[str] = field(default_factory=list)  # due, nothing to report
    seconds: float = 0.0

    def note(self) -> str:
        none = f"; nothing to report: {', '.join(self.skipped)}" if self.skipped else ""
        return f"{len(self.kept)} kept under reports/{self.as_of.isoformat()}{none}"


def keep_reports(
    ctx: ReportContext,
    *,
    reports: Sequence[Report] | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> KeptReports:
    """Build the reports due as of T (every registered one by default) and keep them, the
    folder of T replaced whole."""
    started = time.perf_counter()
    layout = ReportsLayout(ctx.settings.reports_dir)
    target = layout.day_dir(ctx.as_of)
    done = KeptReports(ctx.as_of, target)
    chosen = list(registered_reports().values()) if reports is None else list(reports)
    with atomic_dir(target) as scratch:
        for item in chosen:
            period = period_of(item.frequency, ctx.as_of)
            if period is None:
                continue
            outputs = item.build(ctx)
            if not outputs:
                done.skipped.append(item.id)
            for output in outputs:
                done.kept.append(_keep(ctx, item, output, period, scratch, max_rows))
    done.seconds = round(time.perf_counter() - started, 2)
    return done


def _title(ctx: ReportContext, item: Report, output: Output, period: Period) -> str:
    unit = f"{output.unit_name or ctx.unit_name(output.unit_id)} " if output.unit_id else ""
    span = "" if item.frequency == "daily" else f" {period.label}"
    return f"{unit}{item.zh}{span}（截至 {ctx.as_of.isoformat()}）"


def _scratch_dir(cells: int) -> Path | None:
    if cells <= SMALL_CELLS and FAST_TMP.is_dir() and os.access(FAST_TMP, os.W_OK):
        return FAST_TMP
    return None


def _keep(
    ctx: ReportContext,
    item: Report,
    output: Output,
    period: Period,
    folder: Path,
    max_rows: int,
) -> str:
    stem = ReportsLayout.stem(item.id, output.unit_id)
    tables = [(s.id, s.table) for s in output.sheets]
    sheets_meta: list[dict[str, Any]] = []
    for sheet, (sheet_id, table) in zip(output.sheets, tables, strict=True):
        path = ReportsLayout.snapshot_file(folder, stem, sheet_id)
        pq.write_table(table, path)
        sheets_meta.append(
            {
                "id": sheet_id,
                "zh": sheet.zh,
                "en": sheet.en,
                "file": path.name,
                "rows": table.num_rows,
                "columns": [
                    {"name": c.name, "zh": c.zh, "en": c.en, "format": c.format}
                    for c in sheet.columns
                ],
                "chart": sheet.chart.type if sheet.chart is not None else None,
            }
        )
    workbook = ReportsLayout.workbook_file(folder, stem)
    created = dt.datetime.combine(ctx.as_of, dt.time())
    cells = sum(t.num_rows * t.num_columns for _, t in tables)
    written = write_workbook(
        workbook,
        output.sheets,
        title=_title(ctx, item, output, period),
        max_rows=max_rows,
        created=created,
        tmpdir=_scratch_dir(cells),
    )
    for meta, done in zip(sheets_meta, written, strict=True):
        meta["excel_sheets"] = list(done.names)
    manifest = {
        "version": MANIFEST_VERSION,
        "report": item.id,
        "zh": item.zh,
        "en": item.en,
        "frequency": item.frequency,
        "level": item.level,
        "permission": item.permission,
        "unit_id": output.unit_id,
        "unit_name": (output.unit_name or ctx.unit_name(output.unit_id)) or None,
        "as_of": ctx.as_of.isoformat(),
        "period": period.label,
        "final": period.final,
        "workbook": workbook.name,
        "sheets": sheets_meta,
        "sha256": snapshot_hash(tables),
        "hash_of": HASH_OF,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
    ReportsLayout.manifest_file(folder, stem).write_text(text + "\n", encoding="utf-8")
    return stem

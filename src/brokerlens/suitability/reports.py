"""The brokerage-wide suitability reports, kept per date by `brokerlens run`.

Re-scored assessments, every customer's validity and the holdings above class as of T are
written under `<warehouse>/suitability/reports/<T>/` in display order with their totals, so the
compliance page reads the rows it shows instead of re-scoring the lake on each request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.atomic import atomic_dir
from brokerlens.config import Settings
from brokerlens.suitability.daily import KEEP, ROW_GROUP, kept_facts
from brokerlens.suitability.lake import lake_connection
from brokerlens.suitability.questionnaire import load_definitions
from brokerlens.suitability.report import (
    BranchSummary,
    Holding,
    HoldingsReport,
    holdings_above_class,
    holdings_tables,
)
from brokerlens.suitability.rescore import (
    BranchValidity,
    Finding,
    RescoreReport,
    Validity,
    rescore_findings,
    validity_tables,
)
from brokerlens.suitability.rules import load_rules
from brokerlens.warehouse.layout import WarehouseLayout

T = TypeVar("T")

REPORTS = ("findings", "validity", "branches", "holdings", "holding_branches")


def reports_dir(settings: Settings, as_of: dt.date) -> Path:
    return WarehouseLayout(settings.warehouse_dir).suitability_reports_dir(as_of)


def rescore_cache(settings: Settings) -> Path:
    return WarehouseLayout(settings.warehouse_dir).rescored_file


def build_reports(settings: Settings, as_of: dt.date, holdings: Path | None = None) -> Path:
    """Re-score every assessment (only those new or changed since the last run: see
    `rescore.rescore`), take every customer's validity and the holdings above class as of
    `as_of` (`holdings`: the rows the run computed on its engine; else from the kept facts
    over the lake), and keep them in display order for the compliance page."""
    rules = load_rules(settings)
    kept = kept_facts(settings, as_of)
    with lake_connection(settings) as conn:
        assessments, findings = rescore_findings(
            conn, as_of, load_definitions(settings), rescore_cache(settings)
        )
        due, branches = validity_tables(conn, as_of, rules.validity.expiring_days)
        if holdings is not None and holdings.exists():
            held_rows, held_branches = holdings_tables(conn, holdings)
            complete = True
        else:
            held = holdings_above_class(conn, as_of, kept, rules) if kept else None
            held_rows = _columns(held.holdings if held else [])
            held_branches = _columns(held.branches() if held else [])
            complete = held is not None
    counts = json.dumps(RescoreReport(as_of, assessments, findings, []).counts())
    tables: dict[str, tuple[pa.Table, dict[str, str]]] = {
        "findings": (
            _columns(findings),
            {"assessments": str(assessments), "kinds": counts},
        ),
        "validity": (due, {}),
        "branches": (branches, {}),
        "holdings": (held_rows, {"complete": str(complete)}),
        "holding_branches": (held_branches, {}),
    }
    warehouse = WarehouseLayout(settings.warehouse_dir)
    target = warehouse.suitability_reports_dir(as_of)
    with atomic_dir(target) as scratch:
        for name, (table, meta) in tables.items():
            _write_rows(scratch / f"{name}.parquet", table, meta)
    for day in warehouse.suitability_report_dates()[::-1][KEEP:]:
        if day != as_of:
            shutil.rmtree(warehouse.suitability_reports_dir(day), ignore_errors=True)
    return target


def kept_reports(
    settings: Settings,
    as_of: dt.date,
    expiring_days: int | None = None,
    *,
    limit: int | None = None,
) -> tuple[RescoreReport, HoldingsReport | None] | None:
    """The reports a run kept for `as_of`: each list's first `limit` rows (all for None) with
    the totals. None when it kept none, or for other expiring days than the rules' own."""

    warehouse = WarehouseLayout(settings.warehouse_dir)

    def report(name: str) -> Path:
        return warehouse.suitability_report_file(as_of, name)

    if not all(report(name).exists() for name in REPORTS):
        return None
    if expiring_days is not None and expiring_days != load_rules(settings).validity.expiring_days:
        return None
    findings, found_total, meta = _read_rows(report("findings"), Finding, limit)
    due, due_total, _ = _read_rows(report("validity"), Validity, limit)
    branches, _, _ = _read_rows(report("branches"), BranchValidity, None)
    holdings, held_total, held_meta = _read_rows(report("holdings"), Holding, limit)
    summary, _, _ = _read_rows(report("holding_branches"), BranchSummary, None)
    rescored = RescoreReport(
        as_of,
        int(meta.get("assessments", "0")),
        findings,
        due,
        branch_counts=branches,
        kind_counts=json.loads(meta.get("kinds", "{}")),
        finding_total=found_total,
        due_total=due_total,
    )
    if held_meta.get("complete") != "True":
        return rescored, None
    return rescored, HoldingsReport(as_of, holdings, total=held_total, branch_counts=summary)


def _columns(items: list[Any]) -> pa.Table:
    """The items (flat dataclasses) as columns (`dataclasses.asdict` deep-copies every value:
    the step took 14.2 s at 300,000 customers with it, 11.6 s without)."""
    if not items:
        return pa.Table.from_pylist([])
    names = [f.name for f in dataclasses.fields(items[0])]
    return pa.table({name: list(map(attrgetter(name), items)) for name in names})


def _write_rows(path: Path, table: pa.Table, meta: dict[str, str]) -> None:
    table = table.replace_schema_metadata({**meta, "empty": str(table.num_rows == 0)})
    pq.write_table(table, path, row_group_size=ROW_GROUP)


def _read_rows(path: Path, kind: type[T], limit: int | None) -> tuple[list[T], int, dict[str, str]]:
    """The first `limit` rows (all for None) as `kind`, the file's row count and metadata."""

    file = pq.ParquetFile(path)
    raw = file.schema_arrow.metadata or {}
    meta = {k.decode(): v.decode() for k, v in raw.items()}
    if meta.get("empty") == "True":
        return [], 0, meta
    total = file.metadata.num_rows
    if limit is None:
        rows = file.read().to_pylist()
    else:
        rows = []
        for batch in file.iter_batches(batch_size=min(max(limit, 1), ROW_GROUP)):
            rows += batch.to_pylist()
            if len(rows) >= limit:
                break
        rows = rows[:limit]
    return [kind(**row) for row in rows], total, meta

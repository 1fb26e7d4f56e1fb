"""What the service layer reads of the warehouse: kept files by kind and as-of date.

`access` (and the web and CLI through it) asks here for "the kept file of X as of T", "the
newest date with X" or how to read a file in SQL; it never forms a path under
`<home>/warehouse` nor globs one (`WarehouseLayout` forms them).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pyarrow.parquet as pq

from brokerlens.config import Settings
from brokerlens.engine.sqltext import literal
from brokerlens.warehouse.layout import REPORT_PART, ReportsLayout, WarehouseLayout

Kind = Literal[
    "indicators",
    "profile",
    "alerts",
    "activation",
    "suitability_facts",
    "churn_scores",
    "lookup",
    "product_metrics",
    "recommendations",
    "targets",
    "worklist",
    "care",
    "outcomes",
    "callbacks",
    "complaints",
    "ledger",
    "ledger_problems",
    "kpi_scores",  # issue 19 part D: keyed by month (its first day)
    "kpi_values",
    "kpi_detail",
    "income",
    "statements",
    "customer_month",  # issue 19 handover: a month's sums per customer (the month's first day)
    "staff_book",
    "broker_risk",
    "channel_funnel",  # issue 22: the 3A3R funnel, retention, timing
    "channel_retention",
    "timing",
    "timing_index",
    "metrics",  # issue 22: the business metrics of T
    "metric_trend",  # issue 22: keyed by month (its first day)
    "points_awards",  # issue 23: the day's points awards
    "points_summary",
    "group_changes",  # issue 25: who entered or left each group on T
]

_FILES: dict[str, Callable[[WarehouseLayout, dt.date], Path]] = {
    "indicators": WarehouseLayout.indicators_file,
    "profile": WarehouseLayout.profile_file,
    "alerts": WarehouseLayout.alerts_file,
    "activation": WarehouseLayout.activation_file,
    "suitability_facts": WarehouseLayout.suitability_facts_file,
    "churn_scores": WarehouseLayout.churn_scores_file,
    "lookup": WarehouseLayout.lookup_file,
    "product_metrics": WarehouseLayout.product_metrics_file,
    "recommendations": WarehouseLayout.recommendations_file,
    "targets": WarehouseLayout.targets_file,
    "worklist": WarehouseLayout.worklist_file,
    "care": WarehouseLayout.care_file,
    "outcomes": WarehouseLayout.outcomes_file,
    "callbacks": WarehouseLayout.callbacks_file,
    "complaints": WarehouseLayout.complaints_file,
    "ledger": WarehouseLayout.ledger_file,
    "ledger_problems": WarehouseLayout.ledger_problems_file,
    "kpi_scores": WarehouseLayout.kpi_file,
    "kpi_values": WarehouseLayout.kpi_values_file,
    "kpi_detail": WarehouseLayout.kpi_detail_file,
    "income": WarehouseLayout.income_file,
    "statements": WarehouseLayout.statements_file,
    "customer_month": WarehouseLayout.month_file,  # issue 19 handover
    "staff_book": WarehouseLayout.staff_book_file,
    "broker_risk": WarehouseLayout.broker_risk_file,
    "channel_funnel": WarehouseLayout.channel_funnel_file,
    "channel_retention": WarehouseLayout.channel_retention_file,
    "timing": WarehouseLayout.timing_file,
    "timing_index": WarehouseLayout.timing_index_file,
    "metrics": WarehouseLayout.metrics_file,
    "metric_trend": WarehouseLayout.metric_trend_file,
    "points_awards": WarehouseLayout.points_awards_file,  # issue 23
    "points_summary": WarehouseLayout.points_summary_file,
    "group_changes": WarehouseLayout.group_changes_file,
}

_DATES: dict[str, Callable[[WarehouseLayout], list[dt.date]]] = {
    "indicators": WarehouseLayout.indicator_dates,
    "profile": WarehouseLayout.profile_dates,
    "suitability_facts": WarehouseLayout.suitability_facts_dates,
    "churn_scores": WarehouseLayout.churn_score_dates,
    "lookup": WarehouseLayout.lookup_dates,
    "product_metrics": WarehouseLayout.product_metrics_dates,
    "recommendations": WarehouseLayout.recommendation_dates,
    "targets": WarehouseLayout.recommendation_dates,
    "worklist": WarehouseLayout.worklist_dates,
    "callbacks": WarehouseLayout.callbacks_dates,
    "ledger": WarehouseLayout.ledger_dates,
    "ledger_problems": WarehouseLayout.ledger_dates,
    "kpi_scores": WarehouseLayout.kpi_months,
    "kpi_values": WarehouseLayout.kpi_months,
    "kpi_detail": WarehouseLayout.kpi_months,
    "income": WarehouseLayout.income_months,
    "statements": WarehouseLayout.statements_months,
    "staff_book": WarehouseLayout.staff_book_dates,
    "broker_risk": WarehouseLayout.broker_risk_dates,
    "channel_funnel": WarehouseLayout.channel_funnel_dates,
    "channel_retention": WarehouseLayout.channel_funnel_dates,
    "timing": WarehouseLayout.timing_dates,
    "timing_index": WarehouseLayout.timing_dates,
    "metrics": WarehouseLayout.metrics_dates,
    "metric_trend": WarehouseLayout.metric_trend_months,
    "points_awards": WarehouseLayout.points_award_dates,  # issue 23
    "points_summary": WarehouseLayout.points_award_dates,
    "group_changes": WarehouseLayout.group_change_dates,
}


def _layout(settings: Settings) -> WarehouseLayout:
    return WarehouseLayout(settings.warehouse_dir)


def kept_file(settings: Settings, kind: Kind, as_of: dt.date) -> Path | None:
    """The file `brokerlens run` kept of `kind` as of `as_of`, or None when there is none."""
    path = _FILES[kind](_layout(settings), as_of)
    return path if path.is_file() else None


def kept_dates(settings: Settings, kind: Kind) -> list[dt.date]:
    """The as-of dates with a kept file of `kind`, oldest first."""
    return _DATES[kind](_layout(settings))


def newest_date(settings: Settings, kind: Kind, up_to: dt.date | None = None) -> dt.date | None:
    """The newest as-of date (on or before `up_to`) with a kept file of `kind`, or None."""
    dates = [d for d in kept_dates(settings, kind) if up_to is None or d <= up_to]
    return dates[-1] if dates else None


def suitability_report_stamp(
    settings: Settings, as_of: dt.date
) -> tuple[tuple[str, int, int], ...] | None:
    """The suitability report files a run kept for the date, as (path, mtime, size): a reader
    caching what it read knows when a run rewrote them. None when the run kept none."""
    folder = _layout(settings).suitability_reports_dir(as_of)
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix == ".parquet")
        stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    except OSError:
        return None
    return stamp or None


def group_state_path(settings: Settings, as_of: dt.date) -> Path:
    """Where the groups' membership as of T is kept (written by `access.group_refresh`)."""
    return _layout(settings).group_state_dir(as_of)


def group_state_dates(settings: Settings) -> list[dt.date]:
    """The dates whose group membership is kept (the newest two refreshes), oldest first."""
    return _layout(settings).group_state_dates()


def group_changes_path(settings: Settings, as_of: dt.date) -> Path:
    """Where T's group changes are written (`kept_file(..., "group_changes", T)` reads them)."""
    return _layout(settings).group_changes_file(as_of)


def served_profile_file(recorded: str | None) -> str | None:
    """The published profile's columnar copy (the path publish recorded on the snapshot) when it
    is still there; None: read the store instead."""
    if recorded and Path(recorded).is_file():
        return recorded
    return None


ANSWERS_SUFFIX = ".answers"


def served_answers_dir(served: str) -> Path:
    """The folder beside a served columnar copy where the serving processes keep the answers
    they computed over it (`access.columnar`), so one worker's answer serves the others and a
    restarted server. Made when first asked for; the folders of copies no longer there (publish
    drops a retired snapshot's copy) are removed then."""
    path = Path(served)
    folder = path.with_name(path.name + ANSWERS_SUFFIX)
    if not folder.is_dir():
        for old in path.parent.iterdir():
            kept = old.with_name(old.name.removesuffix(ANSWERS_SUFFIX))
            if old.name.endswith(ANSWERS_SUFFIX) and old.is_dir() and not kept.exists():
                shutil.rmtree(old, ignore_errors=True)
        folder.mkdir(exist_ok=True)
    return folder


def parquet_source(path: str | Path) -> str:
    """SQL reading a kept file (DuckDB): `read_parquet('<path>')`, the path quoted."""
    return f"read_parquet({literal(str(path))})"


def row_count(path: str | Path) -> int:
    """The rows of a kept Parquet file, from its footer."""
    return int(pq.ParquetFile(path).metadata.num_rows)


def product_metrics_file(settings: Settings, up_to: dt.date) -> Path | None:
    """The newest kept `product_metrics` file (issue 16) as of `up_to` or before, or None: the
    product pages then show no metrics ("—", "未评价")."""
    day = newest_date(settings, "product_metrics", up_to)
    return kept_file(settings, "product_metrics", day) if day is not None else None


def gate_report_file(settings: Settings, as_of: dt.date) -> Path | None:
    """The recommendation run's report of `as_of` (JSON: the model, the counts, what the
    suitability gate removed per reason), or None when the run kept none."""
    path = _layout(settings).gate_report_file(as_of)
    return path if path.is_file() else None


# --- the kept reports (issue 22): `<home>/reports/<T>/`, formed by `ReportsLayout` --------------


def _reports(settings: Settings) -> ReportsLayout:
    return ReportsLayout(settings.reports_dir)


def report_dates(settings: Settings) -> list[dt.date]:
    """The dates with kept reports, oldest first."""
    return _reports(settings).dates()


def report_manifests(
    settings: Settings, as_of: dt.date, report_id: str | None = None
) -> list[Path]:
    """The manifests (`<stem>.json`) of the reports kept for `as_of` (of one report only with
    `report_id`), by name."""
    return _reports(settings).manifests(as_of, report_id)


def is_report_name_part(text: str) -> bool:
    """Whether `text` can be a part of a kept report's file name (a report, unit or sheet id:
    letters, digits, `_`, `-`), so a name with anything else is refused before any lookup."""
    return bool(REPORT_PART.match(text))


def report_file(settings: Settings, as_of: dt.date, name: str) -> Path | None:
    """A kept report's file of `as_of` by its plain name (`kpi_monthly.xlsx`), or None when
    there is none: a name with a path in it is never one."""
    return _reports(settings).kept(as_of, name)

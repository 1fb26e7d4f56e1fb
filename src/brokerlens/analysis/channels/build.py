"""Write the channel funnel, cohort retention and timing files of T on the run's engine.

Cheap at scale: nothing is read from the trades feed, and each running aggregate file is read
once. Every customer_day file (and customer_month file) gets small parts, built when the file is
new or was rebuilt (its modification time is newer than the part's): the business per branch and
day (`channel_day_part.sql`) and the cohorts' customers' rows (`cohort_day_part.sql`,
`cohort_month_part.sql`: those opened since the lake's first loaded day, a fraction of the
customers). A run builds the parts of its new day and puts T's files together from the parts:
complete months from the month parts, the other days of [first day, T] from the day parts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.models.asof import parquet_columns
from brokerlens.models.days import DAY_COLUMNS, MONTH_COLUMNS
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState
from brokerlens.warehouse.windows import month_start, months_back

PACKAGE = "brokerlens.analysis.channels"
TIMING_MONTHS = 12  # the timing file covers the last 12 months (as far as the lake reaches)
COHORT_DAY_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("biz_date", "DATE"),
    ("trades", "BIGINT"),
    ("funded", "INTEGER"),
    ("net_in", "DECIMAL(38,2)"),
]
COHORT_MONTH_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("mon", "BIGINT"),
    ("trades", "BIGINT"),
    ("funded", "INTEGER"),
    ("net_in", "DECIMAL(38,2)"),
]
PART_COLUMNS = [
    ("biz_date", "DATE"),
    ("branch_id", "VARCHAR"),
    ("turnover", "DECIMAL(38,2)"),
    ("trades", "BIGINT"),
    ("net_commission", "DECIMAL(38,2)"),
]


@dataclass(frozen=True)
class ChannelInputs:
    engine: Engine
    lake: LakeFiles
    warehouse: WarehouseLayout
    state: WarehouseState
    as_of: dt.date
    loaded_days: list[dt.date]  # every loaded business date (those after T are ignored)
    complete_months: list[dt.date]  # month starts with a customer_month file


@dataclass(frozen=True)
class ChannelCounts:
    cohort_customers: int
    funnel_rows: int
    retention_rows: int
    timing_rows: int
    parts_built: int


def done_mon(as_of: dt.date) -> int:
    """year * 12 + month of the newest calendar month that ended on or before T."""
    mon = as_of.year * 12 + as_of.month
    ends_today = (as_of + dt.timedelta(days=1)).month != as_of.month
    return mon if ends_today else mon - 1


def timing_since(as_of: dt.date, first_day: dt.date) -> dt.date:
    return max(first_day, months_back(as_of, TIMING_MONTHS) + dt.timedelta(days=1))


def _day_stems(state: WarehouseState, days: set[dt.date]) -> list[str]:
    """The customer_day files holding any of `days`."""
    wanted = {d.isoformat() for d in days}
    return [stem for stem, dates in sorted(state.day_files.items()) if wanted & set(dates)]


def _register_versions(engine: Engine, warehouse: WarehouseLayout) -> None:
    path = warehouse.run_file("channel_versions")
    engine.write_parquet(load_sql(PACKAGE, "channel_versions").sql, path)
    engine.register_parquet("channel_versions", [path], parquet_columns(path))


def build_parts(src: ChannelInputs, since: dt.date) -> int:
    """Build the part of each customer_day file holding a day of [since, T] whose part is
    missing or older than the file; drop parts of files that are gone. Returns parts built."""
    warehouse, engine = src.warehouse, src.engine
    wanted = {d for d in src.loaded_days if since <= d <= src.as_of}
    stems = _day_stems(src.state, wanted)
    for stale in set(warehouse.channel_day_stems()) - set(src.state.day_files):
        warehouse.channel_day_part(stale).unlink(missing_ok=True)
    sql = load_sql(PACKAGE, "channel_day_part").sql
    built = 0
    for stem in stems:
        part, day_file = warehouse.channel_day_part(stem), warehouse.day_file(stem)
        if _fresh(part, day_file):
            continue
        engine.register_parquet("channel_day_src", [day_file], DAY_COLUMNS)
        engine.write_parquet(sql, part, {})
        built += 1
    parts = [warehouse.channel_day_part(s) for s in stems]
    engine.register_parquet("channel_day_parts", parts, PART_COLUMNS)
    return built


def _fresh(part: Path, source: Path) -> bool:
    return part.is_file() and part.stat().st_mtime_ns >= source.stat().st_mtime_ns


def build_cohort_parts(src: ChannelInputs, cohort_from: dt.date) -> int:
    """The cohorts' activity as of T: month parts of the complete months since the cohorts
    began, day parts of the customer_day files holding the other loaded days of
    [cohort_from, T]; registers `cohort_month_parts`, `cohort_day_parts` and
    `channel_read_days` (those days). Returns the parts built."""
    engine, warehouse = src.engine, src.warehouse
    warehouse.discard_channel_cohorts(cohort_from)
    engine.create_view(
        "channel_openers", load_sql(PACKAGE, "channel_openers").sql, {"cohort_from": cohort_from}
    )
    months = [m for m in src.complete_months if m >= month_start(cohort_from)]
    done = set(months)
    read = [
        d for d in src.loaded_days if cohort_from <= d <= src.as_of and month_start(d) not in done
    ]
    stems = _day_stems(src.state, set(read))
    built = 0
    month_parts = []
    for month in months:
        part = warehouse.channel_cohort_part(cohort_from, "months", month.isoformat())
        source = warehouse.month_file(month)
        if not _fresh(part, source):
            engine.register_parquet("channel_month_src", [source], MONTH_COLUMNS)
            engine.write_parquet(load_sql(PACKAGE, "cohort_month_part").sql, part, {})
            built += 1
        month_parts.append(part)
    day_parts = []
    for stem in stems:
        part = warehouse.channel_cohort_part(cohort_from, "days", stem)
        source = warehouse.day_file(stem)
        if not _fresh(part, source):
            engine.register_parquet("channel_day_src", [source], DAY_COLUMNS)
            engine.write_parquet(load_sql(PACKAGE, "cohort_day_part").sql, part, {})
            built += 1
        day_parts.append(part)
    for kind, kept in (("months", {m.isoformat() for m in months}), ("days", set(stems))):
        for stale in set(warehouse.channel_cohort_stems(cohort_from, kind)) - kept:
            if kind == "days" and stale in src.state.day_files:
                continue  # a file of another month: still good for another T
            if kind == "months" and stale in src.state.months:
                continue
            warehouse.channel_cohort_part(cohort_from, kind, stale).unlink(missing_ok=True)
    engine.register_parquet("cohort_month_parts", month_parts, COHORT_MONTH_COLUMNS)
    engine.register_parquet("cohort_day_parts", day_parts, COHORT_DAY_COLUMNS)
    engine.register_table("channel_read_days", pa.table({"biz_date": pa.array(read, pa.date32())}))
    return built


def _register_index(src: ChannelInputs, since: dt.date) -> None:
    """index_quotes over the timing window, under a name of our own (the feed's relation stays
    as the other steps registered it)."""
    days = {d for d in src.loaded_days if since <= d <= src.as_of}
    files = [
        p for day, p in src.lake.catalog.files_of(src.lake.layout, "index_quotes") if day in days
    ]
    columns = [(c.name, LAKE_TYPES[c.type]) for c in FEEDS["index_quotes"].columns]
    src.engine.register_parquet("channel_index_quotes", files, columns)


def build_channels(src: ChannelInputs) -> ChannelCounts:
    """Write the funnel, retention, timing and index files of T; returns what was written."""
    engine, warehouse, as_of = src.engine, src.warehouse, src.as_of
    loaded = [d for d in src.loaded_days if d <= as_of]
    cohort_from = loaded[0]
    since = timing_since(as_of, cohort_from)
    _register_versions(engine, warehouse)
    built = build_parts(src, since) + build_cohort_parts(src, cohort_from)
    activity = warehouse.run_file("channel_activity")
    engine.write_parquet(load_sql(PACKAGE, "channel_activity").sql, activity, {})
    engine.register_parquet("channel_activity", [activity], parquet_columns(activity))
    customers = warehouse.run_file("channel_customers")
    cohort = engine.write_parquet(
        load_sql(PACKAGE, "channel_customers").sql,
        customers,
        {"as_of": as_of, "cohort_from": cohort_from},
    )
    engine.register_parquet("channel_customers", [customers], parquet_columns(customers))
    params = {"done_mon": done_mon(as_of)}
    funnel = engine.write_parquet(
        load_sql(PACKAGE, "channel_funnel").sql, warehouse.channel_funnel_file(as_of), params
    )
    retention = engine.write_parquet(
        load_sql(PACKAGE, "channel_retention").sql, warehouse.channel_retention_file(as_of), params
    )
    window = {"as_of": as_of, "since": since}
    timing = engine.write_parquet(
        load_sql(PACKAGE, "timing_days").sql, warehouse.timing_file(as_of), window
    )
    _register_index(src, since)
    engine.write_parquet(
        load_sql(PACKAGE, "timing_index").sql, warehouse.timing_index_file(as_of), window
    )
    return ChannelCounts(cohort, funnel, retention, timing, built)

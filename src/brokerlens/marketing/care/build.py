"""The care messages of T: every enabled rule's occasion query, each row rendered on each of the
rule's channels, written to `<warehouse>/marketing/care/<T>.parquet` (publish loads it into the
outbox, only the messages not there yet).

A rule's window: occasions from T through the day before the next trading day plus
`days_before`, so an occasion on a weekend or holiday is not missed (its message is made on the
last run before it), and a message made on an earlier run is not made twice (publish keeps one
per rule, customer, occasion date and channel).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.atomic import atomic_file
from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.errors import CalendarError
from brokerlens.market.calendar import next_trading_days
from brokerlens.marketing.care.model import CareRule
from brokerlens.marketing.care.text import render
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles

PACKAGE = "brokerlens.marketing.care"
CARE_SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("rule_id", pa.string()),
        ("customer_id", pa.string()),
        ("occasion_date", pa.date32()),
        ("channel", pa.string()),
        ("subject", pa.string()),
        ("body", pa.string()),
    ]
)
# The dated facts the occasions read, under names of their own (the feeds' own relations stay
# as the other steps registered them): relation -> (feed, which days).
_FACTS = {
    "care_trades": "trades",
    "care_positions": "positions",
    "care_holdings": "product_holdings",
}


def occasion_sql(occasion: str) -> str:
    return load_sql(PACKAGE, f"care_{occasion}").sql


def next_trading_day(day: dt.date) -> dt.date:
    """The first trading day after `day` (the next day outside the known calendar)."""
    try:
        return next_trading_days(day + dt.timedelta(days=1), 1)[0]
    except CalendarError:
        return day + dt.timedelta(days=1)


def window_end(as_of: dt.date, days_before: int, next_day: dt.date) -> dt.date:
    """The last occasion date a rule's run of `as_of` makes a message for."""
    return next_day - dt.timedelta(days=1) + dt.timedelta(days=days_before)


def register_sources(engine: Engine, lake: LakeFiles, as_of: dt.date, hold_day: dt.date) -> None:
    """The facts of T (and the register day's positions) as the occasion queries read them."""
    days = {"care_trades": [as_of], "care_positions": [hold_day, as_of], "care_holdings": [as_of]}
    for name, feed in _FACTS.items():
        wanted = set(days[name])
        files = [p for day, p in lake.catalog.files_of(lake.layout, feed) if day in wanted]
        columns = [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]
        engine.register_parquet(name, files, columns)


def make_messages(
    engine: Engine,
    rules: Iterable[CareRule],
    as_of: dt.date,
    *,
    hold_day: dt.date,
    next_day: dt.date | None = None,
) -> pa.Table:
    """Every enabled rule's messages as of T (CARE_SCHEMA), sorted by rule, customer, date."""
    next_day = next_day or next_trading_day(as_of)
    engine.create_view("care_customers", load_sql(PACKAGE, "care_customers").sql, {"as_of": as_of})
    out: dict[str, list[Any]] = {name: [] for name in CARE_SCHEMA.names}
    for rule in rules:
        if not rule.enabled:
            continue
        params = {
            "as_of": as_of,
            "until": window_end(as_of, rule.days_before, next_day),
            "hold_day": hold_day,
        }
        for row in engine.fetch(occasion_sql(rule.occasion), params).to_pylist():
            subject, body = render(rule.subject, row), render(rule.template_zh, row)
            for channel in rule.channels:
                values = (as_of, rule.id, row["customer_id"], row["occasion_date"], channel)
                for name, value in zip(CARE_SCHEMA.names, (*values, subject, body), strict=True):
                    out[name].append(value)
    table = pa.table(out, schema=CARE_SCHEMA)
    keys = [("rule_id", "ascending"), ("customer_id", "ascending"), ("occasion_date", "ascending")]
    return table.sort_by([*keys, ("channel", "ascending")])


def write_messages(warehouse: WarehouseLayout, as_of: dt.date, table: pa.Table) -> Path:
    path = warehouse.care_file(as_of)
    with atomic_file(path) as scratch:
        pq.write_table(table, scratch)
    return path


def read_messages(warehouse: WarehouseLayout, as_of: dt.date) -> pa.Table | None:
    """The messages the run of `as_of` made, or None when it made none (no file)."""
    path = warehouse.care_file(as_of)
    return pq.ParquetFile(path).read() if path.exists() else None

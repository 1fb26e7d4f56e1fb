"""The 360 charts' series in weekly blocks, built once per week of loaded dates.

A customer's curve covers the last SERIES_DATES loaded dates (a year of daily assets). Built
whole for every computed date, that is every customer's whole year again each day (about 200 s
at 1,000,000 customers and 120 dates, and growing with the history). Here each calendar week's
loaded dates get one SQLite file (`lookup/series/<monday>.sqlite`: one row a customer, its days,
total assets, net transfers in and the asset mix on its last day of the week); a daily run
rebuilds only the week whose dates or deliveries changed (the current one: at most 5 dates),
and the 360 reads one row by key from each week of its window (~52 small reads).

A block holds every loaded date of its week, also ones after a reader's date: the reader keeps
the days of its own window, so a 360 of T-1 never shows a point of T.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb

from brokerlens.atomic import atomic_file
from brokerlens.engine.sqltext import ident, path_list
from brokerlens.lake.catalog import Catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.warehouse.layout import WarehouseLayout

EPOCH = dt.date(1970, 1, 1)
BATCH = 20_000
# The parts of the asset mix kept for each customer's last day, in this order.
MIX_COLUMNS = ("cash", "stock_value", "fund_value", "bond_value", "product_value", "other_value")


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def _sources(catalog: Catalog, layout: LakeLayout, week: dt.date) -> dict[str, list[Path]]:
    """The week's delivered files of daily assets and fund transfers."""
    out: dict[str, list[Path]] = {}
    for feed in ("daily_assets", "fund_transfers"):
        out[feed] = [p for d, p in catalog.files_of(layout, feed) if monday(d) == week]
    return out


def _fingerprint(sources: dict[str, list[Path]], root: Path) -> str:
    """What a block was built from: the relative paths of its delivered files (a redelivered
    date lands in a new folder, so its week is rebuilt)."""
    return json.dumps({f: [str(p.relative_to(root)) for p in ps] for f, ps in sources.items()})


def _built_from(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True) as db:
            row = db.execute("SELECT source FROM block").fetchone()
    except sqlite3.DatabaseError:
        return None  # an unreadable block is built again
    return str(row[0]) if row else None


def build_blocks(
    warehouse: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    lake: LakeLayout,
    layout: WarehouseLayout,
    window: list[dt.date],
    in_pass: list[str],
) -> list[dt.date]:
    """Build the blocks of the weeks of `window` that are missing or stale (each written whole,
    then renamed into place); the weeks, oldest first. `in_pass`: one SQL condition on
    `a.customer_id` per pass (memory is bounded by a pass)."""
    weeks = sorted({monday(d) for d in window})
    for week in weeks:
        sources = _sources(catalog, lake, week)
        source = _fingerprint(sources, lake.root)
        target = layout.series_file(week)
        if _built_from(target) == source:
            continue
        with atomic_file(target) as scratch:
            _write_block(warehouse, sources, source, scratch, in_pass)
    return weeks


def _write_block(
    warehouse: duckdb.DuckDBPyConnection,
    sources: dict[str, list[Path]],
    source: str,
    scratch: Path,
    in_pass: list[str],
) -> None:
    sink = sqlite3.connect(scratch)
    try:
        sink.execute("PRAGMA journal_mode = OFF")
        sink.execute("PRAGMA synchronous = OFF")
        sink.execute("CREATE TABLE block (source TEXT NOT NULL)")
        sink.execute("INSERT INTO block VALUES (?)", (source,))
        sink.execute("CREATE TABLE series (customer_id TEXT NOT NULL, doc TEXT NOT NULL)")
        assets, transfers = sources["daily_assets"], sources["fund_transfers"]
        if assets:
            flows = (
                "SELECT customer_id, biz_date, sum(CASE WHEN direction = 'in' THEN amount "
                "ELSE -amount END)::DOUBLE AS net "
                f"FROM read_parquet({path_list(transfers)}, union_by_name = true) "
                "GROUP BY customer_id, biz_date"
                if transfers
                else "SELECT NULL::VARCHAR AS customer_id, NULL::DATE AS biz_date, "
                "NULL::DOUBLE AS net WHERE false"
            )
            day = "datediff('day', DATE '1970-01-01', a.biz_date)"
            mix = ", ".join(f"arg_max({ident(c)}, a.biz_date)::DOUBLE" for c in MIX_COLUMNS)
            # d: day numbers with a row, t: total assets on them; fd, fv: net transfers in on
            # the days with some; md: the last day, m: the mix on it
            sql = (
                f"WITH f AS ({flows}) SELECT a.customer_id, to_json(struct_pack("
                f"d := list({day} ORDER BY a.biz_date), "
                "t := list(a.total_assets::DOUBLE ORDER BY a.biz_date), "
                f"fd := list({day} ORDER BY a.biz_date) FILTER (WHERE coalesce(f.net, 0) <> 0), "
                "fv := list(f.net ORDER BY a.biz_date) FILTER (WHERE coalesce(f.net, 0) <> 0), "
                f"md := max({day}), m := [{mix}]))::VARCHAR "
                f"FROM read_parquet({path_list(assets)}, union_by_name = true) a "
                "LEFT JOIN f ON f.customer_id = a.customer_id AND f.biz_date = a.biz_date "
            )
            for where in in_pass:
                result = warehouse.execute(f"{sql} WHERE {where} GROUP BY a.customer_id")
                while batch := result.fetchmany(BATCH):
                    sink.executemany("INSERT INTO series VALUES (?, ?)", batch)
        sink.execute("CREATE UNIQUE INDEX ix_series ON series (customer_id)")
        sink.commit()
    finally:
        sink.close()


def prune_blocks(layout: WarehouseLayout, first_needed: dt.date) -> None:
    """Remove the blocks of weeks before `first_needed`'s (no kept lookup reads them)."""
    for week in layout.series_weeks():
        if week < monday(first_needed):
            layout.series_file(week).unlink(missing_ok=True)


def read_series(
    blocks: list[sqlite3.Connection], dates: list[dt.date], customer_id: str
) -> dict[str, Any] | None:
    """The customer's curve over `dates` (the reader's window, oldest first) from the blocks of
    its weeks: n (day numbers into `dates`), t (total assets), fn, fv (net transfers in), m (the
    mix on its last day; None when that day's week holds later days too and the mix of the
    reader's day is not kept); None when it has no day in the window."""
    place = {day_number(d): n for n, d in enumerate(dates)}
    ns: list[int] = []
    totals: list[float] = []
    fn: list[int] = []
    fv: list[float] = []
    mix: list[float | None] | None = None
    for block in blocks:
        row = block.execute(
            "SELECT doc FROM series WHERE customer_id = ?", (customer_id,)
        ).fetchone()
        if not row:
            continue
        doc = json.loads(row[0])
        kept = [(place[d], v) for d, v in zip(doc["d"], doc["t"], strict=True) if d in place]
        if not kept:
            continue
        ns.extend(n for n, _ in kept)
        totals.extend(v for _, v in kept)
        for d, v in zip(doc.get("fd") or [], doc.get("fv") or [], strict=True):
            if d in place:
                fn.append(place[d])
                fv.append(v)
        mix = doc["m"] if doc["md"] in place else None
    if not ns:
        return None
    return {"n": ns, "t": totals, "fn": fn, "fv": fv, "m": mix or [None] * len(MIX_COLUMNS)}

"""The customer-360 lookup as of T: one SQLite file holding each customer's recent facts as
one JSON document, keyed by customer id.

A customer 360 asks seven small questions about one customer. Against the lake each one scans
a date's Parquet files (about 10 ms each at 3,000,000 customers); DuckDB 2.0 answers a point
query on its own tables with a scan too (about 3 ms each, 7 per 360, and a server's threads
queue on them). Here DuckDB computes every customer's document once per computed date (lists
in the 360's order, columnar and parallel), and the 360 reads one row by primary key (well
under 1 ms). The file is written to a temporary name and renamed, never changed afterwards,
and opened read-only by every server worker.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb

from brokerlens.atomic import atomic_file
from brokerlens.config import Settings
from brokerlens.contract.feeds import FEEDS
from brokerlens.engine.sqltext import ident, literal, path_list
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import DELIVERED_COLUMN, LakeLayout
from brokerlens.warehouse.layout import LOOKUP_SUFFIX, WarehouseLayout
from brokerlens.warehouse.query import open_warehouse

RECENT_DAYS = 90  # calendar days of trades, transfers and contacts
RECENT_TRADES = 20  # the newest trades kept per customer
KEEP = 3  # lookup files kept: the newest dates (a re-publish of an older date rebuilds its own)
SUFFIX = LOOKUP_SUFFIX
# Each kind of fact and the order the 360 shows its rows in (the lake's queries use the same).
ORDER = {
    "positions": "market_value DESC NULLS LAST, security_id",
    "product_holdings": "market_value DESC NULLS LAST, product_id",
    "recent_trades": "biz_date DESC, trade_time DESC, trade_id DESC",
    "transfers": "biz_date DESC, transfer_id DESC",
    "contacts": "biz_date DESC, contact_id DESC",
    "risk_assessment": "assess_date DESC, assessment_id DESC",
    "agreements": "sign_date, agreement_id",
}
TABLES = tuple(ORDER)
BATCH = 20_000
SERIES_DATES = 250  # loaded dates of the 360's charts (daily assets, transfers, the index)
SERIES_INDEX = "000300.SH"
# The parts of the asset mix kept for each customer's last loaded date, in this order.
MIX_COLUMNS = ("cash", "stock_value", "fund_value", "bond_value", "product_value", "other_value")


def lookup_file(settings: Settings, as_of: dt.date) -> Path:
    return WarehouseLayout(settings.warehouse_dir).lookup_file(as_of)


class _Files:
    def __init__(self, settings: Settings) -> None:
        self.layout = LakeLayout(settings.lake_dir)
        self.catalog = read_catalog(self.layout)

    def between(self, feed: str, first: dt.date, last: dt.date) -> list[Path]:
        return [p for d, p in self.catalog.files_of(self.layout, feed) if first <= d <= last]

    def source(self, feed: str, first: dt.date, last: dt.date) -> str | None:
        files = self.between(feed, first, last)
        return f"read_parquet({path_list(files)}, union_by_name = true)" if files else None


def _latest_as_of(files: _Files, feed: str, as_of: dt.date) -> str | None:
    """Each key's last version delivered up to `as_of` (reference feeds keep every delivery)."""
    source = files.source(feed, dt.date.min, as_of)
    if source is None:
        return None
    spec = FEEDS[feed]
    cols = ", ".join(ident(c) for c in spec.column_names)
    key = ", ".join(ident(k) for k in spec.key)
    newest = f"ORDER BY {ident(DELIVERED_COLUMN)} DESC"
    return (
        f"SELECT {cols} FROM {source} QUALIFY row_number() OVER (PARTITION BY {key} {newest}) = 1"
    )


def _selects(files: _Files, as_of: dt.date) -> dict[str, str | None]:
    since = as_of - dt.timedelta(days=RECENT_DAYS)
    first = since + dt.timedelta(days=1)
    positions = files.source("positions", as_of, as_of)
    holdings = files.source("product_holdings", as_of, as_of)
    trades = files.source("trades", first, as_of)
    transfers = files.source("fund_transfers", first, as_of)
    contacts = files.source("contacts", first, as_of)
    assessments = _latest_as_of(files, "risk_assessments", as_of)
    agreements = _latest_as_of(files, "service_agreements", as_of)
    return {
        "positions": positions
        and "SELECT p.customer_id, p.account_id, p.security_id, s.name AS security_name, "
        "s.security_type, p.quantity, p.cost_amount, p.market_value "
        f"FROM {positions} p LEFT JOIN securities s ON s.security_id = p.security_id",
        "product_holdings": holdings
        and "SELECT h.customer_id, h.product_id, p.name AS product_name, p.product_type, "
        "p.risk_level, h.units, h.market_value, h.cost_amount "
        f"FROM {holdings} h LEFT JOIN products p ON p.product_id = h.product_id",
        "recent_trades": trades
        and "SELECT t.customer_id, t.biz_date, t.trade_id, t.account_id, t.security_id, "
        "s.name AS security_name, t.side, t.trade_type, t.quantity, t.price, t.amount, "
        "t.commission, t.net_commission, t.channel, t.trade_time "
        f"FROM {trades} t LEFT JOIN securities s ON s.security_id = t.security_id "
        "QUALIFY row_number() OVER (PARTITION BY t.customer_id "
        f"ORDER BY t.biz_date DESC, t.trade_time DESC, t.trade_id DESC) <= {RECENT_TRADES}",
        "transfers": transfers
        and "SELECT customer_id, biz_date, transfer_id, direction, amount, bank, channel "
        f"FROM {transfers}",
        "contacts": contacts
        and "SELECT c.customer_id, c.biz_date, c.contact_id, c.staff_id, s.name AS staff_name, "
        "c.channel, c.purpose, c.result, c.duration_s "
        f"FROM {contacts} c LEFT JOIN staff s ON s.staff_id = c.staff_id",
        "risk_assessment": assessments
        and f"SELECT * FROM ({assessments}) WHERE assess_date <= DATE '{as_of.isoformat()}' "
        "QUALIFY row_number() OVER (PARTITION BY customer_id "
        "ORDER BY assess_date DESC, assessment_id DESC) = 1",
        "agreements": agreements
        and f"SELECT * FROM ({agreements}) WHERE sign_date <= DATE '{as_of.isoformat()}'",
    }


def _columns(warehouse: duckdb.DuckDBPyConnection, select: str) -> dict[str, str]:
    """Each column of a select and how the document carries it: 'date', 'timestamp' and 'json'
    as text the reader turns back, 'value' as itself."""
    kinds: dict[str, str] = {}
    for name, type_name, *_ in warehouse.execute(f"DESCRIBE ({select})").fetchall():
        upper = str(type_name).upper()
        if upper == "DATE":
            kinds[str(name)] = "date"
        elif upper.startswith("TIMESTAMP"):
            kinds[str(name)] = "timestamp"
        elif upper == "JSON":
            kinds[str(name)] = "json"
        else:
            kinds[str(name)] = "value"
    return kinds


def _documents_sql(selects: dict[str, str], columns: dict[str, dict[str, str]]) -> str:
    """One row per customer: the id and a JSON object with a list of rows per kind of fact
    (rows without the customer id, which the document is keyed by)."""
    parts, joins, keys = [], [], []
    for table, select in selects.items():
        # JSON columns stay the text the lake gives (not nested into the document).
        fields = ", ".join(
            f"{literal(c)}: {ident(c)}{'::VARCHAR' if kind == 'json' else ''}"
            for c, kind in columns[table].items()
            if c != "customer_id"
        )
        parts.append(
            f"{table} AS (SELECT customer_id, list({{{fields}}} ORDER BY {ORDER[table]}) AS v "
            f"FROM ({select}) GROUP BY customer_id)"
        )
        joins.append(f"LEFT JOIN {table} USING (customer_id)")
        keys.append(f"SELECT customer_id FROM {table}")
    document = ", ".join(f"{table} := {table}.v" for table in selects)
    return (
        f"WITH {', '.join(parts)}, ids AS ({' UNION '.join(keys)}) "
        f"SELECT customer_id, to_json(struct_pack({document}))::VARCHAR FROM ids "
        f"{' '.join(joins)}"
    )


def build_lookup(settings: Settings, as_of: dt.date) -> Path:
    """Write the lookup file for `as_of` (replacing one built before) and return its path."""
    layout = WarehouseLayout(settings.warehouse_dir)
    target = layout.lookup_file(as_of)
    with atomic_file(target) as scratch:
        _write_lookup(settings, as_of, scratch)
    _prune(layout, keep=as_of)
    return target


def _write_lookup(settings: Settings, as_of: dt.date, scratch: Path) -> None:
    warehouse = open_warehouse(settings, lock_down=False)
    sink = sqlite3.connect(scratch)
    try:
        warehouse.execute("SET enable_progress_bar = false")
        # A feed never delivered has no select: the 360 shows none of it.
        selects = {t: s for t, s in _selects(_Files(settings), as_of).items() if s is not None}
        columns = {table: _columns(warehouse, select) for table, select in selects.items()}
        sink.execute("PRAGMA page_size = 16384")  # documents of ~1 KB: few overflow pages
        sink.execute("PRAGMA journal_mode = OFF")
        sink.execute("PRAGMA synchronous = OFF")
        # A rowid table filled first, indexed after: far faster than a keyed table filled in
        # key order, and no ORDER BY over millions of documents in DuckDB.
        sink.execute("CREATE TABLE facts (customer_id TEXT NOT NULL, doc TEXT NOT NULL)")
        sink.execute("CREATE TABLE columns (kind TEXT, column TEXT, type TEXT)")
        sink.executemany(
            "INSERT INTO columns VALUES (?, ?, ?)",
            [(t, c, k) for t, cols in columns.items() for c, k in cols.items() if k != "value"],
        )
        if selects:
            result = warehouse.execute(_documents_sql(selects, columns))
            while batch := result.fetchmany(BATCH):
                sink.executemany("INSERT INTO facts VALUES (?, ?)", batch)
        sink.execute("CREATE UNIQUE INDEX ix_facts ON facts (customer_id)")
        _write_series(warehouse, sink, _Files(settings), as_of)
        sink.commit()
    finally:
        sink.close()
        warehouse.close()


def _write_series(
    warehouse: duckdb.DuckDBPyConnection, sink: sqlite3.Connection, files: _Files, as_of: dt.date
) -> None:
    """The 360 charts' series: the last SERIES_DATES loaded dates of daily assets (with the
    index's close) once, and per customer the days it has a row on, its total assets on them,
    its net transfers in (the days with some) and the parts of its assets on its last day. One
    row a customer (~2 KB), so the 360 reads its curve by key instead of scanning 250 dates."""
    sink.execute("CREATE TABLE series_dates (n INTEGER, biz_date TEXT, index_close REAL)")
    sink.execute("CREATE TABLE series (customer_id TEXT NOT NULL, doc TEXT NOT NULL)")
    days = [d for d, _ in files.catalog.files_of(files.layout, "daily_assets") if d <= as_of]
    days = days[-SERIES_DATES:]
    if not days:
        sink.execute("CREATE UNIQUE INDEX ix_series ON series (customer_id)")
        return
    assets = files.source("daily_assets", days[0], as_of)
    quotes = files.source("index_quotes", days[0], as_of)
    transfers = files.source("fund_transfers", days[0], as_of)
    closes = dict(
        warehouse.execute(
            f"SELECT biz_date, close::DOUBLE FROM {quotes} WHERE index_id = ?", [SERIES_INDEX]
        ).fetchall()
        if quotes
        else []
    )
    sink.executemany(
        "INSERT INTO series_dates VALUES (?, ?, ?)",
        [(n, d.isoformat(), closes.get(d)) for n, d in enumerate(days)],
    )
    grid = ", ".join(f"(DATE '{d.isoformat()}', {n})" for n, d in enumerate(days))
    flows = (
        "SELECT customer_id, biz_date, sum(CASE WHEN direction = 'in' THEN amount "
        f"ELSE -amount END)::DOUBLE AS net FROM {transfers} GROUP BY customer_id, biz_date"
        if transfers
        else "SELECT NULL::VARCHAR AS customer_id, NULL::DATE AS biz_date, NULL::DOUBLE AS net "
        "WHERE false"
    )
    mix = ", ".join(f"arg_max({ident(c)}, a.biz_date)::DOUBLE" for c in MIX_COLUMNS)
    sql = (
        f"WITH g(biz_date, n) AS (VALUES {grid}), f AS ({flows}) "
        "SELECT a.customer_id, to_json(struct_pack("
        # day numbers only when the days have gaps (s: the first; most customers have none)
        "s := min(g.n), n := CASE WHEN max(g.n) - min(g.n) + 1 = count(*) THEN NULL "
        "ELSE list(g.n ORDER BY g.n) END, t := list(a.total_assets::DOUBLE ORDER BY g.n), "
        # net transfers in only on the days with some: day numbers and amounts
        "fn := list(g.n ORDER BY g.n) FILTER (WHERE coalesce(f.net, 0) <> 0), "
        "fv := list(f.net ORDER BY g.n) FILTER (WHERE coalesce(f.net, 0) <> 0), "
        f"m := [{mix}]))::VARCHAR "
        f"FROM {assets} a JOIN g ON g.biz_date = a.biz_date "
        "LEFT JOIN f ON f.customer_id = a.customer_id AND f.biz_date = a.biz_date "
        "GROUP BY a.customer_id"
    )
    result = warehouse.execute(sql)
    while batch := result.fetchmany(BATCH):
        sink.executemany("INSERT INTO series VALUES (?, ?)", batch)
    sink.execute("CREATE UNIQUE INDEX ix_series ON series (customer_id)")


def _prune(layout: WarehouseLayout, keep: dt.date) -> None:
    for day in layout.lookup_dates()[::-1][KEEP:]:
        if day != keep:
            layout.lookup_file(day).unlink(missing_ok=True)
    for old in layout.obsolete_lookup_files():
        old.unlink(missing_ok=True)


class Lookup:
    """A read-only lookup file; one SQLite connection per thread (a server's threadpool)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self.kinds: dict[str, dict[str, str]] = {}
        self._dates: list[tuple[dt.date, float | None]] | None = None
        for kind, column, type_name in self._connection().execute("SELECT * FROM columns"):
            self.kinds.setdefault(kind, {})[column] = type_name

    def _connection(self) -> sqlite3.Connection:
        held: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if held is None:
            # immutable: the file never changes once renamed into place, so no locking at all
            uri = "file:" + quote(str(self.path)) + "?mode=ro&immutable=1"
            held = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.connection = held
        return held

    def facts(self, customer_id: str) -> dict[str, Any]:
        """Every kind of fact of the customer ({} of rows when it has none), in the 360's order,
        with dates and timestamps as Python values."""
        row = (
            self._connection()
            .execute("SELECT doc FROM facts WHERE customer_id = ?", (customer_id,))
            .fetchone()
        )
        doc = json.loads(row[0]) if row else {}
        out: dict[str, Any] = {}
        for kind in TABLES:
            rows = doc.get(kind) or []
            typed = self.kinds.get(kind, {})
            for item in rows:
                for column, type_name in typed.items():
                    value = item.get(column)
                    if isinstance(value, str):
                        if type_name == "date":
                            item[column] = dt.date.fromisoformat(value)
                        elif type_name == "timestamp":
                            item[column] = dt.datetime.fromisoformat(value)
            out[kind] = rows
        return out

    def series_dates(self) -> list[tuple[dt.date, float | None]] | None:
        """The charts' dates with the index's close; None for a file built without series."""
        held = self._dates
        if held is None:
            try:
                found = self._connection().execute(
                    "SELECT biz_date, index_close FROM series_dates ORDER BY n"
                )
            except sqlite3.OperationalError:
                return None  # a lookup built before the series
            held = [(dt.date.fromisoformat(d), c) for d, c in found]
            self._dates = held
        return held

    def series(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's chart series (t: total assets on the day numbers n into series_dates,
        or on s, s+1 ... without gaps; fn, fv: net transfers in by day number; m: the mix on its
        last day); None without the table or a row."""
        if self.series_dates() is None:
            return None
        row = (
            self._connection()
            .execute("SELECT doc FROM series WHERE customer_id = ?", (customer_id,))
            .fetchone()
        )
        return json.loads(row[0]) if row else None


def open_lookup(settings: Settings, as_of: dt.date) -> Lookup | None:
    """The lookup for `as_of`, read-only, or None when it was not built (an older run)."""
    path = lookup_file(settings, as_of)
    if not path.exists():
        return None
    return Lookup(path)

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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
import pyarrow.parquet as pq

from brokerlens.atomic import atomic_file
from brokerlens.config import Settings
from brokerlens.contract.feeds import FEEDS
from brokerlens.engine.sqltext import ident, literal, path_list
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import DELIVERED_COLUMN, LakeLayout
from brokerlens.publish.series import (
    MIX_COLUMNS,
    build_blocks,
    monday,
    prune_blocks,
    read_series,
)
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
    # the charts' asset mix on the customer's last day of T's week up to T (series.py)
    "asset_mix": "biz_date DESC",
}
TABLES = tuple(k for k in ORDER if k != "asset_mix")  # the 360's kinds of fact
BATCH = 20_000
# Customers per pass: each pass aggregates only the customers whose id hashes to it, so the
# step's memory is bounded by a pass, not by the book (3,000,000 customers in 6 passes). At
# 1,000,000 x 120 dates: one pass 40.6 s at a 10.1 GB peak, 500,000 44.8 s at 5.0 GB, 250,000
# 69.5 s at 3.8 GB (each pass reads the sources again).
PASS_CUSTOMERS = 500_000
SERIES_DATES = 250  # loaded dates of the 360's charts (daily assets, transfers, the index)
SERIES_INDEX = "000300.SH"


def lookup_file(settings: Settings, as_of: dt.date) -> Path:
    return WarehouseLayout(settings.warehouse_dir).lookup_file(as_of)


class _Files:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
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


def _selects(files: _Files, as_of: dt.date, passes: int = 1, n: int = 0) -> dict[str, str | None]:
    """Each kind's rows as of `as_of`, of pass `n` of `passes` where a kind ranks rows per
    customer: the pass is taken before the ranking (after it, every pass ranked every
    customer's trades again: 6 passes at 3,000,000 customers)."""
    since = as_of - dt.timedelta(days=RECENT_DAYS)
    first = since + dt.timedelta(days=1)
    positions = files.source("positions", as_of, as_of)
    holdings = files.source("product_holdings", as_of, as_of)
    trades = files.source("trades", first, as_of)
    transfers = files.source("fund_transfers", first, as_of)
    contacts = files.source("contacts", first, as_of)
    assessments = _latest_as_of(files, "risk_assessments", as_of)
    agreements = _latest_as_of(files, "service_agreements", as_of)
    week = files.source("daily_assets", monday(as_of), as_of)
    mix = ", ".join(f"{ident(c)}::DOUBLE AS {ident(c)}" for c in MIX_COLUMNS)
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
        f"WHERE {_in_pass(passes, n, 't.customer_id')} "
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
        "asset_mix": week
        and f"SELECT customer_id, biz_date, {mix} FROM {week} WHERE {_in_pass(passes, n)} "
        "QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY biz_date DESC) = 1",
    }


def _pass_selects(
    files: _Files, as_of: dt.date, kinds: dict[str, str], passes: int, n: int
) -> dict[str, str]:
    """The selects of pass `n`, of the kinds delivered (`kinds`, the selects of all passes)."""
    chosen = _selects(files, as_of, passes, n)
    return {kind: chosen[kind] or "" for kind in kinds}


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


def _passes(files: _Files, as_of: dt.date) -> int:
    """How many passes the documents are built in: T's rows of daily assets (one a customer,
    read from the Parquet footers) over PASS_CUSTOMERS."""
    rows = sum(
        pq.ParquetFile(p).metadata.num_rows for p in files.between("daily_assets", as_of, as_of)
    )
    return max(1, -(-rows // PASS_CUSTOMERS))


def _in_pass(passes: int, n: int, column: str = "customer_id") -> str:
    return "true" if passes == 1 else f"hash({column}) % {passes} = {n}"


def _documents_sql(
    selects: dict[str, str], columns: dict[str, dict[str, str]], passes: int = 1, n: int = 0
) -> str:
    """One row per customer (of pass `n` of `passes`): the id and a JSON object with a list of
    rows per kind of fact, each row an array of its columns in `columns` order (without the
    customer id, which the document is keyed by; the names are kept once, in `fields`)."""
    parts, joins, keys = [], [], []
    for table, select in selects.items():
        # JSON columns stay the text the lake gives (not nested into the document).
        values = ", ".join(
            f"{ident(c)}{'::VARCHAR' if kind == 'json' else ''}"
            for c, kind in columns[table].items()
            if c != "customer_id"
        )
        # Arrays joined as text: a third of the time and half the bytes of a list of structs
        # turned into JSON objects (measured at 30,000 customers x 120 dates).
        parts.append(
            f"{table} AS (SELECT customer_id, '[' || string_agg(json_array({values})::VARCHAR, "
            f"',' ORDER BY {ORDER[table]}) || ']' AS v "
            f"FROM ({select}) WHERE {_in_pass(passes, n)} GROUP BY customer_id)"
        )
        joins.append(f"LEFT JOIN {table} USING (customer_id)")
        keys.append(f"SELECT customer_id FROM {table}")
    document = " || ',' || ".join(
        f"{literal(chr(34) + table + chr(34) + ':')} || coalesce({table}.v, 'null')"
        for table in selects
    )
    return (
        f"WITH {', '.join(parts)}, ids AS ({' UNION '.join(keys)}) "
        f"SELECT customer_id, '{{' || {document} || '}}' FROM ids "
        f"{' '.join(joins)}"
    )


def build_lookup(settings: Settings, as_of: dt.date) -> Path:
    """Write the lookup file for `as_of` (replacing one built before) and return its path."""
    layout = WarehouseLayout(settings.warehouse_dir)
    target = layout.lookup_file(as_of)
    files = _Files(settings)  # the lake's catalog, read once for the step
    with atomic_file(target) as scratch:
        _write_lookup(settings, files, as_of, scratch)
    _prune(layout, as_of, files)
    return target


def _write_lookup(settings: Settings, files: _Files, as_of: dt.date, scratch: Path) -> None:
    warehouse = open_warehouse(settings, lock_down=False)
    sink = sqlite3.connect(scratch)
    try:
        warehouse.execute("SET enable_progress_bar = false")
        # A feed never delivered has no select: the 360 shows none of it.
        selects = {t: s for t, s in _selects(files, as_of).items() if s is not None}
        columns = {table: _columns(warehouse, select) for table, select in selects.items()}
        passes = _passes(files, as_of)
        queries = [
            _documents_sql(_pass_selects(files, as_of, selects, passes, n), columns, passes, n)
            for n in range(passes)
        ]
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
        sink.execute("CREATE TABLE fields (kind TEXT, position INTEGER, column TEXT)")
        sink.executemany(
            "INSERT INTO fields VALUES (?, ?, ?)",
            [
                (t, i, c)
                for t, cols in columns.items()
                for i, c in enumerate(c for c in cols if c != "customer_id")
            ],
        )
        for result in _computed_ahead(warehouse, queries if selects else []):
            with closing(result):
                while batch := result.fetchmany(BATCH):
                    sink.executemany("INSERT INTO facts VALUES (?, ?)", batch)
        sink.execute("CREATE UNIQUE INDEX ix_facts ON facts (customer_id)")
        _write_series(warehouse, sink, files, as_of, passes)
        sink.commit()
    finally:
        sink.close()
        warehouse.close()


def _computed_ahead(
    warehouse: duckdb.DuckDBPyConnection, queries: list[str]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Each query's result on a cursor of its own, the next one computed by DuckDB on a thread
    while the caller copies this one into SQLite (one core; a quarter of the step at 300,000
    customers, with DuckDB idle)."""

    def compute(sql: str) -> duckdb.DuckDBPyConnection:
        cursor = warehouse.cursor()
        try:
            cursor.execute(sql)  # materialised here, off the caller's thread
        except BaseException:
            cursor.close()
            raise
        return cursor

    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(compute, queries[0]) if queries else None
        for n in range(len(queries)):
            assert ahead is not None
            result = ahead.result()
            ahead = pool.submit(compute, queries[n + 1]) if n + 1 < len(queries) else None
            try:
                yield result
            except BaseException:  # the caller failed or stopped: close the pass in flight
                if ahead is not None:
                    with suppress(BaseException):
                        ahead.result().close()
                raise


def _window(files: _Files, as_of: dt.date) -> list[dt.date]:
    """The charts' dates as of `as_of`: its last SERIES_DATES loaded dates of daily assets."""
    days = [d for d, _ in files.catalog.files_of(files.layout, "daily_assets") if d <= as_of]
    return days[-SERIES_DATES:]


def _write_series(
    warehouse: duckdb.DuckDBPyConnection,
    sink: sqlite3.Connection,
    files: _Files,
    as_of: dt.date,
    passes: int = 1,
) -> None:
    """The 360 charts' dates with the index's close, and the weeks whose blocks hold the
    customers' series (`publish/series.py`: only the weeks missing or changed are built)."""
    sink.execute("CREATE TABLE series_dates (n INTEGER, biz_date TEXT, index_close REAL)")
    sink.execute("CREATE TABLE series_weeks (monday TEXT NOT NULL)")
    days = _window(files, as_of)
    if not days:
        return
    quotes = files.source("index_quotes", days[0], as_of)
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
    in_pass = [_in_pass(passes, n, "a.customer_id") for n in range(passes)]
    layout = WarehouseLayout(files.settings.warehouse_dir)
    weeks = build_blocks(warehouse, files.catalog, files.layout, layout, days, in_pass)
    sink.executemany("INSERT INTO series_weeks VALUES (?)", [(w.isoformat(),) for w in weeks])


def _prune(layout: WarehouseLayout, keep: dt.date, files: _Files) -> None:
    for day in layout.lookup_dates()[::-1][KEEP:]:
        if day != keep:
            layout.lookup_file(day).unlink(missing_ok=True)
    for old in layout.obsolete_lookup_files():
        old.unlink(missing_ok=True)
    kept = [_window(files, day) for day in layout.lookup_dates()]
    firsts = [days[0] for days in kept if days]
    if firsts:
        prune_blocks(layout, min(firsts))


class Lookup:
    """A read-only lookup file; one SQLite connection per thread (a server's threadpool)."""

    def __init__(self, path: Path, series_dir: Path | None = None) -> None:
        self.path = path
        self.series_dir = series_dir if series_dir is not None else path.parent / "series"
        self._local = threading.local()
        self.kinds: dict[str, dict[str, str]] = {}
        self._dates: list[tuple[dt.date, float | None]] | None = None
        self.fields: dict[str, list[str]] = {}
        connection = self._connection()
        for kind, column, type_name in connection.execute("SELECT * FROM columns"):
            self.kinds.setdefault(kind, {})[column] = type_name
        try:
            for kind, _, column in connection.execute("SELECT * FROM fields ORDER BY 1, 2"):
                self.fields.setdefault(kind, []).append(column)
        except sqlite3.OperationalError:
            pass  # a file of objects, built before the rows became arrays

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
            names = self.fields.get(kind)
            if names:
                rows = [dict(zip(names, item, strict=True)) for item in rows]
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

    def _blocks(self) -> list[sqlite3.Connection] | None:
        """This thread's connections to the weekly series blocks the file names (None: a file
        with the series inside, as built before the blocks)."""
        held: list[sqlite3.Connection] | None = getattr(self._local, "blocks", None)
        if held is None:
            try:
                weeks = [
                    str(w)
                    for (w,) in self._connection().execute(
                        "SELECT monday FROM series_weeks ORDER BY monday"
                    )
                ]
            except sqlite3.OperationalError:
                return None
            held = []
            for week in weeks:
                path = self.series_dir / f"{week}{SUFFIX}"
                if path.exists():
                    uri = "file:" + quote(str(path)) + "?mode=ro&immutable=1"
                    held.append(sqlite3.connect(uri, uri=True, check_same_thread=False))
            self._local.blocks = held
        return held

    def series(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's chart series (t: total assets on the day numbers n into series_dates,
        or on s, s+1 ... without gaps; fn, fv: net transfers in by day number; m: the mix on its
        last day); None without the table or a row."""
        dates = self.series_dates()
        if dates is None:
            return None
        blocks = self._blocks()
        if blocks is not None:
            found = read_series(blocks, [d for d, _ in dates], customer_id)
            if found is not None:
                # the mix of the customer's last day up to T, when it is in T's week (a block
                # may hold later days of that week; earlier weeks' blocks have it right)
                row = (
                    self._connection()
                    .execute(
                        "SELECT doc ->> '$.asset_mix[0]' FROM facts WHERE customer_id = ?",
                        (customer_id,),
                    )
                    .fetchone()
                )
                if row and row[0]:
                    last = dict(zip(self.fields["asset_mix"], json.loads(row[0]), strict=True))
                    found["m"] = [last[c] for c in MIX_COLUMNS]
            return found
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
    return Lookup(path, WarehouseLayout(settings.warehouse_dir).series_dir)

"""A customer's facts from the lake (DuckDB), for the 360 view and the assets curve.

Callers have already checked the customer is in scope. Each query reads only the Parquet files
of the dates it needs (one day for positions, 90 days for transfers ...), never every date, and
binds the customer id as a parameter. One DuckDB connection per lake and process, reopened when
the lake's catalog changes; each call works on a cursor of its own.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from brokerlens.config import Settings
from brokerlens.contract.feeds import FEEDS
from brokerlens.engine.sqltext import ident, path_list
from brokerlens.lake.catalog import Catalog, read_catalog
from brokerlens.lake.layout import DELIVERED_COLUMN, LakeLayout
from brokerlens.publish.lookup import open_lookup
from brokerlens.warehouse.query import open_warehouse
from brokerlens.warehouse.served import kept_file

RECENT_DAYS = 90  # calendar days of transfers and contacts
RECENT_TRADES = 20
ASSET_DATES = 250  # loaded dates on the assets curve
INDEX_ID = "000300.SH"

# One fact row: its columns are the feed's as the data contract declares it (risk assessments
# and agreements are read whole), so a row stays a mapping of column to value.
FactRow = dict[str, Any]


@dataclass(frozen=True)
class CustomerFacts:
    """A customer's facts as of a day, by kind (each a list of rows, newest first where dated)."""

    positions: list[FactRow] = field(default_factory=list)
    product_holdings: list[FactRow] = field(default_factory=list)
    recent_trades: list[FactRow] = field(default_factory=list)
    transfers: list[FactRow] = field(default_factory=list)
    contacts: list[FactRow] = field(default_factory=list)
    risk_assessment: FactRow | None = None  # the latest up to the day
    agreements: list[FactRow] = field(default_factory=list)

    def by_kind(self) -> dict[str, Any]:
        """kind -> rows (the row lists themselves, not copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class AssetPoint:
    """One loaded date of a customer's assets, with the index's close that day."""

    biz_date: dt.date
    total_assets: float | None
    cash: float | None
    available_cash: float | None
    stock_value: float | None
    fund_value: float | None
    bond_value: float | None
    product_value: float | None
    other_value: float | None
    liabilities: float | None
    index_close: float | None
    net_inflow: float = 0.0  # the day's transfers in less transfers out (0 on a day without)


@dataclass(frozen=True)
class _Lake:
    stamp: int
    layout: LakeLayout
    catalog: Catalog
    connection: duckdb.DuckDBPyConnection
    # an index's close by date, read once per catalog (the same for every customer's curve)
    closes: dict[str, dict[dt.date, float | None]] = field(default_factory=dict)

    def files(self, feed: str, days: Iterable[dt.date] | None = None) -> list[Path]:
        wanted = set(days) if days is not None else None
        return [
            p for d, p in self.catalog.files_of(self.layout, feed) if wanted is None or d in wanted
        ]

    def days_of(self, feed: str, first: dt.date, last: dt.date) -> list[dt.date]:
        return [d for d, _ in self.catalog.files_of(self.layout, feed) if first <= d <= last]


_lakes: dict[str, _Lake] = {}
_lock = threading.Lock()


def _lake(settings: Settings) -> _Lake:
    layout = LakeLayout(settings.lake_dir)
    try:
        stamp = layout.catalog_path.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = 0
    key = str(layout.root)
    with _lock:
        held = _lakes.get(key)
        if held is None or held.stamp != stamp:
            # A new load changed the catalog: a fresh connection sees its dates and references.
            # The old one is left to in-flight cursors and the garbage collector.
            connection = open_warehouse(settings, lock_down=False)
            held = _Lake(stamp, layout, read_catalog(layout), connection)
            _lakes[key] = held
        return held


def lake_cursor(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A cursor on the process's one warehouse connection (the lake's views), reopened when a
    load changed the catalog; every access reader of the lake shares it."""
    return _lake(settings).connection.cursor()


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _rows(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    result = cursor.execute(sql, params)
    names = [str(d[0]) for d in result.description or []]
    return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in result.fetchall()]


def _read(files: list[Path]) -> str:
    return f"read_parquet({path_list(files)}, union_by_name = true)"


def _reference_as_of(lake: _Lake, feed: str, as_of: dt.date) -> tuple[str, list[Path]]:
    """SQL over one customer's versions of a reference feed (parameter 1: customer id), as of
    the day: only deliveries up to that day are read, so the last version of each key holds."""
    files = [p for d, p in lake.catalog.files_of(lake.layout, feed) if d <= as_of]
    spec = FEEDS[feed]
    cols = ", ".join(ident(c) for c in spec.column_names)
    key = ", ".join(ident(k) for k in spec.key)
    sql = (
        f"WITH v AS (SELECT {cols}, {ident(DELIVERED_COLUMN)} AS valid_from "
        f"FROM {_read(files)} WHERE customer_id = ?), "
        f"h AS (SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY valid_from DESC) AS n "
        f"FROM v) SELECT {cols} FROM h WHERE n = 1"
    )
    return sql, files


if TYPE_CHECKING:
    from brokerlens.publish.lookup import Lookup

_lookups: dict[tuple[Path, int], Lookup] = {}


def _lookup(settings: Settings, as_of: dt.date) -> Lookup | None:
    """The run's lookup file for `as_of` (opened once per process; reopened when rebuilt)."""
    path = kept_file(settings, "lookup", as_of)
    try:
        if path is None:
            return None
        key = (path, path.stat().st_mtime_ns)  # a rebuilt file (a re-run of T) is reopened
    except FileNotFoundError:
        return None
    with _lock:
        held = _lookups.get(key)
        if held is None:
            held = open_lookup(settings, as_of)
            if held is None:
                return None
            _lookups[key] = held
        return held


# Fact kinds shown with the customer id; the lookup's rows carry none (keyed by it).
_KEEP_ID = ("risk_assessment", "agreements")


def _looked_up(lookup: Lookup, customer_id: str) -> CustomerFacts:
    facts = lookup.facts(customer_id)
    for kind in _KEEP_ID:
        facts[kind] = [{**row, "customer_id": customer_id} for row in facts[kind]]
    assessments = facts.pop("risk_assessment")
    facts["risk_assessment"] = assessments[0] if assessments else None
    return CustomerFacts(**facts)


def customer_facts(settings: Settings, customer_id: str, as_of: dt.date) -> CustomerFacts:
    """Positions and product holdings on `as_of`, the last trades, recent transfers and
    contacts, the latest risk assessment and the service agreements: from the run's lookup
    file when there is one, else from the lake."""
    looked_up = _lookup(settings, as_of)
    if looked_up is not None:
        return _looked_up(looked_up, customer_id)
    lake = _lake(settings)
    cursor = lake.connection.cursor()
    try:
        return _facts(lake, cursor, customer_id, as_of)
    finally:
        cursor.close()


def _facts(
    lake: _Lake, cursor: duckdb.DuckDBPyConnection, customer_id: str, as_of: dt.date
) -> CustomerFacts:
    facts: dict[str, Any] = {}
    day = [as_of]
    files = lake.files("positions", day)
    facts["positions"] = (
        _rows(
            cursor,
            "SELECT p.account_id, p.security_id, s.name AS security_name, s.security_type, "
            "p.quantity, p.cost_amount, p.market_value "
            f"FROM {_read(files)} p LEFT JOIN securities s ON s.security_id = p.security_id "
            "WHERE p.customer_id = ? ORDER BY p.market_value DESC NULLS LAST, p.security_id",
            [customer_id],
        )
        if files
        else []
    )
    files = lake.files("product_holdings", day)
    facts["product_holdings"] = (
        _rows(
            cursor,
            "SELECT h.product_id, p.name AS product_name, p.product_type, p.risk_level, "
            "h.units, h.market_value, h.cost_amount "
            f"FROM {_read(files)} h LEFT JOIN products p ON p.product_id = h.product_id "
            "WHERE h.customer_id = ? ORDER BY h.market_value DESC NULLS LAST, h.product_id",
            [customer_id],
        )
        if files
        else []
    )
    since = as_of - dt.timedelta(days=RECENT_DAYS)
    recent = lake.days_of("trades", since + dt.timedelta(days=1), as_of)
    trade_sql = (
        "SELECT t.biz_date, t.trade_id, t.account_id, t.security_id, s.name AS security_name, "
        "t.side, t.trade_type, t.quantity, t.price, t.amount, t.commission, t.net_commission, "
        "t.channel, t.trade_time "
        "FROM {src} t LEFT JOIN securities s ON s.security_id = t.security_id "
        "WHERE t.customer_id = ? ORDER BY t.biz_date DESC, t.trade_time DESC, t.trade_id DESC "
        f"LIMIT {RECENT_TRADES}"
    )
    trades: list[dict[str, Any]] = []
    files = lake.files("trades", recent)
    if files:
        trades = _rows(cursor, trade_sql.format(src=_read(files)), [customer_id])
    if len(trades) < RECENT_TRADES:
        # A quiet customer: look further back, once, over the older dates too.
        older = lake.days_of("trades", dt.date.min, as_of)
        files = lake.files("trades", older)
        if files and len(older) > len(recent):
            trades = _rows(cursor, trade_sql.format(src=_read(files)), [customer_id])
    facts["recent_trades"] = trades
    files = lake.files("fund_transfers", lake.days_of("fund_transfers", since, as_of))
    facts["transfers"] = (
        _rows(
            cursor,
            "SELECT biz_date, transfer_id, direction, amount, bank, channel "
            f"FROM {_read(files)} WHERE customer_id = ? AND biz_date > ? "
            "ORDER BY biz_date DESC, transfer_id DESC",
            [customer_id, since],
        )
        if files
        else []
    )
    facts["contacts"] = _contacts(lake, cursor, customer_id, as_of)
    sql, files = _reference_as_of(lake, "risk_assessments", as_of)
    assessments = (
        _rows(
            cursor,
            f"SELECT * FROM ({sql}) WHERE assess_date <= ? "
            "ORDER BY assess_date DESC, assessment_id DESC LIMIT 1",
            [customer_id, as_of],
        )
        if files
        else []
    )
    facts["risk_assessment"] = assessments[0] if assessments else None
    sql, files = _reference_as_of(lake, "service_agreements", as_of)
    facts["agreements"] = (
        _rows(
            cursor,
            f"SELECT * FROM ({sql}) WHERE sign_date <= ? ORDER BY sign_date, agreement_id",
            [customer_id, as_of],
        )
        if files
        else []
    )
    return CustomerFacts(**facts)


def _contacts(
    lake: _Lake, cursor: duckdb.DuckDBPyConnection, customer_id: str, as_of: dt.date
) -> list[FactRow]:
    since = as_of - dt.timedelta(days=RECENT_DAYS)
    files = lake.files("contacts", lake.days_of("contacts", since, as_of))
    if not files:
        return []
    return _rows(
        cursor,
        "SELECT c.biz_date, c.contact_id, c.staff_id, s.name AS staff_name, c.channel, "
        "c.purpose, c.result, c.duration_s "
        f"FROM {_read(files)} c LEFT JOIN staff s ON s.staff_id = c.staff_id "
        "WHERE c.customer_id = ? AND c.biz_date > ? "
        "ORDER BY c.biz_date DESC, c.contact_id DESC",
        [customer_id, since],
    )


def recent_contacts(settings: Settings, customer_id: str, as_of: dt.date) -> list[FactRow]:
    """The customer's contacts-feed rows (call-centre and staff contacts) of the last
    RECENT_DAYS calendar days up to `as_of`, newest first: from the run's lookup file when
    there is one (the same rows the 360 shows), else from the lake."""
    looked_up = _lookup(settings, as_of)
    if looked_up is not None:
        return list(looked_up.facts(customer_id)["contacts"])
    lake = _lake(settings)
    cursor = lake.connection.cursor()
    try:
        return _contacts(lake, cursor, customer_id, as_of)
    finally:
        cursor.close()


def _index_closes(lake: _Lake, cursor: duckdb.DuckDBPyConnection, index_id: str) -> dict:
    """The index's close on every loaded date (read once per catalog, then kept)."""
    held = lake.closes.get(index_id)
    if held is None:
        files = lake.files("index_quotes")
        found = (
            cursor.execute(
                f"SELECT biz_date, close FROM {_read(files)} WHERE index_id = ?", [index_id]
            ).fetchall()
            if files
            else []
        )
        held = {d: _plain(c) for d, c in found}
        with _lock:
            lake.closes[index_id] = held
    return held


def assets_history(
    settings: Settings,
    customer_id: str,
    as_of: dt.date,
    *,
    index_id: str = INDEX_ID,
    dates: int = ASSET_DATES,
) -> list[AssetPoint]:
    """Daily total assets and their parts over the last `dates` loaded dates up to `as_of`,
    with the index's close on the same dates (None where the index has no quote) and the day's
    net transfers in (for the daily P&L: the change in assets less what came in)."""
    lake = _lake(settings)
    days = lake.days_of("daily_assets", dt.date.min, as_of)[-dates:]
    assets = lake.files("daily_assets", days)
    if not assets:
        return []
    transfers = lake.files("fund_transfers", lake.days_of("fund_transfers", days[0], as_of))
    cursor = lake.connection.cursor()
    try:
        closes = _index_closes(lake, cursor, index_id)
        rows = _rows(
            cursor,
            "SELECT biz_date, total_assets, cash, available_cash, stock_value, fund_value, "
            "bond_value, product_value, other_value, liabilities "
            f"FROM {_read(assets)} WHERE customer_id = ? ORDER BY biz_date",
            [customer_id],
        )
        flows = (
            dict(
                cursor.execute(
                    "SELECT biz_date, sum(CASE WHEN direction = 'in' THEN amount "
                    "ELSE -amount END)::DOUBLE "
                    f"FROM {_read(transfers)} WHERE customer_id = ? GROUP BY biz_date",
                    [customer_id],
                ).fetchall()
            )
            if transfers
            else {}
        )
    finally:
        cursor.close()
    return [
        AssetPoint(
            **row,
            index_close=closes.get(row["biz_date"]),
            net_inflow=float(flows.get(row["biz_date"]) or 0.0),
        )
        for row in rows
    ]


MIX_PARTS = ("cash", "stock_value", "fund_value", "bond_value", "product_value", "other_value")


def charts_at_hand(settings: Settings, as_of: dt.date) -> bool:
    """Whether the run's lookup for `as_of` holds the charts' series (a read by key, so the
    360 can draw its charts with the page; else they come from the lake, in a slot of their
    own)."""
    lookup = _lookup(settings, as_of)
    return lookup is not None and lookup.series_dates() is not None


def chart_history(settings: Settings, customer_id: str, as_of: dt.date) -> list[AssetPoint]:
    """The 360 charts' points: total assets, the index's close and the net transfers in of each
    loaded date, and the asset mix on the last one. From the run's lookup file (one row by key)
    when it holds the series, else `assets_history` over the lake (every part every day)."""
    lookup = _lookup(settings, as_of)
    dates = lookup.series_dates() if lookup is not None else None
    if lookup is None or dates is None:
        return assets_history(settings, customer_id, as_of)
    found = lookup.series(customer_id)
    if not found:
        return []
    totals, mix = found["t"], found["m"]
    days = found.get("n") or range(found["s"], found["s"] + len(totals))
    inflows = dict(zip(found.get("fn") or [], found.get("fv") or [], strict=True))
    points = []
    for k, (n, total) in enumerate(zip(days, totals, strict=True)):
        day, close = dates[n]
        parts: dict[str, float | None] = dict.fromkeys(MIX_PARTS)
        if k == len(days) - 1:
            parts = dict(zip(MIX_PARTS, mix, strict=True))
        points.append(
            AssetPoint(
                biz_date=day,
                total_assets=total,
                available_cash=None,
                liabilities=None,
                index_close=close,
                net_inflow=float(inflows.get(n) or 0.0),
                **parts,
            )
        )
    return points

"""The customer-360 lookup as of T: one DuckDB file of each customer's recent facts, indexed.

A customer 360 asks seven small questions about one customer. Against the lake each one scans
a date's Parquet files (about 10 ms each at 3,000,000 customers, whatever the row groups); here
each is an index lookup (well under 1 ms). The file is built once per computed date, next to
the profile, always with DuckDB (it is a serving artifact, whichever engine computed the
profile), written to a temporary name and renamed, and opened read-only by every server worker.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from brokerlens.config import Settings
from brokerlens.contract.feeds import FEEDS
from brokerlens.ingest.sqltext import ident, path_list
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import DELIVERED_COLUMN, LakeLayout
from brokerlens.warehouse.query import open_warehouse

RECENT_DAYS = 90  # calendar days of trades, transfers and contacts
RECENT_TRADES = 20  # the newest trades kept per customer
KEEP = 3  # lookup files kept: the newest dates (a re-publish of an older date rebuilds its own)
TABLES = (
    "positions",
    "product_holdings",
    "recent_trades",
    "transfers",
    "contacts",
    "risk_assessment",
    "agreements",
)


def lookup_file(settings: Settings, as_of: dt.date) -> Path:
    return settings.warehouse_dir / "lookup" / f"{as_of.isoformat()}.duckdb"


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


def build_lookup(settings: Settings, as_of: dt.date) -> Path:
    """Write the lookup file for `as_of` (replacing one built before) and return its path."""
    target = lookup_file(settings, as_of)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    scratch.unlink(missing_ok=True)
    warehouse = open_warehouse(settings, lock_down=False)
    try:
        warehouse.execute("SET enable_progress_bar = false")
        warehouse.execute(f"ATTACH {_quote(scratch)} AS lookup")
        for table, select in _selects(_Files(settings), as_of).items():
            if select is None:
                continue  # the feed was never delivered: the 360 shows none
            # Sorted by customer so each customer's rows sit together; the ART index finds them.
            warehouse.execute(
                f"CREATE TABLE lookup.{table} AS SELECT * FROM ({select}) ORDER BY customer_id"
            )
            warehouse.execute(f"CREATE INDEX ix_{table} ON lookup.{table} (customer_id)")
        warehouse.execute("DETACH lookup")
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    finally:
        warehouse.close()
    os.replace(scratch, target)
    _prune(target.parent, keep=target)
    return target


def _prune(folder: Path, keep: Path) -> None:
    built = sorted(folder.glob("*.duckdb"), reverse=True)
    for path in built[KEEP:]:
        if path != keep:
            path.unlink(missing_ok=True)


def open_lookup(settings: Settings, as_of: dt.date) -> duckdb.DuckDBPyConnection | None:
    """The lookup for `as_of`, read-only, or None when it was not built (an older run)."""
    path = lookup_file(settings, as_of)
    if not path.exists():
        return None
    return duckdb.connect(str(path), read_only=True)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"

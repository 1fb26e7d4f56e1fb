"""Tiny contract-conforming feed builders for tests: rows as dicts of text, written to a folder."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from brokerlens.contract.feeds import FEEDS
from brokerlens.contract.manifest import FeedEntry, Manifest, sha256_of

Row = dict[str, str]


def _row(feed: str, values: dict[str, Any], overrides: dict[str, Any]) -> Row:
    merged = {**values, **overrides}
    row = {c: "" if merged.get(c) is None else str(merged[c]) for c in FEEDS[feed].column_names}
    row.update({k: "" if v is None else str(v) for k, v in overrides.items() if k not in row})
    return row


def make_org_unit(unit_id: str = "B1", **kw: Any) -> Row:
    return _row(
        "org_units",
        {"unit_id": unit_id, "unit_type": "branch", "name": f"营业部 {unit_id}", "city": "上海"},
        kw,
    )


def make_staff(staff_id: str = "S1", **kw: Any) -> Row:
    base = {"staff_id": staff_id, "name": "张三", "unit_id": "B1", "position": "broker"}
    return _row("staff", {**base, "hire_date": "2020-01-02"}, kw)


def make_customer(customer_id: str = "C1", **kw: Any) -> Row:
    return _row(
        "customers",
        {
            "customer_id": customer_id,
            "name": "李四",
            "customer_type": "individual",
            "id_type": "id_card",
            "id_no": "310101199001011234",
            "gender": "M",
            "birth_date": "1990-01-01",
            "branch_id": "B1",
            "open_date": "2020-03-04",
            "open_channel": "app",
            "investor_class": "ordinary",
            "status": "normal",
        },
        kw,
    )


def make_account(account_id: str = "A1", customer_id: str = "C1", **kw: Any) -> Row:
    return _row(
        "accounts",
        {
            "account_id": account_id,
            "customer_id": customer_id,
            "account_type": "cash",
            "open_date": "2020-03-04",
            "status": "normal",
        },
        kw,
    )


def make_security(security_id: str = "600000.SH", **kw: Any) -> Row:
    return _row(
        "securities",
        {
            "security_id": security_id,
            "name": "浦发银行",
            "market": "SH",
            "security_type": "stock",
            "board": "main",
            "industry": "银行",
            "is_st": "false",
            "list_date": "1999-11-10",
        },
        kw,
    )


def make_product(product_id: str = "P1", **kw: Any) -> Row:
    return _row(
        "products",
        {
            "product_id": product_id,
            "name": "货币基金",
            "product_type": "money_market",
            "risk_level": "R1",
            "status": "on_sale",
            "fee_rate": "0.003",
        },
        kw,
    )


def make_daily_assets(customer_id: str = "C1", day: dt.date | str = "", **kw: Any) -> Row:
    parts = {
        "cash": 1000.00,
        "available_cash": 900.00,
        "stock_value": 5000.50,
        "fund_value": 0,
        "bond_value": 0,
        "product_value": 200,
        "other_value": 0,
        "liabilities": 100,
    }
    parts.update({k: float(v) for k, v in kw.items() if k in parts and v not in (None, "")})
    total = sum(v for k, v in parts.items() if k not in ("available_cash", "liabilities"))
    total -= parts["liabilities"]
    values = {k: f"{v:.2f}" for k, v in parts.items()}
    return _row(
        "daily_assets",
        {
            "biz_date": str(day),
            "customer_id": customer_id,
            **values,
            "total_assets": f"{total:.2f}",
        },
        {k: v for k, v in kw.items() if k not in parts or v in (None, "")},
    )


def make_position(
    customer_id: str = "C1",
    account_id: str = "A1",
    security_id: str = "600000.SH",
    day: dt.date | str = "",
    **kw: Any,
) -> Row:
    return _row(
        "positions",
        {
            "biz_date": str(day),
            "customer_id": customer_id,
            "account_id": account_id,
            "security_id": security_id,
            "quantity": 1000,
            "cost_amount": "9500.00",
            "market_value": "10000.00",
        },
        kw,
    )


def make_trade(trade_id: str = "T1", day: dt.date | str = "", **kw: Any) -> Row:
    return _row(
        "trades",
        {
            "biz_date": str(day),
            "trade_id": trade_id,
            "customer_id": "C1",
            "account_id": "A1",
            "security_id": "600000.SH",
            "side": "buy",
            "trade_type": "normal",
            "quantity": 100,
            "price": "10.0000",
            "amount": "1000.00",
            "commission": "5.00",
            "net_commission": "4.00",
            "stamp_duty": "0.00",
            "transfer_fee": "0.01",
            "other_fee": "0.00",
            "channel": "app",
            "trade_time": f"{day} 10:30:00",
        },
        kw,
    )


def make_complaint(complaint_id: str = "Q1", **kw: Any) -> Row:
    return _row(
        "complaints",
        {
            "complaint_id": complaint_id,
            "customer_id": "C1",
            "open_date": "2025-01-02",
            "category": "service",
            "status": "open",
        },
        kw,
    )


def write_feed(
    folder: Path,
    feed: str,
    rows: list[Row],
    *,
    fmt: str = "csv",
    encoding: str = "utf-8",
    columns: list[str] | None = None,
) -> Path:
    """Write rows as `<folder>/<feed>.<fmt>` (all columns of the first row, or `columns`)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = columns or (list(rows[0]) if rows else list(FEEDS[feed].column_names))
    path = folder / f"{feed}.{fmt}"
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({c: [r.get(c) or None for r in rows] for c in names})
        pq.write_table(table, path)
        return path
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([row.get(c, "") for c in names])
    return path


def write_manifest(folder: Path, day: dt.date | str, *, encoding: str = "utf-8") -> Path:
    """A manifest matching the folder's files as they are now."""
    feeds = {}
    for path in sorted(folder.iterdir()):
        stem, _, ext = path.name.partition(".")
        if stem in FEEDS and ext == "csv":
            with path.open("rb") as fh:
                lines = (line.decode(encoding, "replace") for line in fh)
                rows = sum(1 for _ in csv.reader(lines)) - 1
            feeds[stem] = FeedEntry(rows, sha256_of(path))
        elif stem in FEEDS and ext == "parquet":
            import pyarrow.parquet as pq

            feeds[stem] = FeedEntry(pq.read_metadata(path).num_rows, sha256_of(path))
    Manifest(str(day), encoding, feeds).write(folder)
    return folder / "_manifest.json"


def reference_date(
    inbox: Path, day: dt.date, *, encoding: str = "utf-8", **extra: list[Row]
) -> Path:
    """A date with the basic reference feeds (unit B1, staff S1, customers C1-C3, accounts
    A1-A3, security 600000.SH, product P1) plus any `feed=[rows]` given."""
    folder = inbox / day.isoformat()
    feeds: dict[str, list[Row]] = {
        "org_units": [make_org_unit("B1")],
        "staff": [make_staff("S1")],
        "customers": [make_customer(f"C{i}") for i in (1, 2, 3)],
        "accounts": [make_account(f"A{i}", f"C{i}") for i in (1, 2, 3)],
        "securities": [make_security("600000.SH")],
        "products": [make_product("P1")],
    }
    feeds.update(extra)
    for feed, rows in feeds.items():
        write_feed(folder, feed, rows, encoding=encoding)
    return folder


def fact_date(inbox: Path, day: dt.date, *, encoding: str = "utf-8", **extra: list[Row]) -> Path:
    """A date with clean facts for C1-C3 (assets, positions, one trade) plus `feed=[rows]`."""
    folder = inbox / day.isoformat()
    feeds: dict[str, list[Row]] = {
        "daily_assets": [make_daily_assets(f"C{i}", day) for i in (1, 2, 3)],
        "positions": [make_position(f"C{i}", f"A{i}", day=day) for i in (1, 2, 3)],
        "trades": [make_trade(f"T{day:%m%d}1", day)],
    }
    feeds.update(extra)
    for feed, rows in feeds.items():
        write_feed(folder, feed, rows, encoding=encoding)
    return folder


def as_json(row: Row) -> str:
    return json.dumps(row, ensure_ascii=False)


# -- running an ingest in tests ---------------------------------------------------------------

D1 = dt.date(2025, 1, 2)  # Thursday, a trading day
D2 = dt.date(2025, 1, 3)
D3 = dt.date(2025, 1, 6)  # Monday after
D4 = dt.date(2025, 1, 7)
SATURDAY = dt.date(2025, 1, 4)


def settings_for(home: Path, threshold: float = 1.0) -> Any:
    from brokerlens.config import Settings

    return Settings(home=home, quarantine_threshold=threshold)


def query(settings: Any, sql: str) -> list[tuple[Any, ...]]:
    from brokerlens.warehouse import run_query

    return run_query(settings, sql).rows


def quarantine_rows(settings: Any, feed: str) -> list[tuple[Any, ...]]:
    """(line, rule, column, value, raw as dict) of a feed's quarantined rows, by line."""
    rows = query(
        settings,
        f"select line, rule, \"column\", value, raw from quarantine where feed = '{feed}' "
        "order by line",
    )
    return [(line, rule, col, value, json.loads(raw)) for line, rule, col, value, raw in rows]

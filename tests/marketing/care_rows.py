"""Hand-built relations for the care occasions: contract-typed Arrow tables registered on a
DuckDB engine under the names the occasion queries read (`<feed>_history` with valid_from /
valid_to for reference feeds; `care_trades`, `care_positions`, `care_holdings` for facts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine

_ARROW = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "DECIMAL(18,2)": pa.decimal128(18, 2),
    "DECIMAL(18,4)": pa.decimal128(18, 4),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "BOOLEAN": pa.bool_(),
    "JSON": pa.string(),
}
SINCE = dt.date(2020, 1, 2)  # every reference row's valid_from


def _value(kind: pa.DataType, value: Any) -> Any:
    if value is None:
        return None
    if pa.types.is_decimal(kind):
        return Decimal(str(value))
    if pa.types.is_date(kind) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def table(feed: str, rows: list[dict[str, Any]], *, history: bool) -> pa.Table:
    """Rows of `feed` (missing columns NULL) as a table of the lake's types."""
    fields = [(c.name, _ARROW[LAKE_TYPES[c.type]]) for c in FEEDS[feed].columns]
    if history:
        fields += [("valid_from", pa.date32()), ("valid_to", pa.date32())]
    rows = [{"valid_from": SINCE, **r} for r in rows] if history else rows
    schema = pa.schema(fields)
    columns = {
        name: pa.array([_value(kind, r.get(name)) for r in rows], kind) for name, kind in fields
    }
    return pa.table(columns, schema=schema)


def register(engine: Engine, **feeds: list[dict[str, Any]]) -> None:
    """Every relation the occasions read, empty unless given (by feed name)."""
    reference = ("customers", "risk_assessments", "products", "securities", "corporate_actions")
    for feed in reference:
        engine.register_table(f"{feed}_history", table(feed, feeds.get(feed, []), history=True))
    facts = {
        "care_trades": "trades",
        "care_positions": "positions",
        "care_holdings": "product_holdings",
    }
    for name, feed in facts.items():
        engine.register_table(name, table(feed, feeds.get(feed, []), history=False))

"""customer_profile as of T: the indicators plus one column per classification of the catalog."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from brokerlens.classify.compile import profile_select
from brokerlens.classify.loader import load_active_catalog
from brokerlens.classify.versions import catalog_version
from brokerlens.config import Settings
from brokerlens.engine import Engine
from brokerlens.indicators import KEY_COLUMNS, Indicators, builtin_indicators, load_indicators
from brokerlens.warehouse.layout import WarehouseLayout

BASE_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("as_of_date", "DATE"),
    ("branch_id", "VARCHAR"),
    ("status", "VARCHAR"),
    ("open_date", "DATE"),
]
assert tuple(n for n, _ in BASE_COLUMNS) == KEY_COLUMNS


def indicator_columns(indicators: Indicators | None = None) -> list[tuple[str, str]]:
    """The columns of customer_indicators: the keys, then every indicator of `indicators` (the
    installation's, derived ones included; None: the shipped ones)."""
    types = {"number": "DOUBLE", "text": "VARCHAR"}
    known = indicators if indicators is not None else builtin_indicators()
    return [*BASE_COLUMNS, *((i.id, types[i.type]) for i in known.values())]


def compute_profile(
    engine: Engine, settings: Settings, warehouse: WarehouseLayout, as_of: dt.date
) -> tuple[int, str]:
    """Write `profile/<T>.parquet` from `indicators/<T>.parquet`; returns (rows, version)."""
    catalog = load_active_catalog(settings)
    version = catalog_version(settings)
    indicators = load_indicators(settings)
    engine.register_parquet(
        "customer_indicators", [warehouse.indicators_file(as_of)], indicator_columns(indicators)
    )
    select = profile_select(catalog, "customer_indicators", indicators).select(
        exp.alias_(exp.Literal.string(version), "catalog_version")
    )
    rows = engine.write_parquet(select.sql(dialect="duckdb"), warehouse.profile_file(as_of))
    return rows, version

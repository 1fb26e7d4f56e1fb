"""customer_profile as of T: the indicators plus one column per classification of the catalog."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from brokerlens.classify.compile import profile_select
from brokerlens.classify.loader import load_active_catalog
from brokerlens.classify.versions import catalog_version
from brokerlens.config import Settings
from brokerlens.engine import Engine
from brokerlens.indicators import load_indicators
from brokerlens.warehouse.layout import WarehouseLayout

BASE_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("as_of_date", "DATE"),
    ("branch_id", "VARCHAR"),
    ("status", "VARCHAR"),
    ("open_date", "DATE"),
]


def indicator_columns() -> list[tuple[str, str]]:
    types = {"number": "DOUBLE", "text": "VARCHAR"}
    return [*BASE_COLUMNS, *((i.id, types[i.type]) for i in load_indicators().values())]


def compute_profile(
    engine: Engine, settings: Settings, warehouse: WarehouseLayout, as_of: dt.date
) -> tuple[int, str]:
    """Write `profile/<T>.parquet` from `indicators/<T>.parquet`; returns (rows, version)."""
    catalog = load_active_catalog(settings)
    version = catalog_version(settings)
    engine.register_parquet(
        "customer_indicators", [warehouse.indicators_file(as_of)], indicator_columns()
    )
    select = profile_select(catalog, source="customer_indicators").select(
        exp.alias_(exp.Literal.string(version), "catalog_version")
    )
    rows = engine.write_parquet(select.sql(dialect="duckdb"), warehouse.profile_file(as_of))
    return rows, version

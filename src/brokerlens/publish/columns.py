"""The published profile's columns: name, kind and type, as `snapshots.columns` records them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["customer", "indicator", "classification", "meta"]
ColumnType = Literal["text", "number", "date", "integer", "boolean"]

# The customers reference columns as of T, in the contract's order; region_id is derived.
CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "name",
    "customer_type",
    "id_type",
    "id_no",
    "gender",
    "birth_date",
    "phone",
    "email",
    "city",
    "branch_id",
    "region_id",
    "open_date",
    "open_channel",
    "investor_class",
    "status",
    "close_date",
)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: Kind
    type: ColumnType

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "type": self.type}


def column_type(duckdb_type: str) -> ColumnType:
    """The store type for a DuckDB type name (DECIMAL(18,2), BIGINT, DATE ...)."""
    upper = duckdb_type.upper()
    if upper == "BOOLEAN":
        return "boolean"
    if upper == "DATE":
        return "date"
    if upper.startswith(("DECIMAL", "DOUBLE", "FLOAT", "REAL")):
        return "number"
    if upper.endswith("INT") or upper in {"BIGINT", "INTEGER", "SMALLINT", "TINYINT"}:
        return "integer"
    return "text"  # VARCHAR, and anything else (timestamps) published as its text


def column_kind(name: str, indicators: set[str], classifications: set[str]) -> Kind:
    if name in CUSTOMER_COLUMNS:
        return "customer"
    if name in classifications:
        return "classification"
    if name in indicators:
        return "indicator"
    return "meta"

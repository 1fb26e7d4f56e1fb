"""The served snapshot: which profile table readers use, its columns and its catalog.

`served_snapshot` is called on every request: one small query finds the served snapshot id; the
table definition, parsed catalog and compiled rules are built once per snapshot and kept.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from brokerlens.classify.compile import CompiledClassification, compile_catalog
from brokerlens.classify.model import Catalog
from brokerlens.errors import NotFound
from brokerlens.indicators import Indicator, Indicators, builtin_indicators
from brokerlens.store.schema import serving, snapshots

# The store types of `snapshots.columns` types (as publish creates the profile table).
_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "text": sa.Text(),
    "number": sa.Float(precision=53),
    "integer": sa.BigInteger(),
    "date": sa.Date(),
    "boolean": sa.Boolean(),
}


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    kind: str  # customer, indicator, classification, meta
    type: str  # text, number, date, integer, boolean


@dataclass(frozen=True, eq=False)
class Snapshot:
    snapshot_id: int
    as_of_date: dt.date
    table_name: str
    table: sa.Table
    columns: tuple[ColumnInfo, ...]
    catalog: Catalog | None
    catalog_version: str = ""
    rows: int = 0
    columnar_path: str | None = None  # the profile as Parquet, for lists and counts (DuckDB)
    by_name: dict[str, ColumnInfo] = field(default_factory=dict, repr=False)

    def column(self, name: str) -> ColumnInfo | None:
        return self.by_name.get(name)

    def names(self, kind: str | None = None) -> list[str]:
        return [c.name for c in self.columns if kind is None or c.kind == kind]

    @cached_property
    def compiled(self) -> list[CompiledClassification]:
        """The snapshot's catalog compiled, for `why` (the rules the profile was made with)."""
        if self.catalog is None:
            return []
        return compile_catalog(self.catalog, indicators=self.indicators)

    @cached_property
    def indicators(self) -> Indicators:
        """What the catalog may name: the shipped indicators and the snapshot's other indicator
        columns (an installation's own, as they were published: name and type)."""
        known = dict(builtin_indicators())
        for column in self.columns:
            if column.kind == "indicator" and column.name not in known:
                known[column.name] = Indicator(
                    id=column.name,
                    zh=column.name,
                    en=column.name,
                    meaning="an installation's indicator, as published",
                    unit="-",
                    type="text" if column.type == "text" else "number",
                    model="published",
                )
        return known


_cache: dict[tuple[str, int], Snapshot] = {}
_lock = threading.Lock()


def _engine_key(db: sa.Engine) -> str:
    return db.url.render_as_string(hide_password=True)


def served_snapshot(db: sa.Engine) -> Snapshot:
    """The snapshot `serving` names; NotFound when nothing has been published yet."""
    with db.connect() as connection:
        return served_snapshot_on(connection)


def served_snapshot_on(connection: sa.Connection) -> Snapshot:
    """As `served_snapshot`, on a connection already open (one round trip when cached)."""
    row = connection.execute(
        sa.select(
            snapshots.c.snapshot_id,
            snapshots.c.as_of_date,
            snapshots.c.table_name,
            snapshots.c.columnar_path,
        )
        .select_from(serving.join(snapshots, serving.c.snapshot_id == snapshots.c.snapshot_id))
        .where(serving.c.id == 1)
    ).first()
    if row is None:
        raise NotFound("nothing published yet", hint="run brokerlens run")
    key = (_engine_key(connection.engine), int(row.snapshot_id))
    cached = _cache.get(key)
    if (
        cached is not None
        and cached.table_name == row.table_name
        and cached.columnar_path == row.columnar_path
    ):
        return cached
    detail = connection.execute(
        sa.select(
            snapshots.c.columns,
            snapshots.c.catalog,
            snapshots.c.catalog_version,
            snapshots.c.rows,
        ).where(snapshots.c.snapshot_id == row.snapshot_id)
    ).one()
    snapshot = _build(row, detail)
    with _lock:
        if len(_cache) > 64:  # tests and long-lived processes: keep the cache bounded
            _cache.clear()
        _cache[key] = snapshot
    return snapshot


def _build(row: Any, detail: Any) -> Snapshot:
    columns = tuple(
        ColumnInfo(str(c["name"]), str(c.get("kind", "meta")), str(c.get("type", "text")))
        for c in detail.columns
    )
    table = sa.Table(row.table_name, sa.MetaData())
    for col in columns:
        if col.name == "customer_id":
            table.append_column(sa.Column(col.name, sa.String(32), primary_key=True))
        else:
            table.append_column(sa.Column(col.name, _TYPES.get(col.type, sa.Text())))
    try:
        catalog: Catalog | None = Catalog.model_validate(detail.catalog)
    except ValueError:
        catalog = None  # labels and `why` are then unavailable; the data still serves
    return Snapshot(
        snapshot_id=int(row.snapshot_id),
        as_of_date=row.as_of_date,
        table_name=str(row.table_name),
        table=table,
        columns=columns,
        catalog=catalog,
        catalog_version=str(detail.catalog_version or ""),
        rows=int(detail.rows or 0),
        columnar_path=row.columnar_path,
        by_name={c.name: c for c in columns},
    )


def clear_cache() -> None:
    with _lock:
        _cache.clear()

"""The Parquet copy of a test store's served profile, as publish writes it, and a switch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from access.builders import World
from brokerlens.access.snapshot import clear_cache, served_snapshot
from brokerlens.store.schema import snapshots

ARROW: dict[str, pa.DataType] = {
    "text": pa.string(),
    "number": pa.float64(),
    "integer": pa.int64(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


def write_columnar(world: World, path: Path) -> Path:
    """The served profile table as Parquet (rows by customer_id), its columns and types."""
    snapshot = served_snapshot(world.engine)
    table = snapshot.table
    with world.engine.connect() as connection:
        rows: list[dict[str, Any]] = [
            dict(r)
            for r in connection.execute(sa.select(table).order_by(table.c.customer_id)).mappings()
        ]
    schema = pa.schema([(c.name, ARROW[c.type]) for c in snapshot.columns])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, compression="zstd")
    return path


def use_columnar(world: World, path: Path | str | None) -> None:
    """Point the served snapshot at the Parquet copy (None: the store answers)."""
    snapshot = served_snapshot(world.engine)
    with world.engine.begin() as connection:
        connection.execute(
            snapshots.update()
            .where(snapshots.c.snapshot_id == snapshot.snapshot_id)
            .values(columnar_path=None if path is None else str(path))
        )


READERS = ["store", "columnar"]


def serve_from(reader: str, world: World, tmp_path: Path) -> World:
    """The world answering from the store's profile table, or from its Parquet copy (DuckDB)."""
    if reader == "columnar":
        use_columnar(world, write_columnar(world, tmp_path / "profile_2.parquet"))
    return world


def serve_on(
    world: World,
    day: dt.date,
    assets: dict[str, float | None],
    tmp_path: Path | None = None,
    drop: tuple[str, ...] = (),
) -> None:
    """The served profile served again on `day`, some customers' `total_assets_t` changed (and
    the customers `drop` no longer served): a second date for the groups' refresh. A columnar
    world (`tmp_path` given) gets its copy written again."""
    clear_cache()
    with world.engine.begin() as c:
        served = c.execute(sa.select(snapshots).where(snapshots.c.status == "served")).one()
        table = sa.Table(served.table_name, sa.MetaData(), autoload_with=c)
        for customer, value in assets.items():
            c.execute(
                table.update().where(table.c.customer_id == customer).values(total_assets_t=value)
            )
        if drop:
            c.execute(table.delete().where(table.c.customer_id.in_(drop)))
        c.execute(
            snapshots.update()
            .where(snapshots.c.snapshot_id == served.snapshot_id)
            .values(as_of_date=day)
        )
    if tmp_path is not None and getattr(world, "reader", "store") == "columnar":
        use_columnar(world, write_columnar(world, tmp_path / f"profile_{day}.parquet"))
    clear_cache()


def thousand_customers(path: Path) -> str:
    """A served copy of 1,000 customers C00000.. whose assets spread over 0..999 (each value
    once), written at `path`; its path as access takes it."""
    duckdb.connect().execute(
        "COPY (SELECT printf('C%05d', i) AS customer_id, (i * 7919) % 1000 AS total_assets_t "
        f"FROM range(1000) t(i)) TO '{path}' (FORMAT parquet)"
    )
    return str(path)

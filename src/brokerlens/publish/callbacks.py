"""Loading T's call-back tasks (the run's `compliance/callbacks/<T>.parquet`) into the store's
`callbacks` when T is published: only the tasks the store lacks (kind, customer, source).

A new account is in the file of every run of its lookback window: the first makes its task. The
year's sample is drawn by the run while the store has none of the year; its rows say their
stratum's base and quota, kept in `callback_samples` once (after the tasks, so a publish cut
short leaves the sample undrawn and the next run draws the same customers again, the seed being
the same). A file drawn while there was no store yet is not loaded over a sample drawn
since. Replacement rows (the sample's, without a stratum) are loaded like new accounts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.compliance.callbacks.config import CallbackConfig, load_config
from brokerlens.compliance.retention import keep_until
from brokerlens.config import Settings
from brokerlens.publish.bulk import load_in_batches
from brokerlens.store.compliance_schema import callback_samples, callbacks
from brokerlens.warehouse.layout import WarehouseLayout

SAMPLE = "annual_sample"
RUN = "run"  # created_by of the rules' tasks
# The columns a rule's task is loaded with (the rest start empty); its id is the store's.
LOADED = (
    "customer_id", "kind", "source_ref", "branch_id", "tier", "created_on", "due_date",
    "status", "attempts", "created_by", "keep_until",
)  # fmt: skip
_LOADED_TABLE = sa.Table(callbacks.name, sa.MetaData(), *(sa.Column(n) for n in LOADED))


def publish_callbacks(db: sa.Engine, settings: Settings, as_of: dt.date) -> int:
    """Insert the call-back tasks of `as_of` the store lacks; returns how many were inserted."""
    path = WarehouseLayout(settings.warehouse_dir).callbacks_file(as_of)
    if not path.is_file():
        return 0
    table = pq.ParquetFile(path).read()
    if table.num_rows == 0:
        return 0
    config = load_config(settings)
    keys = list(
        zip(
            *(table.column(c).to_pylist() for c in ("kind", "customer_id", "source_ref")),
            strict=True,
        )
    )
    drawing = [b is not None for b in table.column("stratum_base").to_pylist()]
    with db.connect() as connection:
        have = _known(connection, keys)
        drawn = _drawn_years(connection, keys)
    keep = []
    for key, draw in zip(keys, drawing, strict=True):
        # a draw of a year whose sample the store holds already is not loaded over it
        wanted = key not in have and not (draw and int(key[2]) in drawn)
        keep.append(wanted)
        if wanted:
            have.add(key)
    if not any(keep):
        return 0
    new = table.filter(pa.array(keep, pa.bool_()))
    sqlite = db.dialect.name == "sqlite"
    loaded = load_in_batches(db, _LOADED_TABLE, _rows(new, as_of, config, sqlite).to_batches())
    strata = _strata(new, config, as_of)
    if strata:
        with db.begin() as connection:
            connection.execute(callback_samples.insert(), strata)
    return loaded


def _rows(new: pa.Table, as_of: dt.date, config: CallbackConfig, sqlite: bool) -> pa.Table:
    """The tasks in the store's form (SQLite: dates as ISO text, as SQLAlchemy keeps them)."""
    n = new.num_rows

    def day(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        return pc.cast(values, pa.string()) if sqlite else values

    def const(value: object, kind: pa.DataType) -> pa.Array:
        return pa.array([value] * n, kind)

    columns = {
        "customer_id": new.column("customer_id"),
        "kind": new.column("kind"),
        "source_ref": new.column("source_ref"),
        "branch_id": new.column("branch_id"),
        "tier": new.column("tier"),
        "created_on": day(const(as_of, pa.date32())),
        "due_date": day(new.column("due_date")),
        "status": const("pending", pa.string()),
        "attempts": const(0, pa.int64()),
        "created_by": const(RUN, pa.string()),
        "keep_until": day(const(keep_until(as_of, config.retention_years), pa.date32())),
    }
    return pa.table([columns[name] for name in LOADED], names=list(LOADED))


def _strata(new: pa.Table, config: CallbackConfig, as_of: dt.date) -> list[dict[str, Any]]:
    """The strata of the draws loaded, one row each (every row of a stratum says its base)."""
    drawn = new.filter(new.column("stratum_base").is_valid())
    found: dict[tuple[int, str, str], dict[str, Any]] = {}
    for row in drawn.select(
        ["source_ref", "branch_id", "tier", "stratum_base", "stratum_quota"]
    ).to_pylist():
        key = (int(row["source_ref"]), row["branch_id"], row["tier"])
        found[key] = {
            "year": key[0],
            "branch_id": key[1],
            "tier": key[2],
            "base": int(row["stratum_base"]),
            "quota": int(row["stratum_quota"]),
            "share": config.annual_sample.share,
            "seed": config.annual_sample.seed,
            "drawn_on": as_of,
        }
    return list(found.values())


def _known(
    connection: sa.Connection, keys: list[tuple[str, str, str]]
) -> set[tuple[str, str, str]]:
    """The store's keys of the kinds and sources the file holds (new accounts from its oldest
    open date on, the sample of its years)."""
    have: set[tuple[str, str, str]] = set()
    opened = [s for k, _, s in keys if k == "new_account"]
    years = sorted({s for k, _, s in keys if k == SAMPLE})
    c = callbacks.c
    wheres = []
    if opened:
        wheres.append(sa.and_(c.kind == "new_account", c.source_ref >= min(opened)))
    if years:
        wheres.append(sa.and_(c.kind == SAMPLE, c.source_ref.in_(years)))
    if wheres:
        found = connection.execute(
            sa.select(c.kind, c.customer_id, c.source_ref).where(sa.or_(*wheres))
        )
        have.update((str(k), str(i), str(s)) for k, i, s in found)
    return have


def _drawn_years(connection: sa.Connection, keys: list[tuple[str, str, str]]) -> set[int]:
    years = {int(s) for k, _, s in keys if k == SAMPLE}
    if not years:
        return set()
    found = connection.execute(
        sa.select(callback_samples.c.year).where(callback_samples.c.year.in_(sorted(years)))
    )
    return {int(y) for y in found.scalars()}

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

import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.compliance.callbacks.config import CallbackConfig, load_config
from brokerlens.compliance.retention import keep_until
from brokerlens.config import Settings
from brokerlens.store.compliance_schema import callback_samples, callbacks
from brokerlens.warehouse.layout import WarehouseLayout

BATCH = 5_000  # rows per transaction: SQLite's one write lock is let go between them
SAMPLE = "annual_sample"
RUN = "run"  # created_by of the rules' tasks


def publish_callbacks(db: sa.Engine, settings: Settings, as_of: dt.date) -> int:
    """Insert the call-back tasks of `as_of` the store lacks; returns how many were inserted."""
    path = WarehouseLayout(settings.warehouse_dir).callbacks_file(as_of)
    if not path.is_file():
        return 0
    rows = pq.read_table(path).to_pylist()
    if not rows:
        return 0
    config = load_config(settings)
    strata: dict[tuple[str, str], dict[str, Any]] = {}
    with db.connect() as connection:
        have = _known(connection, rows)
        drawn = _drawn_years(connection, rows)
    keep = keep_until(as_of, config.retention_years)
    new = []
    for row in rows:
        key = (row["kind"], row["customer_id"], row["source_ref"])
        if key in have:
            continue
        if row["stratum_base"] is not None:  # a draw of the year's sample
            year = int(row["source_ref"])
            if year in drawn:
                continue
            strata[(row["branch_id"], row["tier"])] = _stratum(row, year, config, as_of)
        have.add(key)
        new.append(_values(row, as_of, keep))
    for start in range(0, len(new), BATCH):
        with db.begin() as connection:
            connection.execute(callbacks.insert(), new[start : start + BATCH])
    if strata:
        with db.begin() as connection:
            connection.execute(callback_samples.insert(), list(strata.values()))
    return len(new)


def _known(connection: sa.Connection, rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """The store's keys of the kinds and sources the file holds (new accounts from its oldest
    open date on, the sample of its years)."""
    have: set[tuple[str, str, str]] = set()
    opened = [r["source_ref"] for r in rows if r["kind"] == "new_account"]
    years = sorted({r["source_ref"] for r in rows if r["kind"] == SAMPLE})
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


def _drawn_years(connection: sa.Connection, rows: list[dict[str, Any]]) -> set[int]:
    years = {int(r["source_ref"]) for r in rows if r["kind"] == SAMPLE}
    if not years:
        return set()
    found = connection.execute(
        sa.select(callback_samples.c.year).where(callback_samples.c.year.in_(sorted(years)))
    )
    return {int(y) for y in found.scalars()}


def _stratum(
    row: dict[str, Any], year: int, config: CallbackConfig, as_of: dt.date
) -> dict[str, Any]:
    return {
        "year": year,
        "branch_id": row["branch_id"],
        "tier": row["tier"],
        "base": int(row["stratum_base"]),
        "quota": int(row["stratum_quota"]),
        "share": config.annual_sample.share,
        "seed": config.annual_sample.seed,
        "drawn_on": as_of,
    }


def _values(row: dict[str, Any], as_of: dt.date, keep: dt.date) -> dict[str, Any]:
    return {
        "customer_id": row["customer_id"],
        "kind": row["kind"],
        "source_ref": row["source_ref"],
        "branch_id": row["branch_id"],
        "tier": row["tier"],
        "created_on": as_of,
        "due_date": row["due_date"],
        "status": "pending",
        "attempts": 0,
        "created_by": RUN,
        "keep_until": keep,
    }

"""Ground truth of a run, outside the date folders: archetypes, appetites, churn, bad rows, and
the generator's own purchase propensity (the oracle of product recommendation).

`_ground_truth/product_propensity.parquet`: as_of_date (date), customer_id, product_id,
propensity (float32, 0..1). Every simulate.ORACLE_EVERY (20) trading days from the first date,
for every active customer, the simulate.ORACLE_TOP (20) products with the highest chance that
the customer buys (subscribe or purchase) them within the next otc.HORIZON (20) trading days,
as the generator's drivers (otc.py) see it on that day after its trades: pairs not listed have
a lower (often zero) propensity. Rows are sorted by as_of_date, customer, falling propensity.

`_ground_truth/effects.parquet` (effects.EFFECTS_SCHEMA): every contact effect applied (a
reached broker contact of the contacts feed, a row of `--actions`), with the customer's odds of
churn and of purchases without and with it; docs/generator-effects.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.generate import archetypes as ar
from brokerlens.generate import churn
from brokerlens.generate.churn import CAUSES, HARD, SOFT
from brokerlens.generate.effects import EFFECTS_SCHEMA
from brokerlens.generate.options import GROUND_TRUTH_DIR
from brokerlens.generate.org_events import ORG_EVENTS_SCHEMA
from brokerlens.generate.simulate import PROPENSITY_SCHEMA, Simulation
from brokerlens.generate.tables import NULL_INT, labels

BAD_ROWS_SCHEMA = pa.schema(
    [
        ("biz_date", pa.date32()),
        ("feed", pa.string()),
        ("line", pa.int64()),
        ("rule", pa.string()),
        ("key", pa.string()),
    ]
)


def write_customers(sim: Simulation, out: Path) -> None:
    folder = out / GROUND_TRUTH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    s, pop = sim.s, sim.pop
    happened = sim.churn_day != NULL_INT
    signalled = (s.ch_signal_t >= 0) & (s.ch_signal_t < len(sim.day_numbers))
    signal_day = np.where(
        signalled,
        np.asarray(sim.day_numbers)[np.clip(s.ch_signal_t, 0, len(sim.day_numbers) - 1)],
        NULL_INT,
    )
    kind = np.full(len(happened), None, dtype=object)
    kind[happened & (s.ch_kind == HARD)] = "hard"
    kind[happened & (s.ch_kind == SOFT)] = "soft"
    rescued = s.rescued_t >= 0
    rescue_day = np.asarray(sim.day_numbers)[np.maximum(s.rescued_t, 0)]
    cause = np.full(len(happened), None, dtype=object)
    cause[signalled] = np.asarray(CAUSES, dtype=object)[s.ch_cause[signalled]]
    table = pa.table(
        {
            "customer_id": sim.cust_ids,
            "archetype": labels(ar.NAMES, pop.arch),
            "true_risk_appetite": pa.array(pop.appetite.astype(np.int64)),
            "churn_date": pa.array(
                np.where(happened, sim.churn_day, 0).astype(np.int32), pa.date32(), mask=~happened
            ),
            "churn_kind": pa.array(kind, pa.string()),
            "churn_cause": pa.array(cause, pa.string()),
            "signal_date": pa.array(
                np.where(signalled, signal_day, 0).astype(np.int32), pa.date32(), mask=~signalled
            ),
            # the last day a churn under way was called off by a contact (effects.py)
            "rescued_date": pa.array(
                np.where(rescued, rescue_day, 0).astype(np.int32), pa.date32(), mask=~rescued
            ),
        }
    )
    pq.write_table(table, folder / "customers.parquet")


def write_org_events(sim: Simulation, out: Path) -> None:
    """`_ground_truth/org_events.parquet` (issue 19): team leads who left with reports, and
    cross-branch transfers with or without the book (generate/org_events.py)."""
    folder = out / GROUND_TRUTH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(sim.org_events.table().cast(ORG_EVENTS_SCHEMA), folder / "org_events.parquet")


def write_bad_rows(rows: list[pa.Table], out: Path) -> None:
    folder = out / GROUND_TRUTH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.concat_tables(rows) if rows else BAD_ROWS_SCHEMA.empty_table()
    pq.write_table(table, folder / "bad_rows.parquet")


class PropensityWriter:
    """Streams the oracle's tables into `_ground_truth/product_propensity.parquet` (or another
    ground-truth file of another schema)."""

    def __init__(
        self, out: Path, name: str = "product_propensity.parquet", schema: pa.Schema | None = None
    ) -> None:
        folder = out / GROUND_TRUTH_DIR
        folder.mkdir(parents=True, exist_ok=True)
        self.schema = PROPENSITY_SCHEMA if schema is None else schema
        self.writer = pq.ParquetWriter(folder / name, self.schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        self.writer.write_table(table.cast(self.schema))

    def close(self) -> None:
        self.writer.close()


def churn_propensity_writer(out: Path) -> PropensityWriter:
    """`_ground_truth/churn_propensity.parquet`, one row group every churn check."""
    return PropensityWriter(out, "churn_propensity.parquet", churn.PROPENSITY_SCHEMA)


def effects_writer(out: Path) -> PropensityWriter:
    """`_ground_truth/effects.parquet`, one row group a day."""
    return PropensityWriter(out, "effects.parquet", EFFECTS_SCHEMA)


# the streamed ground-truth files, by the name a Delivery opens them (deliver.py)
STREAMED = {
    "propensity": ("product_propensity.parquet", PROPENSITY_SCHEMA),
    "effects": ("effects.parquet", EFFECTS_SCHEMA),
    "churn": ("churn_propensity.parquet", churn.PROPENSITY_SCHEMA),
}


def new_sink(out: Path) -> Callable[[str], PropensityWriter]:
    """Opens a streamed ground-truth file afresh (a run)."""

    def open_(name: str) -> PropensityWriter:
        file, schema = STREAMED[name]
        return PropensityWriter(out, file, schema)

    return open_


class AppendingWriter:
    """Appends row groups to a streamed ground-truth file (a continuation): on the first table,
    a copy of the file, row group by row group, is written next to it, then the new tables; on
    close it replaces the file. Without a new table the file is left as it was."""

    def __init__(self, out: Path, name: str, schema: pa.Schema) -> None:
        self.path = out / GROUND_TRUTH_DIR / name
        self.part = self.path.with_name(name + ".part")
        self.schema = schema
        self.writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.part, self.schema, compression="zstd")
            if self.path.exists():
                old = pq.ParquetFile(self.path)
                for i in range(old.num_row_groups):
                    self.writer.write_table(old.read_row_group(i).cast(self.schema))
        self.writer.write_table(table.cast(self.schema))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.part.replace(self.path)


def appending_sink(out: Path) -> Callable[[str], AppendingWriter]:
    def open_(name: str) -> AppendingWriter:
        file, schema = STREAMED[name]
        return AppendingWriter(out, file, schema)

    return open_


def append_bad_rows(rows: list[pa.Table], out: Path) -> None:
    """The continuation's bad rows after the ones already listed (file kept when none)."""
    if not rows:
        return
    path = out / GROUND_TRUTH_DIR / "bad_rows.parquet"
    old = [pq.read_table(path)] if path.exists() else []
    table = pa.concat_tables([*old, *rows]).cast(BAD_ROWS_SCHEMA).combine_chunks()
    pq.write_table(table, path)

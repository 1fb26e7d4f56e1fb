"""Ground truth of a run, outside the date folders: archetypes, appetites, churn, bad rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.generate import archetypes as ar
from brokerlens.generate.churn import CAUSES, HARD, SOFT
from brokerlens.generate.options import GROUND_TRUTH_DIR
from brokerlens.generate.simulate import Simulation
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
        }
    )
    pq.write_table(table, folder / "customers.parquet")


def write_bad_rows(rows: list[pa.Table], out: Path) -> None:
    folder = out / GROUND_TRUTH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.concat_tables(rows) if rows else BAD_ROWS_SCHEMA.empty_table()
    pq.write_table(table, folder / "bad_rows.parquet")

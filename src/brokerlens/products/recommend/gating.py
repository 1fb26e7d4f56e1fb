"""The suitability gate (`recommend.gate`) over a snapshot's customers and shelf, by chunk."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brokerlens.config import Settings
from brokerlens.products.recommend.config import load_config
from brokerlens.products.recommend.gate import (
    REASONS,
    GateCustomers,
    gate,
    gate_customers,
    gate_products,
)
from brokerlens.products.recommend.score import GateFn
from brokerlens.products.recommend.snapshot import Snapshot
from brokerlens.store import store_if_present
from brokerlens.suitability.rules import load_rules
from brokerlens.suitability.workflow import treatments


def _treated(settings: Settings) -> dict[str, str]:
    """Approved investor-class requests (none before the store exists)."""
    db = store_if_present(settings)
    return {} if db is None else treatments(db)


def suitability_gate(
    settings: Settings, snap: Snapshot, facts: pa.Table
) -> tuple[GateFn, tuple[str, ...], np.ndarray]:
    """(the gate for rows of the snapshot, its reasons, who is a professional investor).
    An approved investor-class request counts as the service layer counts it; a customer
    without suitability facts of T is gated as one without an assessment."""
    rules = load_rules(settings)
    where = pc.index_in(
        pa.array(snap.customer_ids.tolist(), pa.string()), value_set=facts.column("customer_id")
    )
    idx = np.asarray(where.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
    found = idx >= 0
    aligned = gate_customers(
        facts.take(pa.array(np.where(found, idx, 0))),
        snap.as_of,
        rules,
        treated=_treated(settings),
    )
    if not found.all():
        aligned = dataclasses.replace(
            aligned,
            professional=aligned.professional & found,
            has_assessment=aligned.has_assessment & found,
        )
    products = gate_products(snap.shelf.table, rules, load_config(settings))
    fields = [f.name for f in dataclasses.fields(GateCustomers)]

    def bits(rows: np.ndarray) -> np.ndarray:
        part = GateCustomers(**{name: getattr(aligned, name)[rows] for name in fields})
        return gate(part, products, snap.held[rows].toarray() > 0)

    return bits, REASONS, aligned.professional

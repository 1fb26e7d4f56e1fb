from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from access.builders import AS_OF, CUSTOMERS, World, build_world
from brokerlens.access.snapshot import clear_cache
from brokerlens.activation import activation_file
from brokerlens.activation.config import FACTORS
from brokerlens.config import Settings
from brokerlens.warehouse.layout import WarehouseLayout

# The access world's ten customers as candidates: odd numbers dormant, even ones empty; the
# score falls with the number, so C001 ranks first.
KINDS = {c[0]: "dormant" if int(c[0][1:]) % 2 else "empty" for c in CUSTOMERS}


def candidate_rows() -> list[dict[str, Any]]:
    rows = []
    for n, (cid, name, branch, region, phone, *_) in enumerate(CUSTOMERS, start=1):
        kind = KINDS[cid]
        score = 90.0 - 5 * n
        row: dict[str, Any] = {
            "customer_id": cid,
            "as_of_date": AS_OF,
            "kind": kind,
            "basis": "no_trade_window" if kind == "dormant" else "emptied",
            "branch_id": branch,
            "region_id": region,
            "name": name,
            "customer_type": "individual",
            "phone": phone,
            "open_date": AS_OF.replace(year=2015),
            "open_channel": "referral",
            "age": 40 + n,
            "servicer_id": None,
            "cash": 10.0,
            "total_assets": 10.0,
            "peak_assets": 100_000.0 * (11 - n),
            "net_commission": 500.0,
            "last_trade_month": AS_OF.replace(year=2021, day=1),
            "last_contact_date": None,
            "recent_inflow": 0.0,
            "tenure_years": 10.0,
            "history_start": AS_OF.replace(year=2021),
            "window_start": AS_OF.replace(year=2022),
        }
        row |= {f"p_{f}": 0.0 for f in FACTORS}
        row |= {"p_peak_assets": score - 10, "p_tenure": 10.0, "score": score, "rank": n}
        rows.append(row)
    return rows


def write_candidates(settings: Settings, rows: list[dict[str, Any]]) -> None:
    path = activation_file(WarehouseLayout(settings.warehouse_dir), AS_OF)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    clear_cache()
    built = build_world(store_settings)
    write_candidates(store_settings, candidate_rows())
    yield built
    clear_cache()

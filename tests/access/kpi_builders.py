"""A hand-built KPI month on the hand-built store (access/builders.py), written where the run
step writes it: the scheme applied as version 1 (brokers only: net commission 60, new customers
40), every staff member's values, the scores and ranks computed by brokers.kpi.scoring, and the
customers behind S1's, S2's, S3's and S4's figures.

S1 44 (T1, B1), S2 94 (T1, B1), S3 60 (T2, B1), S4 50 (T3, B3). S1's net commission of 400 is
C002 300 (S1's customer) and C006 100 (branch B2: outside S1's and B1's scope)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from access.builders import STAFF, World
from brokerlens.brokers.kpi.build import read_values, scores_table
from brokerlens.brokers.kpi.schemes import active_version, apply_text, load_active
from brokerlens.brokers.kpi.scoring import score_all
from brokerlens.warehouse.layout import WarehouseLayout

MONTH = dt.date(2025, 3, 1)
AS_OF = dt.date(2025, 3, 14)
SCHEME = """
schemes:
  - position: broker
    name_zh: 客户经理
    name_en: Broker
    metrics:
      - {metric: net_commission, weight: 60, rule: linear, target: 1000}
      - metric: new_customers
        weight: 40
        rule: thresholds
        thresholds: [{at: 1, score: 50}, {at: 3, score: 100}]
"""
WHERE = {"T1": ("B1", "R1"), "T2": ("B1", "R1"), "T3": ("B3", "R2")}
FIGURES = {"S1": (400, 1), "S2": (900, 3), "S3": (1000, 0), "S4": (500, 1)}
# staff, metric, customer, role, weight, amount, credited
DETAIL = [
    ("S1", "net_commission", "C002", "developer", 1, 300, 300),
    ("S1", "net_commission", "C006", "developer", 1, 100, 100),
    ("S1", "new_customers", "C001", "developer", 1, 1, 1),
    ("S2", "net_commission", "C003", "developer", 1, 900, 900),
    ("S3", "net_commission", "C004", "developer", 1, 1000, 1000),
    ("S4", "net_commission", "C007", "developer", 1, 500, 500),
]


def write_kpi_month(world: World) -> None:
    apply_text(world.settings, SCHEME, "scheme.yaml", user="setup")
    layout = WarehouseLayout(world.settings.warehouse_dir)
    values = []
    for staff_id, _, unit, position in STAFF:
        commission, new = FIGURES.get(staff_id, (0, 0))
        for metric, value in (("net_commission", commission), ("new_customers", new)):
            values.append(
                {
                    "month": MONTH,
                    "as_of_date": AS_OF,
                    "staff_id": staff_id,
                    "position": position,
                    "unit_id": unit,
                    "branch_id": WHERE[unit][0],
                    "region_id": WHERE[unit][1],
                    "metric": metric,
                    "value": Decimal(value),
                    "customers": 1,
                }
            )
    path = layout.kpi_values_file(MONTH)
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema(
        [
            *((n, pa.date32()) for n in ("month", "as_of_date")),
            *((n, pa.string()) for n in ("staff_id", "position", "unit_id", "branch_id")),
            ("region_id", pa.string()),
            ("metric", pa.string()),
            ("value", pa.decimal128(38, 6)),
            ("customers", pa.int64()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(values, schema=schema), path)
    scored = score_all(load_active(world.settings), read_values(path))
    pq.write_table(
        scores_table(scored, MONTH, AS_OF, active_version(world.settings)), layout.kpi_file(MONTH)
    )
    detail = [
        {
            "month": MONTH,
            "metric": m,
            "staff_id": s,
            "customer_id": c,
            "role": r,
            "weight": Decimal(w),
            "amount": Decimal(a),
            "credited": Decimal(cr),
        }
        for s, m, c, r, w, a, cr in DETAIL
    ]
    layout.kpi_detail_file(MONTH).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(detail), layout.kpi_detail_file(MONTH))

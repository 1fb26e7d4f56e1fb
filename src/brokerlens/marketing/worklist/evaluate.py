"""The work list's value on a generated brokerage: did the brokers' lists of T name the
customers who then churned?

Of the customers who churned (the generator's ground truth, `churn_date`) within the next
`horizon` trading days after T, how many were in their broker's top `top` rows on T (recall),
and how many of those top rows were such customers (precision); against the raw alert inbox
(every customer with a new alert of T, or with any alert of T; and each broker's first `top`
new alerts in the inbox's default order, newest row first) and `top` customers per broker
drawn at random (seeded).
Customers whose churn was known by T, and customers without a broker, are left out. Only this
evaluation reads the ground truth; the run never does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from brokerlens.config import Settings
from brokerlens.engine import open_engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.errors import ConfigError, NotFound
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles

PACKAGE = "brokerlens.marketing.worklist"


@dataclass(frozen=True)
class ListScore:
    ranking: str
    customers: int  # customers the lists name
    churners: int  # of them, churned within the horizon
    precision: float
    recall: float


@dataclass
class Evaluation:
    as_of: dt.date
    through: dt.date
    horizon: int  # trading days after T counted
    top: int
    seed: int
    brokers: int
    customers: int  # with a broker, not churned by T
    churners: int  # of them, churned within the horizon
    rows: list[ListScore] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"], out["through"] = self.as_of.isoformat(), self.through.isoformat()
        return out


def truth_file(path: Path) -> Path:
    """The ground truth's customers file from the inbox, its `_ground_truth` folder or itself."""
    for candidate in (path / "_ground_truth" / "customers.parquet", path / "customers.parquet"):
        if candidate.is_file():
            return candidate
    if path.is_file():
        return path
    raise NotFound(
        f"--truth {path}: no ground truth there",
        hint="give the generated inbox (it holds _ground_truth/customers.parquet)",
    )


def _owners(settings: Settings, lake: LakeFiles, as_of: dt.date) -> dict[str, str]:
    engine = open_engine("duckdb", settings)
    try:
        lake.register_all(engine)
        table = engine.fetch(load_sql(PACKAGE, "worklist_owners").sql, {"as_of": as_of})
    finally:
        engine.close()
    return {
        c: s
        for c, s in zip(
            table.column("customer_id").to_pylist(),
            table.column("staff_id").to_pylist(),
            strict=True,
        )
        if s is not None
    }


def _alerts_of(warehouse: WarehouseLayout, as_of: dt.date) -> list[dict[str, Any]]:
    today = warehouse.alerts_file(as_of)
    if not today.is_file():
        return []
    return pq.read_table(today, columns=["customer_id", "alert_id"]).to_pylist()


def _new_alerts(
    warehouse: WarehouseLayout, days: list[dt.date], as_of: dt.date
) -> list[dict[str, Any]]:
    """The new alerts of T (not firing on the previous computed date), in the inbox's default
    order: the newest row first (rows load sorted by customer and alert id)."""
    rows = _alerts_of(warehouse, as_of)
    earlier = [d for d in days if d < as_of and warehouse.alerts_file(d).is_file()]
    if earlier:
        before = pq.read_table(
            warehouse.alerts_file(earlier[-1]), columns=["customer_id", "alert_id"]
        ).to_pylist()
        seen = {(r["customer_id"], r["alert_id"]) for r in before}
        rows = [r for r in rows if (r["customer_id"], r["alert_id"]) not in seen]
    return sorted(rows, key=lambda r: (r["customer_id"], r["alert_id"]), reverse=True)


def _score(name: str, named: set[str], churned: set[str]) -> ListScore:
    found = len(named & churned)
    return ListScore(
        ranking=name,
        customers=len(named),
        churners=found,
        precision=round(found / len(named), 4) if named else 0.0,
        recall=round(found / len(churned), 4) if churned else 0.0,
    )


def evaluate_worklist(
    settings: Settings,
    as_of: dt.date,
    truth: Path,
    *,
    horizon: int = 20,
    top: int = 20,
    seed: int = 7,
) -> Evaluation:
    warehouse = WarehouseLayout(settings.warehouse_dir)
    path = warehouse.worklist_file(as_of)
    if not path.is_file():
        raise NotFound(
            f"no work list as of {as_of}",
            hint=f"run the day (brokerlens run --as-of {as_of}), or brokerlens worklist build "
            f"--as-of {as_of}",
        )
    layout = LakeLayout(settings.lake_dir)
    lake = LakeFiles(layout, read_catalog(layout))
    days = sorted(lake.days)
    after = [d for d in days if d > as_of][:horizon]
    if not after:
        raise ConfigError(
            f"no loaded trading day after {as_of}: nothing to measure the lists against",
            hint="evaluate an earlier date (the horizon needs the days after it)",
        )
    gt = pq.read_table(truth_file(truth), columns=["customer_id", "churn_date"]).to_pylist()
    owners = _owners(settings, lake, as_of)
    gone = {
        r["customer_id"] for r in gt if r["churn_date"] is not None and r["churn_date"] <= as_of
    }
    churned = {
        r["customer_id"]
        for r in gt
        if r["churn_date"] is not None and as_of < r["churn_date"] <= after[-1]
    }
    book = {c: s for c, s in owners.items() if c not in gone}
    churned &= set(book)
    listed = pq.read_table(path, columns=["staff_id", "customer_id", "rank"]).to_pylist()
    worklist_top = {r["customer_id"] for r in listed if r["rank"] <= top}
    worklist_all = {r["customer_id"] for r in listed}
    alerts = [r for r in _new_alerts(warehouse, days, as_of) if r["customer_id"] in book]
    first: dict[str, list[str]] = {}
    for r in alerts:
        inbox = first.setdefault(book[r["customer_id"]], [])
        if len(inbox) < top:
            inbox.append(r["customer_id"])
    by_staff: dict[str, list[str]] = {}
    for c, s in sorted(book.items()):
        by_staff.setdefault(s, []).append(c)
    rng = np.random.default_rng(seed)
    drawn: set[str] = set()
    for s in sorted(by_staff):
        mine = by_staff[s]
        pick = rng.permutation(len(mine))[:top]
        drawn.update(mine[i] for i in pick)
    result = Evaluation(
        as_of=as_of,
        through=after[-1],
        horizon=len(after),
        top=top,
        seed=seed,
        brokers=len(by_staff),
        customers=len(book),
        churners=len(churned),
    )
    result.rows = [
        _score(f"work list top {top}", worklist_top & set(book), churned),
        _score("work list, every row", worklist_all & set(book), churned),
        _score("alert inbox, every new alert", {r["customer_id"] for r in alerts}, churned),
        _score(
            "alert inbox, every alert of T",
            {r["customer_id"] for r in _alerts_of(warehouse, as_of)} & set(book),
            churned,
        ),
        _score(
            f"alert inbox, first {top} per broker",
            {c for inbox in first.values() for c in inbox},
            churned,
        ),
        _score(f"random {top} per broker", drawn, churned),
    ]
    return result

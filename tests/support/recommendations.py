"""A recommendation run's files with the agreed schema (issue 16 section 3, DESIGN16 "Files a run
writes"), for tests of what reads them: `recommendations_file(T)` sorted by customer and rank,
`targets_file(T)` sorted by product, score descending and customer, and `gate_report_file(T)`.
The real run writes the same at the same paths; these are hand-made, seeded rows."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.config import Settings
from brokerlens.products.recommend.score import RANKED_SCHEMA, ROW_GROUP
from brokerlens.warehouse.layout import WarehouseLayout

SCHEMA = RANKED_SCHEMA  # the scorer's own schema: what the run writes
REASONS = (
    "持有同类产品 3 只",
    "风险等级 R3 在测评 C3 可匹配范围内",
    "可用资金 12.5万 待投资",
    "近3月收益居同类前 20%",
    "本营业部近期热销",
)


def synthetic_rows(
    customers: Sequence[str],
    products: Sequence[str],
    as_of: dt.date,
    *,
    seed: int = 16,
    empty_share: float = 0.1,
) -> list[dict[str, Any]]:
    """Up to 10 products per customer (some customers none: nothing suitable), ranked by a
    seeded score, each with 1 to 3 reasons."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for customer in sorted(customers):
        if rng.random() < empty_share:
            continue
        chosen = rng.sample(list(products), k=min(len(products), rng.randint(1, 10)))
        scores = sorted((rng.random() for _ in chosen), reverse=True)
        for rank, (product, score) in enumerate(zip(chosen, scores, strict=True), start=1):
            reasons = rng.sample(REASONS, k=rng.randint(1, 3))
            rows.append(
                {
                    "as_of_date": as_of,
                    "customer_id": customer,
                    "product_id": product,
                    "rank": rank,
                    "score": round(score, 6),
                    "reasons": reasons,
                }
            )
    return rows


def gate_report(as_of: dt.date, rows: Sequence[dict[str, Any]], customers: int) -> dict[str, Any]:
    shown = len(rows)
    return {
        "as_of": as_of.isoformat(),
        "model_version": 1,
        "customers": customers,
        "products": len({r["product_id"] for r in rows}),
        "pairs_scored": shown * 7,
        "shown": shown,
        "customers_without": customers - len({r["customer_id"] for r in rows}),
        "removed": {"not_on_sale": 1234, "risk_above_class": 5678, "assessment_expired": 91},
        "removed_from_top": {"risk_above_class": 4321, "not_on_sale": 12},
    }


def write_run(
    settings: Settings,
    as_of: dt.date,
    rows: Sequence[dict[str, Any]],
    report: dict[str, Any] | None = None,
) -> None:
    """The run's three files for T from `rows` (any order; sorted here as the run sorts)."""
    layout = WarehouseLayout(settings.warehouse_dir)
    table = pa.Table.from_pylist([dict(r) for r in rows], schema=SCHEMA)
    by_customer = table.sort_by([("customer_id", "ascending"), ("rank", "ascending")])
    by_product = table.sort_by(
        [("product_id", "ascending"), ("score", "descending"), ("customer_id", "ascending")]
    )
    for path, sorted_table in (
        (layout.recommendations_file(as_of), by_customer),
        (layout.targets_file(as_of), by_product),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(sorted_table, path, row_group_size=ROW_GROUP)
    if report is not None:
        gate = layout.gate_report_file(as_of)
        gate.parent.mkdir(parents=True, exist_ok=True)
        gate.write_text(json.dumps(report, ensure_ascii=False), "utf-8")


def _paths(settings: Settings, as_of: dt.date) -> list[Path]:
    layout = WarehouseLayout(settings.warehouse_dir)
    return [
        layout.recommendations_file(as_of),
        layout.targets_file(as_of),
        layout.gate_report_file(as_of),
    ]


@contextmanager
def recommendations_in_place(
    settings: Settings,
    as_of: dt.date,
    rows: Sequence[dict[str, Any]],
    report: dict[str, Any] | None = None,
) -> Iterator[None]:
    """The run of T replaced by `rows` (and `report`) for the block; whatever the real run
    wrote is put back afterwards, so other tests still read it."""
    kept = {p: p.read_bytes() for p in _paths(settings, as_of) if p.is_file()}
    for path in _paths(settings, as_of):
        path.unlink(missing_ok=True)
    write_run(settings, as_of, rows, report)
    try:
        yield
    finally:
        for path in _paths(settings, as_of):
            path.unlink(missing_ok=True)
        for path, data in kept.items():
            path.write_bytes(data)


@contextmanager
def no_recommendations(settings: Settings, as_of: dt.date) -> Iterator[None]:
    """No run of T for the block (the real one's files put back afterwards)."""
    kept = {p: p.read_bytes() for p in _paths(settings, as_of) if p.is_file()}
    for path in kept:
        path.unlink()
    try:
        yield
    finally:
        for path, data in kept.items():
            path.write_bytes(data)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """A kept recommendations file's rows (as the run wrote them)."""
    return pq.read_table(path).to_pylist()


@contextmanager
def served_run(settings: Settings, *, real: bool = False) -> Iterator[list[dict[str, Any]]]:
    """The rows of the recommendation run of the served date: the run's own files when it made
    them; else (unless `real`) hand-made ones for every served customer and product, for the
    block. Yields the rows."""
    from brokerlens.access.recommendations import product_shelf
    from brokerlens.access.snapshot import clear_cache, served_snapshot
    from brokerlens.store import open_store

    clear_cache()
    db = open_store(settings)
    snapshot = served_snapshot(db)
    as_of = snapshot.as_of_date
    made = WarehouseLayout(settings.warehouse_dir).recommendations_file(as_of)
    if made.is_file():
        yield read_rows(made)
        return
    assert not real, f"the run made no recommendations as of {as_of}"
    import sqlalchemy as sa

    with db.connect() as connection:
        customers = [str(r[0]) for r in connection.execute(sa.select(snapshot.table.c.customer_id))]
    rows = synthetic_rows(customers, sorted(product_shelf(settings)), as_of)
    with recommendations_in_place(settings, as_of, rows, gate_report(as_of, rows, len(customers))):
        yield rows

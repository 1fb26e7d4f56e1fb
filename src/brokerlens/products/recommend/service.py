"""What `brokerlens run`, the CLI and the bench call: fit (weekly), recommend as of T, evaluate."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.atomic import atomic_file
from brokerlens.config import Settings
from brokerlens.engine import Engine, open_engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.errors import LakeError, NotFound
from brokerlens.products.recommend.config import ModelConfig
from brokerlens.products.recommend.evaluate import Evaluation, evaluate
from brokerlens.products.recommend.fit import fit_model
from brokerlens.products.recommend.gating import suitability_gate
from brokerlens.products.recommend.model import RecModel, RecModels, ease_weights
from brokerlens.products.recommend.score import ROW_GROUP, score_all
from brokerlens.products.recommend.snapshot import read_labels, read_snapshot, register_lake
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles

Progress = Callable[[str], None]


@dataclass
class RecommendReport:
    as_of: str
    model_version: int
    model_through: str
    customers: int
    products: int
    pairs_scored: int
    allowed: int  # pairs the gate let through: what a ranking could choose from
    shown: int
    customers_without: int
    removed: dict[str, int] = field(default_factory=dict)
    removed_from_top: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def note(self) -> str:
        gone = sum(self.removed_from_top.values())
        return (
            f"{self.shown:,} items for {self.customers - self.customers_without:,} customers "
            f"(model v{self.model_version}); the gate removed {gone:,} from the top lists"
        )


def usable_model(models: RecModels, as_of: dt.date) -> RecModel | None:
    """The kept model that read the lake furthest without reading past T (of two, the later
    version): a backtest's older model never shadows the current one."""
    usable = [m for m in (models.load(v) for v in models.versions()) if m.through <= as_of]
    return max(usable, key=lambda m: (m.through, m.version), default=None)


def ensure_model(
    engine: Engine,
    lake: LakeFiles,
    warehouse: WarehouseLayout,
    as_of: dt.date,
    config: ModelConfig,
    progress: Progress | None = None,
) -> tuple[RecModel, bool]:
    """The model to score T with, refit when none is usable or the usable one is older than
    `refit_days` (weekly by default); returns (model, fitted now)."""
    models = RecModels(warehouse)
    model = usable_model(models, as_of)
    if model is not None and (as_of - model.through).days < config.refit_days:
        return model, False
    model = fit_model(engine, lake, sorted(lake.days), as_of, config, progress)
    models.save(model)
    return model, True


def recommend(
    settings: Settings,
    engine: Engine,
    lake: LakeFiles,
    warehouse: WarehouseLayout,
    as_of: dt.date,
    model: RecModel,
    config: ModelConfig,
    progress: Progress | None = None,
) -> RecommendReport:
    """Score every customer as of T, gate, keep the top k: the recommendations and targets files
    and the gate report of T."""
    started = time.perf_counter()
    days = sorted(lake.days)
    register_lake(engine, lake, as_of, as_of)
    snap = read_snapshot(engine, as_of, days, config)
    facts = warehouse.suitability_facts_file(as_of)
    if not facts.is_file():
        raise NotFound(
            f"no suitability facts of {as_of}: the gate needs them",
            hint=f"run `brokerlens run --as-of {as_of}` (it builds them before recommending)",
        )
    gate, reasons, professional = suitability_gate(settings, snap, pq.read_table(facts))
    scratch = warehouse.run_file("rec_ranked")
    tally = score_all(
        snap,
        model,
        ease_weights(snap.seen, config.ease_lambda),
        gate,
        reasons,
        professional,
        scratch,
        k=config.top_k,
        chunk=config.chunk,
        progress=(lambda done, total: progress(f"scored {done:,} / {total:,}"))
        if progress
        else None,
    )
    write_outputs(settings, scratch, warehouse, as_of)
    report = RecommendReport(
        as_of=as_of.isoformat(),
        model_version=model.version,
        model_through=model.lake_through,
        customers=len(snap),
        products=int(snap.shelf.on_sale.sum()),
        pairs_scored=tally.pairs,
        allowed=tally.allowed,
        shown=tally.shown,
        customers_without=tally.customers_without,
        removed=tally.removed,
        removed_from_top=tally.removed_from_top,
        seconds=round(time.perf_counter() - started, 2),
    )
    with atomic_file(warehouse.gate_report_file(as_of)) as tmp:
        tmp.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=1), "utf-8")
    return report


def write_outputs(
    settings: Settings, scratch: Path, warehouse: WarehouseLayout, as_of: dt.date
) -> None:
    """The scorer's file is the recommendations by customer (written in that order, chunk by
    chunk): moved into place. The targets are its rows sorted by product and score, on DuckDB
    whatever the run's engine: the rows are this process's own, not the lake's."""
    target = warehouse.recommendations_file(as_of)
    with atomic_file(target) as moved:
        scratch.rename(moved)
    local = open_engine("duckdb", settings)
    try:
        local.register_parquet(
            "rec_ranked",
            [target],
            [
                ("as_of_date", "DATE"),
                ("customer_id", "VARCHAR"),
                ("product_id", "VARCHAR"),
                ("rank", "INTEGER"),
                ("score", "DOUBLE"),
                ("reasons", "VARCHAR[]"),
            ],
        )
        model = load_sql("brokerlens.products", "rec_output")
        local.write_parquet(
            f"SELECT * FROM ({model.sql}) ORDER BY product_id, score DESC, customer_id",
            warehouse.targets_file(as_of),
            row_group=ROW_GROUP,
        )
    finally:
        local.close()


def read_gate_report(warehouse: WarehouseLayout, as_of: dt.date) -> RecommendReport | None:
    path = warehouse.gate_report_file(as_of)
    if not path.is_file():
        return None
    return RecommendReport(**json.loads(path.read_text("utf-8")))


def evaluate_at(
    settings: Settings,
    lake: LakeFiles,
    as_of: dt.date,
    config: ModelConfig,
    oracle: Path | None,
    progress: Progress | None = None,
) -> tuple[Evaluation, RecModel]:
    """Fit on windows ending by T, recommend as of T, count purchases in the next h days."""
    days = sorted(lake.days)
    i = days.index(as_of)
    if i + config.horizon_days >= len(days):
        raise LakeError(
            f"{as_of} has {len(days) - 1 - i} loaded business dates after it; the evaluation "
            f"counts purchases over the next {config.horizon_days}",
            hint=f"pick an earlier --as-of (at the latest {days[-1 - config.horizon_days]})",
        )
    through = days[i + config.horizon_days]
    warehouse = WarehouseLayout(settings.warehouse_dir)
    facts = warehouse.suitability_facts_file(as_of)
    if not facts.is_file():
        raise NotFound(
            f"no suitability facts of {as_of}",
            hint=f"run `brokerlens run --as-of {as_of}` first",
        )
    engine = open_engine("duckdb", settings)
    try:
        lake.register_all(engine)
        model = fit_model(engine, lake, days, as_of, config, progress)
        register_lake(engine, lake, as_of, through)
        snap = read_snapshot(engine, as_of, days, config)
        labels = read_labels(engine, snap, as_of, through)
        gate, _, _ = suitability_gate(settings, snap, pq.read_table(facts))
        truth = None
        if oracle is not None:
            truth = pq.read_table(oracle, filters=[("as_of_date", "=", as_of)])
            if truth.num_rows == 0:
                truth = None
        return evaluate(snap, labels, model, gate, truth, config, through), model
    finally:
        engine.close()


def oracle_dates(oracle: Path) -> list[dt.date]:
    """The as-of dates the generator's oracle holds."""
    column = pq.read_table(oracle, columns=["as_of_date"]).column(0)
    return sorted(set(pa.compute.unique(column).to_pylist()))

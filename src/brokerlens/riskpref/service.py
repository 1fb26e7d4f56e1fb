"""What the CLI and the bench call: fit a quarter and store it, read a customer's levels."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from brokerlens.config import Settings
from brokerlens.errors import LakeError, NotFound
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.riskpref import LEVELS
from brokerlens.riskpref.features import compute_features
from brokerlens.riskpref.fit import (
    ASSETS_BOUNDS,
    K_RANGE,
    K_RULE,
    SUB_MODEL_WINSORIZE,
    TIMING_PRIOR_BUYS,
    Progress,
    Scored,
    fit_and_score,
)
from brokerlens.riskpref.kept import RiskprefModel, RiskprefModels
from brokerlens.riskpref.quarter import (
    Quarter,
    QuarterWindows,
    ended_by,
    parse_quarter,
    quarter_windows,
)
from brokerlens.riskpref.scale import load_scale
from brokerlens.warehouse.layout import WarehouseLayout


@dataclass
class FitReport:
    quarter: Quarter
    version: int
    as_of: dt.date
    path: Path
    customers: int
    fit_sample: int
    k: int
    components: int
    level_counts: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)


def riskpref_models(settings: Settings) -> RiskprefModels:
    return RiskprefModels(WarehouseLayout(settings.warehouse_dir))


def _loaded_days(settings: Settings) -> list[dt.date]:
    days = sorted(read_catalog(LakeLayout(settings.lake_dir)).dates)
    if not days:
        raise LakeError(
            f"the lake at {settings.lake_dir} holds no loaded dates",
            hint="run `brokerlens ingest INBOX` first (or pass the right --home)",
        )
    return days


def newest_quarter(settings: Settings) -> Quarter:
    """The newest quarter ended by the lake's last loaded date: what `riskpref fit` fits when
    no quarter is named."""
    return ended_by(_loaded_days(settings)[-1])


def _levels(table: pa.Table, scored: Scored, quarter: Quarter, version: int) -> pa.Table:
    n = table.num_rows

    def ints(values: np.ndarray) -> pa.Array:
        return pa.array(values, pa.int32())

    return pa.table(
        {
            "customer_id": table.column("customer_id"),
            "quarter": pa.array([str(quarter)] * n, pa.string()),
            "version": ints(np.full(n, version)),
            "avg_assets_3m": pa.array(scored.assets),
            "in_fit": pa.array(scored.fit),
            "cluster": ints(scored.cluster + 1),
            "cluster_score": ints(scored.cluster_score),
            "timing_group": ints(scored.timing_group + 1),
            "timing_adjust": ints(scored.timing_adjust),
            "style_group": ints(scored.style_group + 1),
            "style_adjust": ints(scored.style_adjust),
            "cluster_adjusted": ints(scored.cluster_adjusted),
            "points": pa.array(np.round(scored.placed.points, 4)),
            "score": ints(scored.score),
            "level": pa.array(scored.level.tolist(), pa.string()),
            "why": pa.array(scored.placed.why, pa.string()),
        }
    )


def _model(
    scored: Scored, windows: QuarterWindows, version: int, seed: int, customers: int
) -> RiskprefModel:
    level = scored.level
    return RiskprefModel(
        quarter=str(windows.quarter),
        version=version,
        as_of=windows.as_of.isoformat(),
        window_3m=[windows.start_3m.isoformat(), windows.as_of.isoformat()],
        window_12m=[windows.start_12m.isoformat(), windows.as_of.isoformat()],
        seed=seed,
        fitted_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        assets_bounds=list(ASSETS_BOUNDS),
        fit_sample=int(scored.fit.sum()),
        scored=customers,
        product=scored.product,
        k_range=list(scored.k_range),
        k_rule=K_RULE,
        clusters=scored.clusters,
        timing=scored.timing,
        style=scored.style,
        level_counts={lv: int((level == lv).sum()) for lv in LEVELS},
        timing_prior_buys=TIMING_PRIOR_BUYS,
        sub_model_winsorize=SUB_MODEL_WINSORIZE,
    )


def fit_quarter(
    settings: Settings,
    quarter: Quarter,
    *,
    seed: int = 42,
    partial: bool = False,
    engine: str = "duckdb",
    k_range: tuple[int, int] = K_RANGE,
    progress: Progress | None = None,
) -> FitReport:
    """Compute the quarter's features, fit the model on the sample, score everyone, store."""
    say = progress or (lambda _message: None)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    windows = quarter_windows(quarter, _loaded_days(settings), partial=partial)
    say(f"features of {quarter} as of {windows.as_of} (3 months from {windows.start_3m})")
    scale = load_scale(settings)
    table = compute_features(settings, windows, engine, scale.grades)
    seconds["features"] = round(time.perf_counter() - clock, 2)
    scored = fit_and_score(
        table, quarter=str(quarter), seed=seed, k_range=k_range, say=say, scale=scale
    )
    seconds["model"] = round(time.perf_counter() - clock - seconds["features"], 2)
    models = riskpref_models(settings)
    version = models.next_version(quarter)
    model = _model(scored, windows, version, seed, table.num_rows)
    model.scale = scale.model_dump()
    path = models.save(model, _levels(table, scored, quarter, version))
    say(f"stored {quarter} version {version} in {path}")
    return FitReport(
        quarter=quarter,
        version=version,
        as_of=windows.as_of,
        path=path,
        customers=table.num_rows,
        fit_sample=model.fit_sample,
        k=scored.product.k,
        components=len(scored.product.components),
        level_counts=model.level_counts,
        seconds=seconds,
    )


def customer_history(settings: Settings, customer_id: str) -> list[dict[str, Any]]:
    """Every stored quarter's level of the customer, with its cluster's name and description."""
    models = riskpref_models(settings)
    rows = models.history(customer_id)
    if not rows:
        if not models.quarters():
            raise NotFound(
                "no risk preference model is stored",
                hint="fit one: brokerlens riskpref fit --quarter 2025Q1",
            )
        raise NotFound(f"customer {customer_id!r} has no risk preference level in any quarter")
    for row in rows:
        model = models.read_model(parse_quarter(row["quarter"]), row["version"])
        profile = model.clusters[row["cluster"] - 1]
        row["cluster_name"], row["description"] = profile.name, profile.description
    return rows

"""What the CLI and the bench call: fit a quarter, read a customer's levels."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from brokerlens.config import Settings
from brokerlens.errors import ConfigError, LakeError
from brokerlens.riskpref import LEVELS
from brokerlens.riskpref.features import BY_NAME, PRODUCT, STYLE, TIMING, compute_features, names
from brokerlens.riskpref.model import fit_clustering
from brokerlens.riskpref.profile import (
    STYLE_ADJUST,
    TIMING_ADJUST,
    adjustments,
    profiles,
    row_points,
)
from brokerlens.riskpref.quarter import Quarter, parse_quarter, quarter_windows
from brokerlens.riskpref.store import RiskprefModel, RiskprefStore, SubModel

ASSETS_BOUNDS = (1_000.0, 10_000_000.0)  # avg_assets_3m of the customers the model is fit on
K_RANGE = (5, 24)  # k-means k tried; at least 5 so the five levels can all occur
K_RULE = "highest silhouette over the k range (seeded sample of 5,000 rows)"
TIMING_K, STYLE_K = 4, 5  # seed 002's sub-model group counts
TIMING_PRIOR_BUYS = 5.0  # a customer's timing means shrink to 0 by n / (n + this) over n buys:
# a mean over one or two buys says little, and would move the customer between groups
SUB_MODEL_WINSORIZE = 0.01  # sub-model features clipped to their 1% .. 99% quantiles: a few
# extreme customers would otherwise take a group of their own

Progress = Callable[[str], None]


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


def riskpref_store(settings: Settings) -> RiskprefStore:
    return RiskprefStore(settings.warehouse_dir / "riskpref")


def _matrix(table: pa.Table, columns: list[str]) -> np.ndarray:
    if not columns:
        return np.zeros((table.num_rows, 0))
    cols = [table.column(c).to_numpy(zero_copy_only=False).astype(float) for c in columns]
    return np.nan_to_num(np.column_stack(cols), nan=0.0)


def _loaded_days(settings: Settings) -> list[dt.date]:
    from brokerlens.lake.catalog import read_catalog
    from brokerlens.lake.layout import LakeLayout

    days = sorted(read_catalog(LakeLayout(settings.lake_dir)).dates)
    if not days:
        raise LakeError(
            f"the lake at {settings.lake_dir} holds no loaded dates",
            hint="run `brokerlens ingest INBOX` first (or pass the right --home)",
        )
    return days


def shrunk_timing(table: pa.Table, prior: float = TIMING_PRIOR_BUYS) -> np.ndarray:
    """The timing features, each customer's means shrunk toward 0 by n / (n + prior)."""
    buys = _matrix(table, ["timing_buys"])[:, 0]
    return _matrix(table, names(TIMING)) * (buys / (buys + prior))[:, None]


def _sub_model(
    x: np.ndarray, fit: np.ndarray, group: str, k: int, seed: int, by_rank: tuple[int, ...]
) -> tuple[SubModel, np.ndarray]:
    cols = names(group)
    clustering = fit_clustering(
        x[fit],
        cols,
        [BY_NAME[c].log for c in cols],
        k=k,
        seed=seed,
        pca=False,
        winsorize=SUB_MODEL_WINSORIZE,
    )
    return SubModel(clustering, adjustments(clustering.centroids, by_rank)), clustering.assign(x)


def fit_quarter(
    settings: Settings,
    quarter: Quarter,
    *,
    seed: int = 42,
    partial: bool = False,
    k_range: tuple[int, int] = K_RANGE,
    progress: Progress | None = None,
) -> FitReport:
    """Compute the quarter's features, fit the model on the sample, score everyone, store."""
    say = progress or (lambda _message: None)
    if not 2 <= k_range[0] <= k_range[1]:
        raise ConfigError(
            f"--k-min {k_range[0]} / --k-max {k_range[1]} is not a range of k",
            hint="pass 2 <= --k-min <= --k-max",
        )
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = round(now - clock, 2)
        clock = now

    windows = quarter_windows(quarter, _loaded_days(settings), partial=partial)
    say(f"features of {quarter} as of {windows.as_of} (3 months from {windows.start_3m})")
    table = compute_features(settings, windows)
    lap("features")
    product_cols = names(PRODUCT)
    x = _matrix(table, product_cols)
    assets = _matrix(table, ["avg_assets_3m"])[:, 0]
    fit = (assets >= ASSETS_BOUNDS[0]) & (assets <= ASSETS_BOUNDS[1])
    n_fit = int(fit.sum())
    k_max = min(k_range[1], n_fit - 1)
    if n_fit < 2 * k_range[0] or k_max < k_range[0]:
        raise ConfigError(
            f"--quarter {quarter}: only {n_fit} customers have 1,000 <= avg_assets_3m <= "
            "10,000,000, too few to fit",
            hint="fit a quarter with more customers loaded, or lower --k-min",
        )
    say(f"fitting on {n_fit:,} of {table.num_rows:,} customers: k from {k_range[0]} to {k_max}")
    product = fit_clustering(
        x[fit],
        product_cols,
        [BY_NAME[c].log for c in product_cols],
        k=(k_range[0], k_max),
        seed=seed,
        pca=True,
        on_k=lambda k, s: say(f"  k={k}: silhouette {s:.4f}"),
    )
    lap("product clusters")
    cluster = product.assign(x)
    held = _matrix(table, ["market_value_share"])[:, 0]
    points = row_points(x[fit], product_cols, held[fit])
    clusters = profiles(x[fit], product_cols, points, cluster[fit], product.k)
    timing, timing_group = _sub_model(
        shrunk_timing(table), fit, TIMING, TIMING_K, seed, TIMING_ADJUST
    )
    style, style_group = _sub_model(
        _matrix(table, names(STYLE)), fit, STYLE, STYLE_K, seed, STYLE_ADJUST
    )
    lap("sub-models")
    base = np.array([c.score for c in clusters])[cluster]
    t_adj = np.array(timing.adjust)[timing_group]
    s_adj = np.array(style.adjust)[style_group]
    score = np.clip(base + t_adj + s_adj, 1, 5)
    level = np.asarray(LEVELS, dtype=object)[score - 1]
    store = riskpref_store(settings)
    version = store.next_version(quarter)
    levels = pa.table(
        {
            "customer_id": table.column("customer_id"),
            "quarter": pa.array([str(quarter)] * table.num_rows, pa.string()),
            "version": pa.array(np.full(table.num_rows, version), pa.int32()),
            "avg_assets_3m": pa.array(assets),
            "in_fit": pa.array(fit),
            "cluster": pa.array(cluster + 1, pa.int32()),
            "cluster_score": pa.array(base, pa.int32()),
            "timing_group": pa.array(timing_group + 1, pa.int32()),
            "timing_adjust": pa.array(t_adj, pa.int32()),
            "style_group": pa.array(style_group + 1, pa.int32()),
            "style_adjust": pa.array(s_adj, pa.int32()),
            "score": pa.array(score, pa.int32()),
            "level": pa.array(level.tolist(), pa.string()),
        }
    )
    counts = {lv: int((level == lv).sum()) for lv in LEVELS}
    model = RiskprefModel(
        quarter=str(quarter),
        version=version,
        as_of=windows.as_of.isoformat(),
        window_3m=[windows.start_3m.isoformat(), windows.as_of.isoformat()],
        window_12m=[windows.start_12m.isoformat(), windows.as_of.isoformat()],
        seed=seed,
        fitted_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        assets_bounds=list(ASSETS_BOUNDS),
        fit_sample=n_fit,
        scored=table.num_rows,
        product=product,
        k_range=[k_range[0], k_max],
        k_rule=K_RULE,
        clusters=clusters,
        timing=timing,
        style=style,
        level_counts=counts,
        timing_prior_buys=TIMING_PRIOR_BUYS,
        sub_model_winsorize=SUB_MODEL_WINSORIZE,
    )
    path = store.save(model, levels)
    lap("store")
    say(f"stored {quarter} version {version} in {path}")
    return FitReport(
        quarter=quarter,
        version=version,
        as_of=windows.as_of,
        path=path,
        customers=table.num_rows,
        fit_sample=n_fit,
        k=product.k,
        components=len(product.components),
        level_counts=counts,
        seconds=seconds,
    )


def customer_history(settings: Settings, customer_id: str) -> list[dict[str, Any]]:
    """Every stored quarter's level of the customer, with its cluster's name and description."""
    from brokerlens.errors import NotFound

    store = riskpref_store(settings)
    rows = store.history(customer_id)
    if not rows:
        if not store.quarters():
            raise NotFound(
                "no risk preference model is stored",
                hint="fit one: brokerlens riskpref fit --quarter 2025Q1",
            )
        raise NotFound(f"customer {customer_id!r} has no risk preference level in any quarter")
    for row in rows:
        model = store.read_model(parse_quarter(row["quarter"]), row["version"])
        profile = model.clusters[row["cluster"] - 1]
        row["cluster_name"], row["description"] = profile.name, profile.description
    return rows

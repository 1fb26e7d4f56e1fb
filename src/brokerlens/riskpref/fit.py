"""One quarter's model from its feature table: the sample, the product clusters with their
profiles, the timing and style sub-models, and every customer's score. No I/O here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerlens.errors import ConfigError
from brokerlens.riskpref import LEVELS
from brokerlens.riskpref.features import BY_NAME, PRODUCT, STYLE, TIMING, names
from brokerlens.riskpref.kept import SubModel
from brokerlens.riskpref.model import Clustering, fit_clustering
from brokerlens.riskpref.profile import (
    STYLE_ADJUST,
    TIMING_ADJUST,
    ClusterProfile,
    adjustments,
    profiles,
    row_points,
)
from brokerlens.riskpref.scale import Placed, Scale, default_scale, place

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
class Scored:
    """A fitted quarter: the model's parts and, per customer (feature table order), the rest."""

    product: Clustering
    k_range: tuple[int, int]
    clusters: list[ClusterProfile]
    timing: SubModel
    style: SubModel
    fit: np.ndarray  # bool: in the fit sample
    assets: np.ndarray
    cluster: np.ndarray  # 0-based
    timing_group: np.ndarray
    style_group: np.ndarray
    placed: Placed  # the absolute scale: each customer's own points, level and reasons

    @property
    def cluster_score(self) -> np.ndarray:
        return np.array([c.score for c in self.clusters])[self.cluster]

    @property
    def timing_adjust(self) -> np.ndarray:
        return np.array(self.timing.adjust)[self.timing_group]

    @property
    def style_adjust(self) -> np.ndarray:
        return np.array(self.style.adjust)[self.style_group]

    @property
    def cluster_adjusted(self) -> np.ndarray:
        """Seed 002's score: the cluster's with both sub-model adjustments (kept to compare;
        issue 20 measured it compressed at the top, so it no longer sets the level)."""
        return np.clip(self.cluster_score + self.timing_adjust + self.style_adjust, 1, 5)

    @property
    def score(self) -> np.ndarray:
        """1 (highest risk preference) .. 5: the customer's place on the absolute scale."""
        return self.placed.score

    @property
    def level(self) -> np.ndarray:
        return np.asarray(LEVELS, dtype=object)[self.score - 1]


def matrix(table: pa.Table, columns: list[str]) -> np.ndarray:
    """Columns of the feature table as a float matrix; a missing value (no data) is 0."""
    if not columns:
        return np.zeros((table.num_rows, 0))
    cols = [table.column(c).to_numpy(zero_copy_only=False).astype(float) for c in columns]
    return np.nan_to_num(np.column_stack(cols), nan=0.0)


def shrunk_timing(table: pa.Table, prior: float = TIMING_PRIOR_BUYS) -> np.ndarray:
    """The timing features, each customer's means shrunk toward 0 by n / (n + prior)."""
    buys = matrix(table, ["timing_buys"])[:, 0]
    return matrix(table, names(TIMING)) * (buys / (buys + prior))[:, None]


def _sub_model(
    x: np.ndarray, fit: np.ndarray, group: str, k: int, seed: int, by_rank: tuple[int, ...]
) -> tuple[SubModel, np.ndarray]:
    cols = names(group)
    logs = [BY_NAME[c].log for c in cols]
    clustering = fit_clustering(
        x[fit], cols, logs, k=k, seed=seed, pca=False, winsorize=SUB_MODEL_WINSORIZE
    )
    return SubModel(clustering, adjustments(clustering.centroids, by_rank)), clustering.assign(x)


def sample(table: pa.Table, k_range: tuple[int, int], quarter: str) -> tuple[np.ndarray, int]:
    """The fit sample (1,000 <= avg_assets_3m <= 10,000,000) and the largest k it allows."""
    if not 2 <= k_range[0] <= k_range[1]:
        raise ConfigError(
            f"--k-min {k_range[0]} / --k-max {k_range[1]} is not a range of k",
            hint="pass 2 <= --k-min <= --k-max",
        )
    assets = matrix(table, ["avg_assets_3m"])[:, 0]
    fit = (assets >= ASSETS_BOUNDS[0]) & (assets <= ASSETS_BOUNDS[1])
    n_fit = int(fit.sum())
    k_max = min(k_range[1], n_fit - 1)
    if n_fit < 2 * k_range[0] or k_max < k_range[0]:
        raise ConfigError(
            f"--quarter {quarter}: only {n_fit} customers have 1,000 <= avg_assets_3m <= "
            "10,000,000, too few to fit",
            hint="fit a quarter with more customers loaded, or lower --k-min",
        )
    return fit, k_max


def place_on_scale(table: pa.Table, scale: Scale) -> Placed:
    """Every customer of the feature table on the absolute scale."""

    def column(name: str, missing: float) -> np.ndarray:
        values = table.column(name).to_numpy(zero_copy_only=False).astype(float)
        return np.where(np.isnan(values), missing, values)

    return place(
        scale,
        assets=column("avg_assets_3m", 0.0),
        invested=column("invested", 0.0),
        held_grade=table.column("held_grade").to_numpy(zero_copy_only=False).astype(float),
        turnover=column("turnover", 0.0),
        leverage=column("leverage", 0.0),
        margin_share=column("margin_trade_share", 0.0),
        drawdown=column("max_drawdown", 0.0),
        exchange_share=column("exchange_share", 0.0),
    )


def fit_and_score(
    table: pa.Table,
    *,
    quarter: str,
    seed: int,
    k_range: tuple[int, int],
    say: Progress,
    scale: Scale | None = None,
) -> Scored:
    """Fit the quarter's model on its sample and score every customer of the feature table:
    the clusters (what customers are like) and each customer's level on the absolute scale."""
    fit, k_max = sample(table, k_range, quarter)
    say(f"fitting on {int(fit.sum()):,} of {table.num_rows:,} customers: k {k_range[0]}..{k_max}")
    cols = names(PRODUCT)
    x = matrix(table, cols)
    product = fit_clustering(
        x[fit],
        cols,
        [BY_NAME[c].log for c in cols],
        k=(k_range[0], k_max),
        seed=seed,
        pca=True,
        on_k=lambda k, s: say(f"  k={k}: silhouette {s:.4f}"),
    )
    cluster = product.assign(x)
    held = matrix(table, ["market_value_share"])[:, 0]
    points = row_points(x[fit], cols, held[fit])
    clusters = profiles(x[fit], cols, points, cluster[fit], product.k)
    say(f"k = {product.k}; the timing and style sub-models")
    timing, timing_group = _sub_model(
        shrunk_timing(table), fit, TIMING, TIMING_K, seed, TIMING_ADJUST
    )
    style, style_group = _sub_model(
        matrix(table, names(STYLE)), fit, STYLE, STYLE_K, seed, STYLE_ADJUST
    )
    placed = place_on_scale(table, scale or default_scale())
    return Scored(
        placed=placed,
        product=product,
        k_range=(k_range[0], k_max),
        clusters=clusters,
        timing=timing,
        style=style,
        fit=fit,
        assets=matrix(table, ["avg_assets_3m"])[:, 0],
        cluster=cluster,
        timing_group=timing_group,
        style_group=style_group,
    )

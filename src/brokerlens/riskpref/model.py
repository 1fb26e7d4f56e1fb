"""Clusterings a quarterly model is made of: standardise, optionally PCA, k-means.

A `Clustering` holds only numbers (no scikit-learn object), so that it is stored as JSON, read
back equal, and assigns any customer to the nearest centroid without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

VARIANCE_KEPT = 0.95  # PCA keeps the fewest components explaining at least this share
SILHOUETTE_SAMPLE = 5000  # rows the silhouette is computed on (seeded sample)
N_INIT = 4  # k-means restarts per k


@dataclass
class KScore:
    k: int
    silhouette: float
    inertia: float


@dataclass
class Clustering:
    features: list[str]
    log: list[bool]  # feature modelled as log(1 + max(x, 0))
    mean: list[float]
    scale: list[float]
    components: list[list[float]]  # PCA axes (rows); empty = no PCA
    pca_mean: list[float]
    explained: list[float]  # variance share of each kept component
    centroids: list[list[float]]
    k_scores: list[KScore] = field(default_factory=list)
    bounds: list[list[float]] = field(default_factory=list)  # [low, high] per feature; [] = none

    @property
    def k(self) -> int:
        return len(self.centroids)

    def standardised(self, x: np.ndarray) -> np.ndarray:
        """Raw features clipped to the fit's bounds (if any), logged where asked, standardised."""
        if self.bounds:
            lower, upper = np.asarray(self.bounds).T
            x = np.clip(x, lower, upper)
        logged = np.where(np.asarray(self.log), np.log1p(np.maximum(x, 0.0)), x)
        return (logged - np.asarray(self.mean)) / np.asarray(self.scale)

    def prepare(self, x: np.ndarray) -> np.ndarray:
        """Raw feature matrix -> the space the centroids live in."""
        z = self.standardised(x)
        if self.components:
            z = (z - np.asarray(self.pca_mean)) @ np.asarray(self.components).T
        return z

    def assign(self, x: np.ndarray) -> np.ndarray:
        """Index of the nearest centroid of each row (ties to the lower index)."""
        z = self.prepare(x)
        centroids = np.asarray(self.centroids)
        best = np.zeros(len(z), dtype=np.int64)
        best_d = np.full(len(z), np.inf)
        for j, c in enumerate(centroids):  # k passes: memory stays n x d
            d = ((z - c) ** 2).sum(axis=1)
            better = d < best_d
            best[better], best_d[better] = j, d[better]
        return best


def _standardise(x: np.ndarray, log: list[bool]) -> tuple[np.ndarray, list[float], list[float]]:
    logged = np.where(np.asarray(log), np.log1p(np.maximum(x, 0.0)), x)
    mean = logged.mean(axis=0)
    scale = logged.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)  # a constant feature stays 0
    return (logged - mean) / scale, [float(v) for v in mean], [float(v) for v in scale]


def _kmeans(z: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    from sklearn.cluster import KMeans  # noqa: PLC0415  (heavy: loaded when first used)

    km = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit(z)
    return km.cluster_centers_, km.labels_, float(km.inertia_)


def _ordered(centroids: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Centroids renumbered by decreasing cluster size (ties by the earlier centroid)."""
    sizes = np.bincount(labels, minlength=len(centroids))
    order = sorted(range(len(centroids)), key=lambda j: (-sizes[j], j))
    return centroids[order]


def _select_k(
    z: np.ndarray, ks: range, seed: int, on_k: Callable[[int, float], None] | None
) -> tuple[np.ndarray, np.ndarray, list[KScore]]:
    """k-means for every k; the k with the highest silhouette (on a seeded sample) wins, the
    smaller k on a tie."""
    from sklearn.metrics import silhouette_score  # noqa: PLC0415  (heavy: loaded when first used)

    best: tuple[float, np.ndarray, np.ndarray] | None = None
    scores = []
    sample = min(len(z), SILHOUETTE_SAMPLE)
    for kk in ks:
        centroids, labels, inertia = _kmeans(z, kk, seed)
        sil = float(silhouette_score(z, labels, sample_size=sample, random_state=seed))
        scores.append(KScore(kk, sil, inertia))
        if on_k is not None:
            on_k(kk, sil)
        if best is None or sil > best[0]:
            best = (sil, centroids, labels)
    assert best is not None
    return best[1], best[2], scores


def fit_clustering(
    x: np.ndarray,
    features: list[str],
    log: list[bool],
    *,
    k: int | tuple[int, int],
    seed: int,
    pca: bool,
    on_k: Callable[[int, float], None] | None = None,
    winsorize: float | None = None,
) -> Clustering:
    """Fit on the rows of `x`. `k` fixed, or (k_min, k_max): the k of the best silhouette.
    `winsorize` q clips every feature to its [q, 1 - q] quantiles of `x` first (and keeps the
    bounds, so that scoring clips alike)."""
    from sklearn.decomposition import PCA  # noqa: PLC0415  (heavy: loaded when first used)

    bounds: list[list[float]] = []
    if winsorize is not None and len(x):
        low, high = np.quantile(x, [winsorize, 1 - winsorize], axis=0)
        bounds = [[float(a), float(b)] for a, b in zip(low, high, strict=True)]
        x = np.clip(x, low, high)
    z, mean, scale = _standardise(x, log)
    components: list[list[float]] = []
    pca_mean: list[float] = []
    explained: list[float] = []
    if pca:
        model = PCA(n_components=VARIANCE_KEPT, svd_solver="full").fit(z)
        components = model.components_.tolist()
        pca_mean = model.mean_.tolist()
        explained = model.explained_variance_ratio_.tolist()
        z = (z - model.mean_) @ model.components_.T
    distinct = len(np.unique(z, axis=0))  # k-means cannot find more clusters than points
    scores: list[KScore] = []
    if isinstance(k, int):
        centroids, labels, _ = _kmeans(z, max(1, min(k, distinct)), seed)
    elif min(k[1], distinct, len(z) - 1) < 2:  # no silhouette for fewer than 2 clusters
        centroids, labels, _ = _kmeans(z, 1, seed)
    else:
        top = min(k[1], distinct, len(z) - 1)
        centroids, labels, scores = _select_k(z, range(max(2, min(k[0], top)), top + 1), seed, on_k)
    return Clustering(
        features=list(features),
        log=list(log),
        mean=mean,
        scale=scale,
        components=components,
        pca_mean=pca_mean,
        explained=explained,
        centroids=_ordered(centroids, labels).tolist(),
        k_scores=scores,
        bounds=bounds,
    )

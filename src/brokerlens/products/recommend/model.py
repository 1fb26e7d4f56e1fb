"""The recommender: EASE blended with content features by a logistic regression.

Why EASE: with ~100 products the item-item weight matrix is a 100 x 100 closed form (Steck 2019,
"Embarrassingly shallow autoencoders"): no random start, so the same data give the same model, it
is refit in a second at every scoring, and on small catalogues it ranks as well as ALS or better.
The blend is a logistic regression fitted on past windows (features as of D, label: a purchase
in the next `horizon_days` trading days), so its score is a probability that ranks products for
a customer and customers for a product alike, and each feature's contribution gives a reason.

Models are kept per version under `WarehouseLayout.recommend_model_dir(N)` (`model.json`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from brokerlens.atomic import atomic_dir
from brokerlens.errors import NotFound
from brokerlens.products.recommend.features import FEATURES
from brokerlens.warehouse.layout import WarehouseLayout

FORMAT = "brokerlens.recommend/1"
NO_MODEL_HINT = "fit one first: brokerlens products fit (or let `brokerlens run` fit it)"


def ease_weights(seen: sparse.csr_matrix, lam: float) -> np.ndarray:
    """EASE's item-item weights B (products x products, zero diagonal) from a 0/1 matrix."""
    x = seen.copy()
    x.data[:] = 1.0
    gram = np.asarray((x.T @ x).toarray(), dtype=np.float64)
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)[None, :]
    b[np.diag_indices_from(b)] = 0.0
    return b.astype(np.float32)


@dataclass
class RecModel:
    version: int
    fitted_at: str
    lake_through: str  # the newest business date the fit read (labels included)
    seed: int
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    config: dict[str, Any]
    windows: list[dict[str, Any]] = field(default_factory=list)  # as_of, customers, pairs, buys
    format: str = FORMAT

    @property
    def through(self) -> dt.date:
        return dt.date.fromisoformat(self.lake_through)

    def weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """coef, mean, scale as float32 arrays in FEATURES order."""
        if list(self.features) != list(FEATURES):
            raise NotFound(
                f"recommendation model v{self.version} was fitted on other features",
                hint=NO_MODEL_HINT,
            )
        return (
            np.asarray(self.coef, np.float32),
            np.asarray(self.mean, np.float32),
            np.asarray(self.scale, np.float32),
        )

    def logits(self, x: np.ndarray) -> np.ndarray:
        """x: (features, ...) -> the logit of each pair."""
        coef, mean, scale = self.weights()
        w = coef / scale
        z = np.tensordot(w, x, axes=1)
        return z + np.float32(self.intercept - float((w * mean).sum()))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """x: (features, pairs) -> each feature's contribution to the logit, against the mean."""
        coef, mean, scale = self.weights()
        return (coef / scale)[:, None] * (x - mean[:, None])

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> RecModel:
        return cls(**json.loads(text))


def fit_blend(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, seed: int
) -> tuple[list[float], list[float], list[float], float]:
    """A logistic regression on standardised features: (coef, mean, scale, intercept)."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - heavy, fit only

    mean = np.average(x, axis=0, weights=w)
    scale = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=w))
    scale = np.where(scale > 1e-9, scale, 1.0)
    lr = LogisticRegression(C=1.0, max_iter=500, random_state=seed)
    lr.fit((x - mean) / scale, y, sample_weight=w)
    return (
        [float(v) for v in lr.coef_[0]],
        [float(v) for v in mean],
        [float(v) for v in scale],
        float(lr.intercept_[0]),
    )


@dataclass(frozen=True)
class RecModels:
    """The recommendation models kept in the warehouse."""

    warehouse: WarehouseLayout

    def versions(self) -> list[int]:
        return self.warehouse.recommend_versions()

    def newest(self) -> RecModel | None:
        versions = self.versions()
        return self.load(versions[-1]) if versions else None

    def load(self, version: int) -> RecModel:
        path = WarehouseLayout.model_json(self.warehouse.recommend_model_dir(version))
        if not path.is_file():
            raise NotFound(f"recommendation model v{version} is not kept", hint=NO_MODEL_HINT)
        return RecModel.from_json(path.read_text("utf-8"))

    def save(self, model: RecModel) -> int:
        """Keep `model` as the next version (written aside, renamed into place)."""
        versions = self.versions()
        model.version = (versions[-1] + 1) if versions else 1
        target = self.warehouse.recommend_model_dir(model.version)
        with atomic_dir(target) as tmp:
            WarehouseLayout.model_json(tmp).write_text(model.to_json(), "utf-8")
        return model.version

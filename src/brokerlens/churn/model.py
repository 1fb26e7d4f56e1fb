"""Gradient boosting (LightGBM) on stacked as-of dates, split by time, calibrated.

The sample: as-of dates `step_days` apart whose whole target window (H trading days, plus the
return window a soft churn needs to be recognised) lies inside the lake. The latest dates are
the test period; training uses only dates whose target window ends before the test period
starts, so no customer-date of the test period reaches the model; the latest of those earlier
dates are held out to calibrate the probabilities (isotonic regression).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from brokerlens.churn.config import ChurnConfig
from brokerlens.errors import LakeError


@dataclass(frozen=True)
class Split:
    train: list[int]  # day indexes of the as-of dates
    calibration: list[int]
    test: list[int]


def sample_dates(last_di: int, config: ChurnConfig) -> list[int]:
    """As-of day indexes, oldest first, whose labels are complete within the lake."""
    m = config.model
    latest = last_di - config.target.horizon_days - config.labels.return_days
    earliest = m.lookback_days - 1
    dates = list(range(latest, earliest - 1, -m.step_days))
    return sorted(dates)


def _split(dates: list[int], config: ChurnConfig) -> Split:
    horizon = config.target.horizon_days
    n_test = max(1, math.ceil(len(dates) * config.model.test_share))
    test = dates[-n_test:] if len(dates) > n_test else []
    first_test = test[0] if test else 0
    pool = [t for t in dates if t + horizon < first_test]
    n_cal = max(1, math.ceil(len(pool) * config.model.calibration_share))
    return Split(train=pool[:-n_cal], calibration=pool[-n_cal:], test=test)


def days_needed(config: ChurnConfig) -> int:
    """The fewest loaded trading days whose as-of dates give both training and test dates."""
    for days in range(1, 100_000):
        split = _split(sample_dates(days - 1, config), config)
        if split.train and split.test:
            return days
    raise ValueError("no lake length gives training and test dates with this configuration")


def split_dates(dates: list[int], config: ChurnConfig) -> Split:
    """Train / calibration / test as-of dates; raises when the lake is too short for all three."""
    split = _split(dates, config)
    if not split.test or not split.train:
        raise LakeError(
            f"the lake is too short to train and test a churn model: {len(dates)} usable "
            f"as-of date(s) give {len(split.train)} to train on and {len(split.test)} to test",
            hint=f"load at least {days_needed(config)} trading days, or lower "
            "target.horizon_days / model.lookback_days / model.step_days in "
            "<home>/churn/churn.yaml",
        )
    return split


def lgb_params(config: ChurnConfig, seed: int) -> dict[str, Any]:
    m = config.model
    return {
        "objective": "binary",
        "learning_rate": m.learning_rate,
        "num_leaves": m.num_leaves,
        "min_child_samples": m.min_child_samples,
        "feature_fraction": 0.9,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,  # with deterministic, the same trees on every run
        "num_threads": m.threads,
        "verbosity": -1,
    }


def fit_booster(
    x: np.ndarray, y: np.ndarray, features: list[str], config: ChurnConfig, seed: int
) -> Any:
    import lightgbm as lgb  # noqa: PLC0415  (heavy: loaded when first used)

    data = lgb.Dataset(x, label=y, feature_name=features, free_raw_data=True)
    return lgb.train(lgb_params(config, seed), data, num_boost_round=config.model.rounds)


@dataclass(frozen=True)
class Calibration:
    """Isotonic map from the booster's raw probability to a calibrated one (stored points)."""

    x: list[float]
    y: list[float]

    def apply(self, raw: np.ndarray) -> np.ndarray:
        if not self.x:
            return raw
        return np.interp(raw, np.asarray(self.x), np.asarray(self.y))


def fit_calibration(raw: np.ndarray, y: np.ndarray) -> Calibration:
    from sklearn.isotonic import IsotonicRegression  # noqa: PLC0415  (heavy: loaded when first used)

    if y.sum() == 0 or y.sum() == len(y):
        return Calibration([], [])  # nothing to learn from: keep the booster's probabilities
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
    return Calibration([float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_])


def top_mask(scores: np.ndarray, share: float) -> np.ndarray:
    """The top `share` of scores (ties broken by position, so exactly ceil(share * n) rows)."""
    n = max(1, math.ceil(len(scores) * share))
    order = np.argsort(-scores, kind="stable")
    mask = np.zeros(len(scores), dtype=bool)
    mask[order[:n]] = True
    return mask


def metrics(y: np.ndarray, prob: np.ndarray, share: float) -> dict[str, float]:
    from sklearn.metrics import brier_score_loss, roc_auc_score  # noqa: PLC0415  (heavy: loaded when first used)

    out: dict[str, float] = {
        "rows": float(len(y)),
        "positives": float(y.sum()),
        "base_rate": round(float(y.mean()), 5) if len(y) else 0.0,
    }
    if 0 < y.sum() < len(y):
        out["roc_auc"] = round(float(roc_auc_score(y, prob)), 4)
        flagged = top_mask(prob, share)
        precision = float(y[flagged].mean())
        out[f"precision_top_{round(share * 100)}pct"] = round(precision, 4)
        out["lift_top"] = round(precision / float(y.mean()), 2)
        out["recall_top"] = round(float(y[flagged].sum() / y.sum()), 4)
        out["brier"] = round(float(brier_score_loss(y, prob)), 5)
        out["mean_probability"] = round(float(prob.mean()), 5)
    return out

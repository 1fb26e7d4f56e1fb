"""Fitting the blend on past windows: features as of D, the label a purchase in (D, D + h].

Windows step back from the newest date the fit may read (`through`) by the horizon, so the
newest window's labels end on `through` and nothing after it is read. Each window's EASE weights
come from that window's own data, as at scoring time. Buyers are all kept; non-buyers are
sampled (seeded) and re-weighted, so the probability stays calibrated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from brokerlens.engine import Engine
from brokerlens.errors import LakeError
from brokerlens.products.recommend.config import ModelConfig
from brokerlens.products.recommend.features import FEATURES, ease_scores, pair_features
from brokerlens.products.recommend.model import RecModel, ease_weights, fit_blend
from brokerlens.products.recommend.snapshot import read_labels, read_snapshot, register_lake
from brokerlens.warehouse.sources import LakeFiles

Progress = Callable[[str], None]


def window_dates(days: list[dt.date], through: dt.date, config: ModelConfig) -> list[dt.date]:
    """The as-of dates of the fit's windows, newest first."""
    i = days.index(through)
    h = config.horizon_days
    return [days[i - k * h] for k in range(1, config.windows + 1) if i - k * h >= 0]


def fit_model(
    engine: Engine,
    lake: LakeFiles,
    days: list[dt.date],
    through: dt.date,
    config: ModelConfig,
    progress: Progress | None = None,
) -> RecModel:
    """A model fitted on the windows before `through` (not yet kept)."""
    dates = window_dates(days, through, config)
    if not dates:
        raise LakeError(
            f"the lake up to {through} holds {days.index(through) + 1} business dates; "
            f"a recommendation model needs more than {config.horizon_days}",
            hint="load more dates, or lower model.horizon_days in products/recommendation.yaml",
        )
    rng = np.random.default_rng(config.seed)
    xs, ys, ws, windows = [], [], [], []
    for d in dates:
        end = days[days.index(d) + config.horizon_days]
        register_lake(engine, lake, d, end)
        snap = read_snapshot(engine, d, days, config)
        labels = read_labels(engine, snap, d, end)
        buyers = np.flatnonzero(np.diff(labels.indptr) > 0)
        others = np.setdiff1d(np.arange(len(snap)), buyers)
        others = others[rng.random(len(others)) < config.negative_share]
        rows = np.concatenate([buyers, others])
        weight = np.concatenate(
            [np.ones(len(buyers)), np.full(len(others), 1.0 / config.negative_share)]
        )
        if len(rows) > config.fit_customers:  # a uniform sample keeps the weights' ratio
            pick = np.sort(rng.choice(len(rows), config.fit_customers, replace=False))
            rows, weight = rows[pick], weight[pick]
        on = snap.shelf.on_sale
        x = pair_features(
            snap, rows, ease_scores(snap, rows, ease_weights(snap.seen, config.ease_lambda))
        )
        x = x[:, :, on].reshape(len(FEATURES), -1).T
        y = labels[rows][:, on].toarray().ravel() > 0
        xs.append(x)
        ys.append(y)
        ws.append(np.repeat(weight, int(on.sum())))
        windows.append(
            {
                "as_of": d.isoformat(),
                "labels_through": end.isoformat(),
                "customers": len(snap),
                "sampled": len(rows),
                "buyers": len(buyers),
                "pairs": len(y),
                "purchases": int(y.sum()),
            }
        )
        if progress is not None:
            progress(f"window {d}: {len(buyers):,} buyers, {len(rows):,} customers sampled")
    x = np.concatenate(xs).astype(np.float64)
    y = np.concatenate(ys)
    if y.sum() == 0 or y.all():
        raise LakeError(
            f"no product purchase in the {len(dates)} window(s) before {through}",
            hint="the model learns from subscriptions and purchases in product_trades",
        )
    coef, mean, scale, intercept = fit_blend(x, y, np.concatenate(ws), config.seed)
    return RecModel(
        version=0,
        fitted_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        lake_through=through.isoformat(),
        seed=config.seed,
        features=list(FEATURES),
        mean=mean,
        scale=scale,
        coef=coef,
        intercept=intercept,
        config=config.model_dump(),
        windows=windows,
    )

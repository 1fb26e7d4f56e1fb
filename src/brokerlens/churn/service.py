"""What the CLI, `brokerlens run`, the API and the bench call: fit, score, show."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from brokerlens.churn.config import ChurnConfig, load_config
from brokerlens.churn.data import ChurnData
from brokerlens.churn.kept import ChurnModel, ChurnModels
from brokerlens.churn.model import (
    Calibration,
    fit_booster,
    fit_calibration,
    metrics,
    sample_dates,
    split_dates,
)
from brokerlens.churn.reasons import feature_names, matrix_rows, top_reasons
from brokerlens.config import Settings
from brokerlens.engine import Engine
from brokerlens.errors import NotFound
from brokerlens.warehouse.layout import WarehouseLayout

Progress = Callable[[str], None]


def churn_models(settings: Settings) -> ChurnModels:
    return ChurnModels(WarehouseLayout(settings.warehouse_dir))


@dataclass
class FitReport:
    version: int
    path: Path
    lake_through: dt.date
    rows: dict[str, int]
    metrics: dict[str, dict[str, float]]
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class ScoreReport:
    as_of: dt.date
    version: int
    path: Path
    customers: int
    flagged: int
    seconds: float


def _matrix(table: pa.Table, features: list[str]) -> np.ndarray:
    columns = [
        np.asarray(table.column(f).to_numpy(zero_copy_only=False), dtype=np.float64)
        for f in features
    ]
    return np.column_stack(columns) if columns else np.empty((table.num_rows, 0))


def labelled_sample(
    data: ChurnData, dates: list[int], say: Progress
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of each as-of date with its label: x, y and the as-of index of each row."""
    labels = data.labels()
    churn_di = dict(
        zip(
            labels.column("customer_id").to_pylist(),
            labels.column("churn_di").to_pylist(),
            strict=True,
        )
    )
    horizon = data.config.target.horizon_days
    features = feature_names(data.config.model.lookback_days)
    xs, ys, ts = [], [], []
    for i, t in enumerate(dates, 1):
        say(f"features as of {data.days[t]} ({i}/{len(dates)})")
        table = data.features(data.days[t])
        when = np.array(
            [churn_di.get(c, -1) for c in table.column("customer_id").to_pylist()],
            dtype=np.int64,
        )
        keep = (when < 0) | (when > t)  # a customer who already churned is no longer at risk
        x = _matrix(table, features)[keep]
        y = ((when > t) & (when <= t + horizon))[keep].astype(np.int8)
        xs.append(x)
        ys.append(y)
        ts.append(np.full(len(y), t, dtype=np.int64))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ts)


def fit_model(
    settings: Settings,
    *,
    seed: int = 42,
    as_of: dt.date | None = None,
    config: ChurnConfig | None = None,
    progress: Progress | None = None,
) -> FitReport:
    """Label, build the stacked sample, train, calibrate, test, and store the next version."""
    say = progress or (lambda _message: None)
    config = config or load_config(settings)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    features = feature_names(config.model.lookback_days)
    with ChurnData(settings, config, through=as_of) as data:
        split = split_dates(sample_dates(len(data.days) - 1, config), config)
        dates = split.train + split.calibration + split.test
        say(
            f"{len(dates)} as-of dates: train {len(split.train)}, calibrate "
            f"{len(split.calibration)}, test {len(split.test)} (horizon "
            f"{config.target.horizon_days} trading days)"
        )
        x, y, t = labelled_sample(data, dates, say)
        days = data.days
    seconds["features"] = round(time.perf_counter() - clock, 2)
    parts = {
        name: np.isin(t, chosen)
        for name, chosen in (
            ("train", split.train),
            ("calibration", split.calibration),
            ("test", split.test),
        )
    }
    n_train, n_churned = int(parts["train"].sum()), int(y[parts["train"]].sum())
    say(f"training LightGBM on {n_train:,} rows ({n_churned} churned)")
    booster = fit_booster(x[parts["train"]], y[parts["train"]], features, config, seed)
    calibration = fit_calibration(booster.predict(x[parts["calibration"]]), y[parts["calibration"]])
    share = config.model.top_share
    scored = {}
    for name, mask in parts.items():
        raw = booster.predict(x[mask])
        scored[name] = metrics(y[mask], calibration.apply(raw), share)
    seconds["model"] = round(time.perf_counter() - clock - seconds["features"], 2)
    models = churn_models(settings)
    version = models.next_version()
    gains = booster.feature_importance(importance_type="gain")
    model = ChurnModel(
        version=version,
        fitted_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seed=seed,
        lake_through=days[-1].isoformat(),
        features=features,
        config=config.model_dump(),
        split={k: [days[i].isoformat() for i in v] for k, v in asdict(split).items()},
        calibration={"x": calibration.x, "y": calibration.y},
        metrics=scored,
        importance={f: round(float(g), 2) for f, g in zip(features, gains, strict=True)},
    )
    path = models.save(model, booster.model_to_string())
    say(f"stored churn model version {version} in {path}")
    return FitReport(
        version=version,
        path=path,
        lake_through=days[-1],
        rows={k: int(v.sum()) for k, v in parts.items()},
        metrics=scored,
        seconds=seconds,
    )


def _booster(models: ChurnModels, version: int) -> Any:
    import lightgbm as lgb  # noqa: PLC0415  (heavy: loaded when first used)

    return lgb.Booster(model_str=models.read_booster_text(version))


def known_churned(labels: pa.Table, t: int, return_days: int) -> pa.ChunkedArray:
    """Customers whose churn is known by day t: a hard churn on or before t, a soft churn whose
    return window has passed by t. Uses data of days <= t only."""
    hard = pc.fill_null(pc.equal(labels.column("churn_kind"), "hard"), False)
    wait = np.where(hard.to_numpy(zero_copy_only=False), 0, return_days)
    churn_di = labels.column("churn_di").to_numpy(zero_copy_only=False)
    return labels.column("customer_id").filter(pa.array(churn_di + wait <= t))


def score_table(
    data: ChurnData,
    model: ChurnModel,
    booster: Any,
    as_of: dt.date,
    labels: pa.Table,
    *,
    reasons: bool = True,
) -> pa.Table:
    """Calibrated probability, rank and top 3 reasons of every customer on the books at T
    (customers whose churn is already known by T are not scored)."""
    return score_features(
        data.features(as_of), labels, data.index(as_of), model, booster, as_of, reasons=reasons
    )


# rows of the feature matrix built and handed to LightGBM at a time (43 features: ~90 MB), so
# the memory of a scoring does not grow with a second copy of every customer's features
CHUNK_ROWS = 1 << 18


def explained_rows(n: int, share: float, most: int) -> int:
    """How many of the top ranks get reasons: the top `share` of `n`, at most `most`."""
    return min(math.ceil(n * share), most)


def _strings(values: list[str], at: np.ndarray, n: int) -> pa.Array:
    """A string column of `n` rows: `values[i]` at row `at[i]`, "" elsewhere."""
    index = np.zeros(n, dtype=np.int32)
    index[at] = np.arange(1, len(at) + 1, dtype=np.int32)
    return pa.array(["", *values], pa.string()).take(pa.array(index))


def score_features(
    table: pa.Table,
    labels: pa.Table,
    t: int,
    model: ChurnModel,
    booster: Any,
    as_of: dt.date,
    *,
    reasons: bool = True,
) -> pa.Table:
    """`score_table` over features and labels computed already (`t`: T's index in the lake).

    Vectorised: the matrix is built and predicted CHUNK_ROWS at a time; TreeSHAP (~0.7 ms of
    CPU a row) and the words run for the explained top ranks only (`explained_rows`)."""
    config = ChurnConfig.model_validate(model.config)  # defaults for what an older fit lacks
    threads = config.model.threads
    gone = known_churned(labels, t, config.labels.return_days)
    keep = (
        pc.invert(pc.is_in(table.column("customer_id"), value_set=gone)).to_numpy(
            zero_copy_only=False
        )
        if len(gone)
        else None
    )
    rows = np.flatnonzero(keep) if keep is not None else np.arange(table.num_rows)
    n = len(rows)
    raw = np.empty(n, dtype=np.float64)
    done = 0
    for start in range(0, table.num_rows, CHUNK_ROWS):
        x = _matrix(table.slice(start, CHUNK_ROWS), model.features)
        if keep is not None:
            x = x[keep[start : start + CHUNK_ROWS]]
        if len(x):
            raw[done : done + len(x)] = booster.predict(x, num_threads=threads)
        done += len(x)
    calibration = Calibration(model.calibration["x"], model.calibration["y"])
    prob = calibration.apply(raw)
    # rank 1 = most at risk; ties by raw score, then by customer id (the table's order)
    order = np.lexsort((-raw, -prob))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    lookback = config.model.lookback_days
    # reasons go to the customers a broker will call, the top ranks, at most
    # model.reasons_max_rows of them (the bench ranks only and skips them)
    explain = (
        np.flatnonzero(
            rank <= explained_rows(n, config.model.reasons_share, config.model.reasons_max_rows)
        )
        if reasons
        else np.empty(0, dtype=np.int64)
    )
    zh: list[str] = []
    en: list[str] = []
    for start in range(0, len(explain), CHUNK_ROWS):
        part = rows[explain[start : start + CHUNK_ROWS]]
        x = _matrix(table.take(pa.array(part)), model.features)
        contrib = booster.predict(x, pred_contrib=True, num_threads=threads)
        more_zh, more_en = top_reasons(
            contrib, model.features, matrix_rows(x, model.features), lookback
        )
        zh += more_zh
        en += more_en
    ids = table.column("customer_id")
    branches = table.column("branch_id")
    if keep is not None:
        ids, branches = ids.filter(pa.array(keep)), branches.filter(pa.array(keep))
    return pa.table(
        {
            "as_of": pa.repeat(pa.scalar(as_of, pa.date32()), n),
            "customer_id": ids,
            "branch_id": branches,
            "probability": pa.array(np.round(prob, 6), pa.float64()),
            "raw_score": pa.array(np.round(raw, 6), pa.float64()),
            "rank": pa.array(rank, pa.int64()),
            "reasons_zh": _strings(zh, explain, n),
            "reasons_en": _strings(en, explain, n),
            "model_version": pa.repeat(pa.scalar(model.version, pa.int32()), n),
        }
    )


def score(
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    version: int | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> ScoreReport:
    """Score every customer on the books at T (default: the last loaded date), store the scores.
    The features and labels are computed on `engine` (the run's), else on DuckDB."""
    say = progress or (lambda _message: None)
    clock = time.perf_counter()
    models = churn_models(settings)
    model = models.read_model(version)  # NotFound with the hint to fit when there is none
    booster = _booster(models, model.version)
    config = ChurnConfig.model_validate(model.config)  # the fit's windows, not today's file
    with ChurnData(settings, config, through=as_of, engine=engine) as data:
        day = data.days[-1]
        say(f"scoring {day} with churn model v{model.version}")
        table = score_table(data, model, booster, day, data.labels())
    path = models.write_scores(day, table)
    share = config.model.top_share
    flagged = int(np.ceil(table.num_rows * share)) if table.num_rows else 0
    return ScoreReport(
        as_of=day,
        version=model.version,
        path=path,
        customers=table.num_rows,
        flagged=flagged,
        seconds=round(time.perf_counter() - clock, 2),
    )


def customer_scores(settings: Settings, customer_id: str) -> list[dict[str, Any]]:
    """The customer's stored scores, newest as-of date first."""
    models = churn_models(settings)
    rows = models.customer_scores(customer_id)
    if not rows:
        if not models.versions():
            raise NotFound("no churn model is stored", hint="fit one first: brokerlens churn fit")
        if not models.score_dates():
            raise NotFound(
                "no churn scores are stored", hint="score a date: brokerlens churn score"
            )
        raise NotFound(f"customer {customer_id!r} has no churn score on any scored date")
    return rows


NO_MODEL_YET = "skipped: no churn model yet (brokerlens churn fit)"


def prepare_scoring(
    settings: Settings, as_of: dt.date, engine: Engine, features: Path, labels: Path
) -> str:
    """`brokerlens run`'s "churn features" step: T's features and the labels known by T, for
    the newest model's windows, computed on the run's engine and kept in the run's scratch."""
    models = churn_models(settings)
    if not models.versions():
        return NO_MODEL_YET
    config = ChurnConfig.model_validate(models.read_model().config)
    with ChurnData(settings, config, through=as_of, engine=engine) as data:
        table = data.features(as_of)
        known = data.labels()
    features.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, features)
    pq.write_table(known, labels)
    return f"features of {table.num_rows} customers"


def score_prepared(settings: Settings, as_of: dt.date, t: int, features: Path, labels: Path) -> str:
    """`brokerlens run`'s "churn" step: score the prepared features of T with the newest model
    (in Python), keep the scores, or say why it was skipped."""
    models = churn_models(settings)
    if not models.versions() or not features.exists():
        return NO_MODEL_YET
    model = models.read_model()
    table = score_features(
        pq.read_table(features),
        pq.read_table(labels),
        t,
        model,
        _booster(models, model.version),
        as_of,
    )
    models.write_scores(as_of, table)
    return f"scored {table.num_rows} customers with model v{model.version}"

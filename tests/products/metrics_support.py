"""Product evaluation over hand-made tables: NAV series, index closes and products, registered
on an engine as the step registers them from the lake, evaluated, read back as dicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.engine import Engine
from brokerlens.products.config import EvaluationConfig, default_config
from brokerlens.products.evaluate import evaluate

NavRow = tuple[dt.date, str, float, float | None]  # biz_date, product_id, nav, acc_nav
IndexRow = tuple[dt.date, str, float]  # biz_date, index_id, close
# product_id, product_type, risk_level, benchmark, launch_date
ProductRow = tuple[str, str, str, str | None, dt.date | None]


def config(**changes: Any) -> EvaluationConfig:
    base = default_config().model_dump()
    stars = changes.pop("stars", None)
    if stars:
        base["stars"] = {**base["stars"], **stars}
    return EvaluationConfig.model_validate({**base, **changes})


def register(
    engine: Engine,
    navs: Sequence[NavRow],
    products: Sequence[ProductRow],
    closes: Sequence[IndexRow] = (),
) -> None:
    engine.register_table(
        "pm_nav",
        pa.table(
            {
                "biz_date": pa.array([r[0] for r in navs], pa.date32()),
                "product_id": pa.array([r[1] for r in navs], pa.string()),
                "nav": pa.array([r[2] for r in navs], pa.float64()),
                "acc_nav": pa.array([r[3] for r in navs], pa.float64()),
            }
        ),
    )
    engine.register_table(
        "pm_index",
        pa.table(
            {
                "biz_date": pa.array([r[0] for r in closes], pa.date32()),
                "index_id": pa.array([r[1] for r in closes], pa.string()),
                "close": pa.array([r[2] for r in closes], pa.float64()),
            }
        ),
    )
    engine.register_table(
        "pm_products",
        pa.table(
            {
                "product_id": pa.array([r[0] for r in products], pa.string()),
                "product_type": pa.array([r[1] for r in products], pa.string()),
                "risk_level": pa.array([r[2] for r in products], pa.string()),
                "benchmark": pa.array([r[3] for r in products], pa.string()),
                "launch_date": pa.array([r[4] for r in products], pa.date32()),
            }
        ),
    )


def metrics(
    engine: Engine,
    tmp: Path,
    as_of: dt.date,
    navs: Sequence[NavRow],
    products: Sequence[ProductRow],
    closes: Sequence[IndexRow] = (),
    settings: EvaluationConfig | None = None,
) -> dict[str, dict[str, Any]]:
    """product_id -> its row of product_metrics as of `as_of`."""
    register(engine, navs, products, closes)
    out = tmp / f"{engine.name}-{as_of}.parquet"
    evaluate(engine, out, tmp / f"scratch-{engine.name}", as_of, settings or config())
    return {r["product_id"]: r for r in pq.read_table(out).to_pylist()}


def weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def random_walk(
    days: Sequence[dt.date], seed: int, drift: float = 0.0003, vol: float = 0.012, start: float = 1
) -> list[float]:
    rng = np.random.default_rng(seed)
    steps = 1 + drift + vol * rng.standard_normal(len(days) - 1)
    return [float(v) for v in start * np.concatenate([[1.0], np.cumprod(steps)])]


def series(
    product_id: str, days: Iterable[dt.date], values: Iterable[float], acc: bool = True
) -> list[NavRow]:
    return [(d, product_id, v, v if acc else None) for d, v in zip(days, values, strict=True)]

"""Broken rows on purpose (--bad-rows): placeholder, filled in below."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa


def inject(
    name: str, table: pa.Table, share: float, rng: np.random.Generator, *, csv: bool, biz_date: dt.date
) -> tuple[pa.Table, pa.Table | None]:
    return table, None

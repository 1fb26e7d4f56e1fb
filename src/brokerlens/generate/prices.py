"""One trading day of the market: ex-date adjustments, closes within limits, quotes, indices."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from brokerlens.contract.feeds import INDEX_IDS
from brokerlens.generate.market import CA_TYPES, Market, limits
from brokerlens.generate.tables import build

CA_RATE = 0.8 / 250  # corporate actions per stock per trading day


def _floor_tick(x: np.ndarray, tick: np.ndarray) -> np.ndarray:
    return (np.floor(x / tick + 1e-9) * tick).astype(np.int64)


def _ceil_tick(x: np.ndarray, tick: np.ndarray) -> np.ndarray:
    return (np.ceil(x / tick - 1e-9) * tick).astype(np.int64)


def step(m: Market, t: int, day: dt.date, rng: np.random.Generator, drift: float) -> None:
    """Advance prices to day t; fills the quote arrays and today's corporate actions."""
    n = m.n
    listed = m.list_t <= t
    new = m.list_t == t
    was_listed = listed & ~new
    prev = m.close.astype(np.float64)
    # corporate actions on listed, seasoned stocks
    eligible = np.flatnonzero(was_listed & (m.sec_type == 0) & (t - m.list_t > 5))
    hit = eligible[rng.random(len(eligible)) < CA_RATE]
    kind = np.searchsorted([0.8, 0.95], rng.random(len(hit)), side="right")
    value = np.zeros(len(hit))
    p = prev[hit] / 10000
    cash = kind == 0
    value[cash] = np.maximum(np.round(p[cash] * rng.uniform(0.005, 0.04, cash.sum()), 3), 0.01)
    value[kind == 1] = rng.choice([0.1, 0.2, 0.3, 0.5], (kind == 1).sum())
    value[kind == 2] = rng.choice([0.1, 0.2, 0.3], (kind == 2).sum())
    ref = prev.copy()
    ref[hit[cash]] = prev[hit[cash]] - value[cash] * 10000
    sd = hit[kind == 1]
    ref[sd] = prev[sd] / (1 + value[kind == 1])
    m.shares[sd] = np.round(m.shares[sd] * (1 + value[kind == 1])).astype(np.int64)
    ri = hit[kind == 2]
    ref[ri] = (prev[ri] + 0.8 * prev[ri] * value[kind == 2]) / (1 + value[kind == 2])
    ref_tick = np.maximum(np.round(ref / m.tick).astype(np.int64) * m.tick, m.tick)
    ref_tick[new] = m.issue_price[new]
    m.ca_sec, m.ca_type, m.ca_value = hit, kind, value
    # returns: market factor, industry factor, idiosyncratic
    mkt = rng.normal(drift, 0.011)
    ind = rng.normal(0, 0.007, 32)
    beta = np.where(m.sec_type == 0, 1.0, np.where(np.isin(m.sec_type, (1, 2, 3)), 0.9, 0.3))
    beta[np.isin(m.sec_type, (4, 7))] = 0.0
    r = (
        beta * mkt
        + np.where(m.industry >= 0, ind[m.industry], 0)
        + m.sigma * rng.standard_normal(n)
    )
    r[m.sec_type == 4] += 0.00012
    r += 0.5 * m.sigma**2  # no volatility drag: prices keep their level over long runs
    r[new] = rng.lognormal(np.log(0.5), 0.5, new.sum())
    lim = limits(m, day, t)
    base = ref_tick.astype(np.float64)
    up = np.where(
        np.isfinite(lim),
        _floor_tick(base * (1 + np.where(np.isfinite(lim), lim, 0)), m.tick),
        1 << 50,
    )
    down = np.where(
        np.isfinite(lim),
        _ceil_tick(base * (1 - np.where(np.isfinite(lim), lim, 0)), m.tick),
        m.tick,
    )
    down = np.maximum(down, m.tick)
    close = np.clip(np.round(base * (1 + r) / m.tick).astype(np.int64) * m.tick, down, up)
    ro = r * rng.uniform(0, 0.6, n) + m.sigma * 0.3 * rng.standard_normal(n)
    open_ = np.clip(np.round(base * (1 + ro) / m.tick).astype(np.int64) * m.tick, down, up)
    spread = np.abs(rng.standard_normal((2, n))) * np.maximum(m.sigma, 0.0005) * 0.6
    high = np.clip(
        _floor_tick(np.maximum(open_, close) * (1 + spread[0]), m.tick),
        np.maximum(open_, close),
        up,
    )
    low = np.clip(
        _ceil_tick(np.minimum(open_, close) * (1 - spread[1]), m.tick),
        down,
        np.minimum(open_, close),
    )
    repo = m.sec_type == 7
    for arr in (close, open_, high, low):
        arr[repo] = 1_000_000
    ref_tick[repo] = 1_000_000
    turnover = rng.lognormal(np.log(0.012), 0.6, n)
    volume = np.round(m.shares * turnover / 100).astype(np.int64) * 100
    vwap = (open_ + high + low + close) / 4
    amount = np.round(volume * vwap / 100).astype(np.int64)
    # indices: cap-weighted on today's shares, against the ex-adjusted previous closes
    m.index_prev = m.index_level.copy()
    for k, members in enumerate(m.index_members):
        mem = members[was_listed[members]]
        if len(mem):
            w = m.shares[mem].astype(np.float64)
            ratio = float(np.sum(w * close[mem]) / np.sum(w * ref_tick[mem]))
            m.index_level[k] = round(m.index_level[k] * ratio, 4)
    m.market_return = float(m.index_level[0] / m.index_prev[0] - 1)
    m.prev, m.open, m.high, m.low, m.close = (
        ref_tick,
        open_,
        high,
        low,
        np.where(listed, close, m.close),
    )
    m.volume, m.amount, m.listed = volume, amount, listed


def quotes_table(m: Market, biz: int) -> pa.Table:
    idx = np.flatnonzero(m.listed)
    return build(
        "quotes",
        {
            "biz_date": np.full(len(idx), biz),
            "security_id": pa.array([m.code[i] for i in idx.tolist()], pa.string()),
            "open": m.open[idx],
            "high": m.high[idx],
            "low": m.low[idx],
            "close": m.close[idx],
            "prev_close": m.prev[idx],
            "volume": m.volume[idx],
            "amount": m.amount[idx],
        },
    )


def index_table(m: Market, biz: int) -> pa.Table:
    k = len(INDEX_IDS)
    return build(
        "index_quotes",
        {
            "biz_date": np.full(k, biz),
            "index_id": pa.array(list(INDEX_IDS), pa.string()),
            "close": np.round(m.index_level * 10000).astype(np.int64),
            "prev_close": np.round(m.index_prev * 10000).astype(np.int64),
        },
    )


def corporate_actions_table(m: Market, biz: int) -> pa.Table:
    return build(
        "corporate_actions",
        {
            "security_id": pa.array([m.code[i] for i in m.ca_sec.tolist()], pa.string()),
            "ex_date": np.full(len(m.ca_sec), biz),
            "action_type": pa.array([CA_TYPES[k] for k in m.ca_type.tolist()], pa.string()),
            "per_share": m.ca_value,
        },
    )

"""Churn for reasons: signals (underperformance, no contact, a cheaper competitor) come first,
then, some weeks later, hard churn (account closed / transferred out / designation cancelled)
or soft churn (money drained out). Signals are visible in the feeds before the churn date."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from brokerlens.generate import archetypes as ar
from brokerlens.generate.customers import Population
from brokerlens.generate.state import State

CAUSES = ("", "underperformance", "no_service_contact", "cheaper_competitor")
LOSS, NO_CONTACT, COMPETITOR = 1, 2, 3
HARD, SOFT = 1, 2
HARD_KINDS = ("", "closed", "transferred_out", "designation_cancelled")
EVAL_EVERY = 5
LEAD = (10, 26)  # trading days from signal to churn
# chance of a signal at one check: underperforming the index, neglected, paying too much
P_LOSS, P_QUIET, P_PRICEY = 0.02, 0.008, 0.003
# the churn oracle (issue 20): the chance of churning within the next HORIZON trading days,
# every EVAL_EVERY trading days (_ground_truth/churn_propensity.parquet, ground_truth.py)
HORIZON = 40
PROPENSITY_SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("customer_id", pa.string()),
        ("propensity", pa.float32()),
    ],
    metadata={"horizon_trading_days": str(HORIZON), "every_trading_days": str(EVAL_EVERY)},
)


def snapshot(s: State, t: int, index_level: float) -> None:
    if t % EVAL_EVERY == 0:
        s.snap_assets.append(s.assets.copy())
        s.snap_flow.append(s.netflow.copy())
        s.snap_index.append(index_level)
        if len(s.snap_assets) > 5:
            s.snap_assets.pop(0), s.snap_flow.pop(0), s.snap_index.pop(0)


def evaluate(
    s: State, pop: Population, t: int, day: int, active: np.ndarray, index_level: float,
    rng: np.random.Generator, damping: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """Signal new churners (evaluated every few days); returns their indices. `damping`
    multiplies each customer's chance of a signal (a contact's effect, effects.py); the chance
    without it is kept in s.hazard, the loss condition in s.at_risk."""
    if t % EVAL_EVERY != 0:
        return np.zeros(0, np.int64)
    damp = np.ones(s.n) if damping is None else damping
    free = active & (s.ch_stage == 0) & (pop.arch != ar.DORMANT) & (pop.arch != ar.EMPTY)
    free &= s.liab == 0
    cause = np.zeros(s.n, np.int64)
    risky = np.zeros(s.n, bool)
    if s.snap_assets and t > 0:
        base, flow, idx0 = s.snap_assets[0], s.snap_flow[0], s.snap_index[0]
        ret = (s.assets - base - (s.netflow - flow)) / np.maximum(base, 1)
        excess = ret - (index_level / idx0 - 1)
        risky = free & (base > 500_000) & (excess < -0.08)
        loss = risky & (rng.random(s.n) < P_LOSS * damp)
        cause[loss] = LOSS
    neglect = free & s.neglected & (day - s.last_contact >= 150) & (s.assets > 500_000)
    quiet = neglect & (cause == 0)
    cause[quiet & (rng.random(s.n) < P_QUIET * damp)] = NO_CONTACT
    trader = ar.column("trades_per_day")[pop.arch] >= 0.1
    costly = free & trader & (pop.rate >= 0.00024) & (s.assets > 2_000_000)
    pricey = costly & (cause == 0)
    cause[pricey & (rng.random(s.n) < P_PRICEY * damp)] = COMPETITOR
    s.at_risk = risky
    s.hazard = (
        1 - (1 - P_LOSS * risky) * (1 - P_QUIET * neglect) * (1 - P_PRICEY * costly)
    ).astype(np.float32)
    who = np.flatnonzero(cause > 0)
    s.ch_stage[who] = 1
    s.ch_cause[who] = cause[who]
    # a competitor shows first as a withdrawal, on the next day
    s.ch_signal_t[who] = np.where(cause[who] == COMPETITOR, t + 1, t)
    s.ch_churn_t[who] = s.ch_signal_t[who] + rng.integers(*LEAD, len(who))
    hard_p = np.array([0, 0.45, 0.5, 0.6])[cause[who]]
    s.ch_kind[who] = np.where(rng.random(len(who)) < hard_p, HARD, SOFT)
    s.ch_hard[who] = np.where(
        s.ch_kind[who] == HARD,
        np.searchsorted([0.5, 0.85], rng.random(len(who)), side="right") + 1,
        0,
    )
    return who


def trade_damping(s: State, t: int) -> np.ndarray:
    """Multiplier on trade rates: signalled customers trade less, churning ones only sell."""
    f = np.ones(s.n)
    sig = s.ch_stage == 1
    f[sig & (s.ch_cause == COMPETITOR)] = 0.3
    f[sig & (s.ch_kind == SOFT) & (t - s.ch_signal_t >= 2)] = 0.0
    f[sig & (s.ch_kind == HARD) & (s.ch_churn_t - t <= 3)] = 0.0
    f[s.ch_stage == 2] = 0.0
    return f


def plan_today(s: State, t: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """What churning customers do today: forced sells, withdrawals, closures."""
    sig = s.ch_stage == 1
    left = s.ch_churn_t - t
    soft = sig & (s.ch_kind == SOFT)
    hard = sig & (s.ch_kind == HARD)
    competitor = sig & (s.ch_cause == COMPETITOR)
    drain = soft & (t - s.ch_signal_t >= 2) & (rng.random(s.n) < 0.35)
    sell_one = np.flatnonzero(drain & (left > 0))
    sell_all = np.flatnonzero((soft & (left == 0)) | (hard & (left == 3) & (s.ch_hard != 2)))
    redeem_all = np.flatnonzero((soft & (left == 0)) | (hard & (left == 3)))
    w_part = np.flatnonzero(
        (drain | (competitor & (rng.random(s.n) < 0.3)) | (competitor & (s.ch_signal_t == t)))
        & (left > 0)
    )
    w_all = np.flatnonzero((soft & (left == 0)) | (hard & ((left == 2) | (left == 0))))
    close = np.flatnonzero(hard & (left == 0))
    soft_done = np.flatnonzero(soft & (left == 0))
    return {
        "sell_one": sell_one, "sell_all": sell_all, "redeem_all": redeem_all,
        "withdraw_part": w_part, "withdraw_all": w_all, "close": close, "soft_done": soft_done,
    }  # fmt: skip


def rescue(s: State, t: int, who: np.ndarray) -> np.ndarray:
    """Call off the churn under way of these customers (a contact's effect); returns them."""
    who = who[(s.ch_stage[who] == 1) & (s.ch_churn_t[who] > t)]
    s.ch_stage[who] = 0
    s.ch_kind[who] = 0
    s.ch_hard[who] = 0
    s.ch_churn_t[who] = 1 << 40
    s.rescued_t[who] = t
    return who


def propensity(
    s: State, t: int, stage_active: np.ndarray, rescue_per_day: np.ndarray,
    damped_until: np.ndarray, damp: float, horizon: int = HORIZON,
) -> np.ndarray:  # fmt: skip
    """The oracle: each customer's chance, under the simulation, of churning on a day in
    (t, t + horizon], from its state after day t (after the check of day t, if any).

    A signalled customer churns on ch_churn_t unless a contact calls it off first: on each day
    strictly between t and the churn day it is rescued with chance `rescue_per_day`. An
    unsignalled one is signalled at a coming check (every EVAL_EVERY days) with chance
    s.hazard (times `damp` while a contact's effect lasts, until `damped_until`), assuming the
    hazard of the last check holds; the churn then comes LEAD days later (uniform, rescue as
    above) and counts when it lands within the horizon. `stage_active` marks the customers
    that can churn at all (open, not churned); the others get 0."""
    q = np.clip(rescue_per_day, 0.0, 1.0)
    out = np.zeros(s.n)
    signalled = stage_active & (s.ch_stage == 1)
    left = s.ch_churn_t - t
    within = signalled & (left > 0) & (left <= horizon)
    out[within] = (1 - q[within]) ** np.maximum(left[within] - 1, 0)
    free = stage_active & (s.ch_stage == 0)
    h = np.where(free, s.hazard.astype(np.float64), 0.0)
    lags = np.arange(*LEAD)  # rng.integers(*LEAD): LEAD[1] excluded
    first = t + EVAL_EVERY - t % EVAL_EVERY  # the next check
    survive = np.ones(s.n)
    for check in range(first, t + horizon + 1, EVAL_EVERY):
        hk = h * np.where(damped_until > check, damp, 1.0)
        fits = int((check + lags <= t + horizon).sum())  # the lags LEAD[0] .. LEAD[0]+fits-1
        if fits:
            out += survive * hk * _kept(q, LEAD[0], fits) / len(lags)
        survive *= 1 - hk
    return out


def _kept(q: np.ndarray, lag: int, count: int) -> np.ndarray:
    """Sum over the lags lag .. lag + count - 1 of the chance of no rescue on the lag - 1 days
    between the signal and the churn: a geometric series in r = 1 - q."""
    r = 1 - q
    with np.errstate(divide="ignore", invalid="ignore"):
        series = np.where(q > 0, r ** (lag - 1) * (1 - r**count) / np.where(q > 0, q, 1), count)
    return series

"""What a contact or a campaign does to a customer (docs/generator-effects.md).

A reached contact by the customer's broker (the `contacts` feed: a phone call, a visit or a
WeChat message by the servicer, result reached or done) or a row of `generate --actions`:
- lowers the churn hazard for CHURN_DAYS trading days: the chance of a new churn signal at each
  churn check (churn.evaluate, every churn.EVAL_EVERY days) is multiplied by CHURN_MULT, and a
  customer whose churn is already under way (signalled, before the churn date) is kept with
  probability RESCUE_P (the churn is called off);
- raises the purchase propensity for BUY_DAYS trading days: extra OTC purchase occasions at
  (BUY_MULT - 1) x the customer's discretionary OTC purchase rate, i.e. x BUY_MULT in all;
- a row with a product_id (a product campaign) also pushes that product for BUY_DAYS: +
  PRODUCT_BOOST on its utility (odds of choosing it x e^PRODUCT_BOOST) and the extra occasions
  go to its group.
Brokers call a customer whose portfolio underperforms the index (the churn check's loss
condition, before any signal) TARGET_P a day more often than others.
A generated contact acts from the next trading day (it is logged after the day's trading), an
action from its own date (the first generated date on or after it).
Every effect applied is a row of `_ground_truth/effects.parquet` (EFFECTS_SCHEMA).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from brokerlens.generate import archetypes as ar
from brokerlens.generate.churn import EVAL_EVERY

CHURN_MULT = 0.7
CHURN_DAYS = 20
RESCUE_P = 1 - CHURN_MULT
BUY_MULT = 1.5
BUY_DAYS = 10
PRODUCT_BOOST = math.log(3.0)
TARGET_P = 0.01

SOURCES = ("generated", "actions")
STAGES = ("none", "signalled", "churned", "not_open")
EFFECTS_SCHEMA = pa.schema(
    [
        ("date", pa.date32()),  # of the contact or action
        ("customer_id", pa.string()),
        ("kind", pa.string()),  # contact | campaign
        ("source", pa.string()),  # generated | actions
        ("source_id", pa.string()),  # contact_id, or "<file>:<line>" of the actions file
        ("product_id", pa.string()),  # the pushed product, null when none
        ("churn_stage", pa.string()),  # STAGES, on the date
        ("applied", pa.bool_()),  # false for a customer churned or not yet open
        ("rescued", pa.bool_()),  # a churn under way was called off by it
        ("p_churn_without", pa.float32()),
        ("p_churn_with", pa.float32()),
        ("p_buy_without", pa.float32()),
        ("p_buy_with", pa.float32()),
        ("p_product_without", pa.float32()),
        ("p_product_with", pa.float32()),
    ]
)


class Effects:
    """Per customer: the trading day (index) until which each effect is in force (exclusive)."""

    def __init__(self, n: int) -> None:
        self.churn_until = np.zeros(n, np.int32)  # int32: 3M customers hold 12 MB each
        self.buy_until = np.zeros(n, np.int32)
        self.push_until = np.zeros(n, np.int32)
        self.pushing = False  # any product pushed now (skip the per-day work otherwise)

    def start(self, cust: np.ndarray, t_from: int, prod: np.ndarray, push: np.ndarray) -> None:
        """Effects in force from day t_from; push[i] >= 0 also pushes that product."""
        np.maximum.at(self.churn_until, cust, t_from + CHURN_DAYS)
        np.maximum.at(self.buy_until, cust, t_from + BUY_DAYS)
        pushed = push >= 0
        if pushed.any():
            # the latest pushed product wins (rows are in time order)
            prod[cust[pushed]] = push[pushed]
            self.push_until[cust[pushed]] = t_from + BUY_DAYS
            self.pushing = True

    def churn_damping(self, t: int) -> np.ndarray:
        """Multiplier on the chance of a churn signal at day t's check."""
        return np.where(self.churn_until > t, CHURN_MULT, 1.0)

    def expire(self, t: int, prod: np.ndarray) -> None:
        if self.pushing:
            over = (self.push_until <= t) & (prod >= 0)
            prod[over] = -1
            self.pushing = bool((prod >= 0).any())


def buy_rate(rate: np.ndarray, arch: np.ndarray) -> np.ndarray:
    """Discretionary OTC purchase occasions a day (the archetype's trade rate, buys, OTC share)."""
    mix = ar.mix_matrix()
    return rate * (1 - ar.column("sell_prob")[arch]) * mix[arch, ar.OTC_EQUITY :].sum(axis=1)


def extra_occasions(
    rng: np.random.Generator, cust: np.ndarray, rate: np.ndarray, arch: np.ndarray,
    push_group: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Today's extra purchase occasions (customer, OTC group) of customers under a purchase
    effect: at most one a day, with chance 1 - exp(-(BUY_MULT - 1) x rate); the group is the
    pushed product's, else drawn from the archetype's OTC mix."""
    r = buy_rate(rate, arch)
    hit = rng.random(len(cust)) < -np.expm1(-(BUY_MULT - 1) * r)
    mix = ar.mix_matrix()[arch[hit], ar.OTC_EQUITY :]
    cdf = np.cumsum(mix / np.maximum(mix.sum(axis=1, keepdims=True), 1e-12), axis=1)
    drawn = np.minimum((rng.random(int(hit.sum()))[:, None] > cdf).sum(axis=1), 2)
    group = np.where(push_group[hit] >= 0, push_group[hit], drawn)
    return cust[hit], group.astype(np.int64)


def churn_odds(stage: np.ndarray, hazard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chance that a churn is set going (or, under way, goes through) within CHURN_DAYS, without
    and with the effect: hazard is the chance of a signal at one check (churn.evaluate)."""
    checks = CHURN_DAYS // EVAL_EVERY
    h = hazard.astype(np.float64)
    without = np.where(stage == 1, 1.0, 1 - (1 - h) ** checks)
    with_ = np.where(stage == 1, 1 - RESCUE_P, 1 - (1 - CHURN_MULT * h) ** checks)
    return without, with_


def buy_odds(r: np.ndarray, factor: float = BUY_MULT) -> tuple[np.ndarray, np.ndarray]:
    """Chance of at least one discretionary OTC purchase within BUY_DAYS, without and with."""
    return -np.expm1(-BUY_DAYS * r), -np.expm1(-BUY_DAYS * factor * r)


def product_odds(
    r: np.ndarray, share: np.ndarray, q: np.ndarray, q_pushed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Chance of buying the pushed product within BUY_DAYS: r x share occasions a day in its
    group choose it with probability q; pushed, q_pushed, and every extra occasion (rate
    (BUY_MULT - 1) x r) is in its group."""
    without = -np.expm1(-BUY_DAYS * r * share * q)
    with_ = -np.expm1(-BUY_DAYS * (r * share + (BUY_MULT - 1) * r) * q_pushed)
    return without, with_

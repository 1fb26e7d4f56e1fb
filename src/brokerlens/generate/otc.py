"""OTC product orders (subscribe, purchase, redeem, money-market dividends) and holdings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brokerlens.generate.customers import Population
from brokerlens.generate.products import Products, live
from brokerlens.generate.state import State

SUBSCRIBE, PURCHASE, REDEEM, DIVIDEND = range(4)
ACTIONS = ("subscribe", "purchase", "redeem", "dividend")


@dataclass
class Orders:
    cust: np.ndarray
    prod: np.ndarray
    action: np.ndarray
    amount: np.ndarray  # cents
    units: np.ndarray  # 1/100 units
    fee: np.ndarray  # cents

    @staticmethod
    def concat(parts: list[Orders]) -> Orders:
        if not parts:
            z = np.zeros(0, np.int64)
            return Orders(z, z, z, z, z, z)
        return Orders(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Orders.__dataclass_fields__)
        )

    def __len__(self) -> int:
        return len(self.cust)


def value(p: Products, units: np.ndarray, prod: np.ndarray) -> np.ndarray:
    """Market value in cents of units (1/100) at today's NAV."""
    return (units * p.nav[prod] + 5000) // 10000


def purchase(
    p: Products, pop: Population, s: State, t: int, rng: np.random.Generator,
    cust: np.ndarray, group: np.ndarray,
) -> Orders:  # fmt: skip
    open_ = live(p, t) & (p.status == 0)
    prod = np.full(len(cust), -1, np.int64)
    for g in range(3):
        sel = np.flatnonzero(group == g)
        cand = np.flatnonzero(open_ & (p.group == g))
        if len(sel) and len(cand):
            # a few best sellers take most of the flows (fund character: 追随者 vs 自主型)
            weight = 1.0 / (1 + (cand * 7919) % len(cand)) ** 1.2
            cdf = np.cumsum(weight) / weight.sum()
            prod[sel] = cand[np.minimum(np.searchsorted(cdf, rng.random(len(sel))), len(cand) - 1)]
    ok = prod >= 0
    cust, prod = cust[ok], prod[ok]
    n_slots = np.bincount(cust, minlength=s.n)
    avail = s.cash[cust] - s.frozen[cust]
    amount = (
        (avail * rng.uniform(0.2, 0.8, len(cust)) / n_slots[cust]).astype(np.int64) // 10000 * 10000
    )
    ok = amount >= np.maximum(p.min_amount[prod], 100_00)
    cust, prod, amount = cust[ok], prod[ok], amount[ok]
    fee = np.round(amount * p.fee_rate[prod]).astype(np.int64)
    units = (amount - fee) * 10000 // p.nav[prod]
    s.cash -= np.bincount(cust, weights=amount, minlength=s.n).round().astype(np.int64)
    s.pbook.add(cust, prod, units, amount)
    fresh = (p.launch_t >= 0) & (t - p.launch_t < 5)
    action = np.where(fresh[prod], SUBSCRIBE, PURCHASE)
    return Orders(cust, prod, action, amount, units, fee)


def redeem(
    p: Products, s: State, rows: np.ndarray, everything: bool, rng: np.random.Generator
) -> Orders:
    b = s.pbook
    rows = np.unique(rows)
    cust, prod, held = b.cust[rows], b.item[rows], b.qty[rows]
    units = held if everything else np.where(rng.random(len(rows)) < 0.5, held, held // 2)
    keep = units > 0
    rows, cust, prod, units = rows[keep], cust[keep], prod[keep], units[keep]
    amount = value(p, units, prod)
    fee = np.where(p.ptype[prod] == 0, 0, np.round(amount * 0.005)).astype(np.int64)
    b.cost[rows] -= (b.cost[rows] * (units / np.maximum(b.qty[rows], 1))).round().astype(np.int64)
    b.qty[rows] -= units
    b.cost[rows] = np.where(b.qty[rows] == 0, 0, b.cost[rows])
    s.cash += np.bincount(cust, weights=amount - fee, minlength=s.n).round().astype(np.int64)
    return Orders(cust, prod, np.full(len(rows), REDEEM), amount, units, fee)


def mmf_dividend(p: Products, s: State) -> Orders:
    """Monthly money-market income, reinvested as units."""
    b = s.pbook
    rows = np.flatnonzero(p.ptype[b.item] == 0)
    units = b.qty[rows] * 15 // 10000
    rows, units = rows[units > 0], units[units > 0]
    b.qty[rows] += units
    cust, prod = b.cust[rows], b.item[rows]
    amount = value(p, units, prod)
    z = np.zeros(len(rows), np.int64)
    return Orders(cust, prod, np.full(len(rows), DIVIDEND), amount, units, z)

"""OTC product orders (subscribe, purchase, redeem, money-market dividends) and holdings.

Why a customer buys what they buy. An archetype decides how often a customer buys OTC products
and in which group (equity-like funds, bond & money funds, other OTC); within the group the
product is drawn from a softmax over a utility (`utility`), the sum of these drivers:
- popularity: a few best sellers take most of the flows (the old brokerage-wide weight);
- risk appetite matched to product risk: -RISK_ABOVE per level the product's risk (R1..R5) is
  above the customer's true appetite (1..5), -RISK_BELOW per level it is more than one below;
- loyalty: +LOYAL_TYPE for a product type and +LOYAL_HOUSE for a manager the customer has held
  or bought before (`Affinity`, bit masks kept per customer);
- return chasing: +CHASE x the product's percentile (-0.5..0.5) among its group's candidates by
  acc_nav return over the last ~3 months (products.TRAIL_DAYS);
- broker-driven sales: +FEATURED for the product the customer's branch pushes this month (each
  month a branch features one product per group, high-fee products more often);
- adding to a position (加仓): +LOYAL_HELD for a product the customer holds now;
- a campaign's product (effects.py): +PRODUCT_BOOST while the campaign pushes it to the customer.
Regular investment plans (基金定投) buy the same fund every month: PLAN_P of the customers who
hold an equity-like or bond fund at the start have a plan on it, and a purchase of one starts a
plan with probability PLAN_START_P. On the plan's day of the month (the first trading day on or
after it) the instalment is bought if the customer is calm, the fund on sale and the cash there
(PLAN_KEEP of the time: a skipped month); a plan ends when its fund leaves the shelf.
Reinvestment adds purchase occasions: a termed product (term_days) matures at the end of each
period and every holding is paid out; REINVEST_P of those customers buy again that day (other
OTC group, where loyalty pulls them back to the type and manager). Idle cash (more than half of
the assets, at least 100,000 yuan) buys a bond or money fund with probability IDLE_CASH_P a day.
The generator's own propensity (`propensity`) uses the same utility; `_ground_truth/
product_propensity.parquet` holds it (see ground_truth.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brokerlens.generate import archetypes as ar
from brokerlens.generate.customers import Population
from brokerlens.generate.effects import PRODUCT_BOOST
from brokerlens.generate.products import Products, live
from brokerlens.generate.state import State

RISK_ABOVE = 1.5
RISK_BELOW = 0.4
LOYAL_TYPE = 1.2
LOYAL_HOUSE = 1.0
CHASE = 2.5
FEATURED = 1.2
POPULARITY = 0.6
LOYAL_HELD = 1.5
PLAN_P = 0.25
PLAN_START_P = 0.15
PLAN_KEEP = 0.9
REINVEST_P = 0.6
IDLE_CASH_P = 0.002
HORIZON = 20  # trading days the oracle's propensity looks ahead

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


@dataclass
class Affinity:
    """Per customer: bit masks of product types and managers held or bought; per branch and
    group: the product the branch features this month (-1 none)."""

    types: np.ndarray
    houses: np.ndarray
    featured: np.ndarray  # (branches, 3)
    plan_prod: np.ndarray  # per customer: the fund of a regular investment plan, -1 none
    plan_day: np.ndarray  # its day of the month (1..28)
    plan_amount: np.ndarray  # its instalment, cents
    push_prod: np.ndarray  # per customer: a product pushed by a campaign now, -1 none (effects)

    @staticmethod
    def empty(n_cust: int, n_branches: int) -> Affinity:
        z = np.zeros(n_cust, np.int64)
        return Affinity(
            z,
            z.copy(),
            np.full((n_branches, 3), -1, np.int64),
            np.full(n_cust, -1, np.int64),
            z.copy(),
            z.copy(),
            np.full(n_cust, -1, np.int64),
        )

    def start_plans(
        self, cust: np.ndarray, prod: np.ndarray, amount: np.ndarray, day: np.ndarray
    ) -> None:
        """Plans for customers without one (the first listed wins), instalment rounded to 100."""
        free = self.plan_prod[cust] < 0
        cust, first = np.unique(cust[free], return_index=True)
        self.plan_prod[cust] = prod[free][first]
        self.plan_amount[cust] = np.maximum(amount[free][first] // 100_00 * 100_00, 100_00)
        self.plan_day[cust] = day[free][first]

    def note(self, p: Products, cust: np.ndarray, prod: np.ndarray) -> None:
        np.bitwise_or.at(self.types, cust, np.left_shift(1, p.ptype[prod]))
        np.bitwise_or.at(self.houses, cust, np.left_shift(1, p.house[prod]))

    def feature(self, p: Products, t: int, rng: np.random.Generator) -> None:
        """A new month: each branch pushes one product per group (high fees more often)."""
        open_ = live(p, t) & (p.status == 0)
        for g in range(3):
            cand = np.flatnonzero(open_ & (p.group == g))
            if len(cand):
                w = p.fee_rate[cand] + 0.003
                self.featured[:, g] = rng.choice(cand, len(self.featured), p=w / w.sum())


def held_mask(s: State | None, cust: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """customers x candidates: units held now (the book is sorted by customer, product)."""
    if s is None or not len(s.pbook):
        return np.zeros((len(cust), len(cand)), bool)
    b = s.pbook
    keys = cust[:, None] * b.n_items + cand[None, :]
    own = b.key
    pos = np.minimum(np.searchsorted(own, keys), len(own) - 1)
    return (own[pos] == keys) & (b.qty[pos] > 0)


def candidates(p: Products, t: int, g: int, closed_too: bool = False) -> np.ndarray:
    return np.flatnonzero(live(p, t) & ((p.status == 0) | closed_too) & (p.group == g))


def utility(
    p: Products, pop: Population, aff: Affinity, cust: np.ndarray, cand: np.ndarray, g: int,
    s: State | None = None,
) -> np.ndarray:  # fmt: skip
    """customers x candidates of group g: the drivers' sum (see the module docstring)."""
    popular = -POPULARITY * np.log1p((cand * 7919) % len(cand))
    ret = p.trailing_return()[cand]
    rank = np.argsort(np.argsort(ret, kind="stable"), kind="stable")
    chase = CHASE * (rank / max(len(cand) - 1, 1) - 0.5)
    base = (popular + chase).astype(np.float32)
    # appetite (1..5) x product risk (1..5) penalties, looked up
    gap = np.arange(1, 6)[None, :] - np.arange(1, 6)[:, None]
    table = (-RISK_ABOVE * np.maximum(gap, 0) - RISK_BELOW * np.maximum(-gap - 1, 0)).astype(
        np.float32
    )
    u = table[pop.appetite[cust].astype(np.int64) - 1][:, p.risk[cand] - 1]
    u += base[None, :]
    u += LOYAL_TYPE * ((aff.types[cust][:, None] & (1 << p.ptype[cand])[None, :]) != 0)
    u += LOYAL_HOUSE * ((aff.houses[cust][:, None] & (1 << p.house[cand])[None, :]) != 0)
    u += FEATURED * (aff.featured[pop.branch[cust], g][:, None] == cand[None, :])
    u += LOYAL_HELD * held_mask(s, cust, cand)
    pushed = aff.push_prod[cust]
    if (pushed >= 0).any():
        u += PRODUCT_BOOST * (pushed[:, None] == cand[None, :])
    return u


def choose(
    p: Products, pop: Population, aff: Affinity, t: int, rng: np.random.Generator,
    cust: np.ndarray, group: np.ndarray, closed_too: bool = False, s: State | None = None,
) -> np.ndarray:  # fmt: skip
    """A product for each (customer, group) purchase occasion, -1 when the group has none."""
    prod = np.full(len(cust), -1, np.int64)
    for g in range(3):
        sel = np.flatnonzero(group == g)
        cand = candidates(p, t, g, closed_too)
        if len(sel) and len(cand):
            u = utility(p, pop, aff, cust[sel], cand, g, s)
            cdf = np.cumsum(np.exp(u - u.max(axis=1, keepdims=True)), axis=1)
            pick = (cdf < rng.random(len(sel))[:, None] * cdf[:, -1:]).sum(axis=1)
            prod[sel] = cand[np.minimum(pick, len(cand) - 1)]
    return prod


def propensity(
    p: Products, pop: Population, s: State, aff: Affinity, t: int, cust: np.ndarray,
    rate: np.ndarray, maturing: np.ndarray, top: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The oracle: chance that each customer buys each product on sale within HORIZON trading
    days, from the same drivers: expected purchase occasions per group (the archetype's OTC rate
    and mix, plus maturity reinvestment and idle cash) times the softmax choice probability,
    damped where the customer's cash is short of the product's minimum, and a funded regular
    investment plan's instalment. Returns the `top` best (customer, product, propensity) per
    customer."""
    mix = ar.mix_matrix()
    avail = (s.cash[cust] - s.frozen[cust]).astype(np.float64)
    idle = (avail > 0.5 * np.maximum(s.assets[cust], 1)) & (avail >= 100_000_00)
    cands, values = [], []
    for g in range(3):
        cand = candidates(p, t, g)
        if not len(cand):
            continue
        occasions = rate * mix[pop.arch[cust], ar.OTC_EQUITY + g] * HORIZON
        if g == 2:
            occasions = occasions + REINVEST_P * maturing
        if g == 1:
            occasions = occasions + IDLE_CASH_P * HORIZON * idle
        u = utility(p, pop, aff, cust, cand, g, s)
        q = np.exp(u - u.max(axis=1, keepdims=True))
        q /= q.sum(axis=1, keepdims=True)
        q *= np.where(avail[:, None] * 0.5 >= p.min_amount[cand][None, :], 1.0, 0.1).astype(
            np.float32
        )
        q *= -occasions.astype(np.float32)[:, None]
        v = -np.expm1(q)
        # a regular investment plan on a candidate: its monthly instalment falls in the horizon
        planned = aff.plan_prod[cust][:, None] == cand[None, :]
        funded = (avail >= aff.plan_amount[cust])[:, None]
        v = np.where(planned & funded, 1 - (1 - v) * (1 - PLAN_KEEP), v)
        cands.append(cand)
        values.append(v)
    if not cands:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0)
    allc, v = np.concatenate(cands), np.concatenate(values, axis=1)
    k = min(top, len(allc))
    # the k best per customer, by falling propensity (ties in candidate order)
    part = (
        np.argpartition(-v, k - 1, axis=1)[:, :k]
        if k < len(allc)
        else np.tile(np.arange(len(allc)), (len(cust), 1))
    )
    part.sort(axis=1)  # candidate order, so that ties break alike whatever the partition did
    within = np.argsort(-np.take_along_axis(v, part, axis=1), axis=1, kind="stable")
    order = np.take_along_axis(part, within, axis=1)
    best = np.take_along_axis(v, order, axis=1)
    rows = np.repeat(cust, k)
    prod, val = allc[order].ravel(), best.ravel()
    keep = val > 1e-6
    return rows[keep], prod[keep], val[keep]


def purchase(
    p: Products, pop: Population, s: State, t: int, rng: np.random.Generator,
    cust: np.ndarray, group: np.ndarray, aff: Affinity, plan_rng: np.random.Generator | None = None,
    day_of_month: int = 1,
) -> Orders:  # fmt: skip
    """One purchase per (customer, group) occasion; with `plan_rng`, a purchase of an equity-like
    or bond fund starts a regular investment plan with probability PLAN_START_P."""
    prod = choose(p, pop, aff, t, rng, cust, group, s=s)
    ok = prod >= 0
    cust, prod = cust[ok], prod[ok]
    n_slots = np.bincount(cust, minlength=s.n)
    avail = s.cash[cust] - s.frozen[cust]
    amount = (
        (avail * rng.uniform(0.2, 0.8, len(cust)) / n_slots[cust]).astype(np.int64) // 10000 * 10000
    )
    orders = buy(p, s, t, cust, prod, amount, aff)
    if plan_rng is not None and len(orders):
        starts = (
            (p.group[orders.prod] >= 0)
            & (p.group[orders.prod] <= 1)
            & (plan_rng.random(len(orders)) < PLAN_START_P)
        )
        aff.start_plans(
            orders.cust[starts],
            orders.prod[starts],
            orders.amount[starts] // 5,
            np.full(int(starts.sum()), min(day_of_month, 28), np.int64),
        )
    return orders


def buy(
    p: Products, s: State, t: int, cust: np.ndarray, prod: np.ndarray, amount: np.ndarray,
    aff: Affinity,
) -> Orders:  # fmt: skip
    """Subscriptions or purchases of `amount` cents where they reach the product's minimum."""
    ok = amount >= np.maximum(p.min_amount[prod], 100_00)
    cust, prod, amount = cust[ok], prod[ok], amount[ok]
    fee = np.round(amount * p.fee_rate[prod]).astype(np.int64)
    units = (amount - fee) * 10000 // p.nav[prod]
    s.cash -= np.bincount(cust, weights=amount, minlength=s.n).round().astype(np.int64)
    s.pbook.add(cust, prod, units, amount)
    aff.note(p, cust, prod)
    fresh = (p.launch_t >= 0) & (t - p.launch_t < 5)
    action = np.where(fresh[prod], SUBSCRIBE, PURCHASE)
    return Orders(cust, prod, action, amount, units, fee)


def plan_instalments(
    p: Products, s: State, t: int, aff: Affinity, calm: np.ndarray, due_days: np.ndarray,
    rng: np.random.Generator,
) -> Orders:  # fmt: skip
    """Today's instalments of the regular investment plans whose day of the month is in
    `due_days` (the calendar days since the previous trading day); plans on a fund that left
    the shelf end."""
    has = aff.plan_prod >= 0
    gone = has & ~(live(p, t) & (p.status == 0))[np.maximum(aff.plan_prod, 0)]
    aff.plan_prod[gone] = -1
    cust = np.flatnonzero(
        (aff.plan_prod >= 0) & calm & np.isin(aff.plan_day, due_days)
        & (rng.random(len(calm)) < PLAN_KEEP)
    )  # fmt: skip
    cust = cust[s.cash[cust] - s.frozen[cust] >= aff.plan_amount[cust]]
    return buy(p, s, t, cust, aff.plan_prod[cust], aff.plan_amount[cust], aff)


def maturing(p: Products, prev_day: int, day: int) -> np.ndarray:
    """Termed products whose period (of term_days since launch) ends after prev_day, by day."""
    termed = (p.term_days > 0) & p.valued & (p.launch_day < prev_day)
    term = np.maximum(p.term_days, 1)
    return termed & ((day - p.launch_day) // term > (prev_day - p.launch_day) // term)


def redeem(
    p: Products, s: State, rows: np.ndarray, everything: bool, rng: np.random.Generator,
    free: bool = False,
) -> Orders:  # fmt: skip
    b = s.pbook
    rows = np.unique(rows)
    cust, prod, held = b.cust[rows], b.item[rows], b.qty[rows]
    units = held if everything else np.where(rng.random(len(rows)) < 0.5, held, held // 2)
    keep = units > 0
    rows, cust, prod, units = rows[keep], cust[keep], prod[keep], units[keep]
    amount = value(p, units, prod)
    fee = np.where((p.ptype[prod] == 0) | free, 0, np.round(amount * 0.005)).astype(np.int64)
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

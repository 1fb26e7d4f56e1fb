"""Exchange trades of one day: sells first (T+1), then buys within cash, lots and limits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from brokerlens.generate import archetypes as ar
from brokerlens.generate.customers import Population
from brokerlens.generate.market import Market
from brokerlens.generate.state import State
from brokerlens.market.rules import DEFAULT_FEES

NORMAL, IPO_SUBSCRIBE, IPO_ALLOT, MARGIN_BUY, SHORT_SELL, REPAY = range(6)
TRADE_TYPES = ("normal", "ipo_subscribe", "ipo_allot", "margin_buy", "short_sell", "repay")
N_MARKET_CLASSES = 12


@dataclass
class Fills:
    cust: np.ndarray
    sec: np.ndarray
    side: np.ndarray  # 0 buy, 1 sell
    ttype: np.ndarray
    qty: np.ndarray
    price: np.ndarray  # 1e-4 yuan
    amount: np.ndarray  # cents
    commission: np.ndarray
    net: np.ndarray
    stamp: np.ndarray
    transfer: np.ndarray

    @staticmethod
    def empty() -> Fills:
        z = np.zeros(0, np.int64)
        return Fills(z, z, z, z, z, z, z, z, z, z, z)

    @staticmethod
    def concat(parts: list[Fills]) -> Fills:
        if not parts:
            return Fills.empty()
        return Fills(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Fills.__dataclass_fields__)
        )

    def __len__(self) -> int:
        return len(self.cust)


def fees(
    m: Market,
    pop: Population,
    day: dt.date,
    cust: np.ndarray,
    sec: np.ndarray,
    side: np.ndarray,
    amount: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """commission, net commission, stamp duty, transfer fee (cents) per domain.md section 2."""
    f = DEFAULT_FEES
    a = amount.astype(np.float64)
    commission = np.maximum(np.round(a * pop.rate[cust]), f.commission_floor * 100).astype(np.int64)
    stock = m.sec_type[sec] == 0
    stamp = np.where(stock & (side == 1), np.round(a * f.stamp_duty_rate(day)), 0).astype(np.int64)
    transfer = np.where(stock, np.round(a * f.transfer_fee), 0).astype(np.int64)
    exch = np.round(a * f.handling_fee).astype(np.int64) + np.round(a * f.regulator_fee).astype(
        np.int64
    )
    net = np.maximum(commission - exch, 0)
    return commission, net, stamp, transfer


def _price_between(m: Market, sec: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    lo, hi, tick = m.low[sec], m.high[sec], m.tick[sec]
    steps = (hi - lo) // tick
    return lo + (rng.random(len(sec)) * (steps + 1)).astype(np.int64).clip(0, steps) * tick


def class_pickers(m: Market, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per market class: listed securities and a cumulative popularity distribution."""
    out = []
    for c in range(N_MARKET_CLASSES):
        members = np.flatnonzero((m.cls == c) & m.listed)
        w = 1.0 / (1 + np.arange(len(members))) ** 0.6
        w = w[rng.permutation(len(members))] if len(members) else w
        out.append((members, np.cumsum(w) / w.sum() if len(members) else w))
    return out


def sell(
    m: Market,
    pop: Population,
    s: State,
    day: dt.date,
    rng: np.random.Generator,
    rows: np.ndarray,
    frac_all: np.ndarray,
) -> Fills:
    """Sell from the given holding rows (start-of-day quantities); frac_all True sells it all."""
    if len(rows) == 0:
        return Fills.empty()
    rows = np.unique(rows)
    frac_all = np.ones(len(rows), bool) if frac_all.all() else rng.random(len(rows)) < 0.45
    b = s.book
    sec = b.item[rows]
    ok = m.listed[sec]
    rows, sec, frac_all = rows[ok], sec[ok], frac_all[ok]
    held = b.qty[rows]
    lot = m.lot_min[sec]
    part = (held * rng.uniform(0.3, 0.8, len(rows)) // lot).astype(np.int64) * lot
    qty = np.where(frac_all | (part <= 0) | (held - part <= 0), held, part)
    price = _price_between(m, sec, rng)
    amount = (qty * price + 50) // 100
    cust = b.cust[rows]
    side = np.ones(len(rows), np.int64)
    comm, net, stamp, transfer = fees(m, pop, day, cust, sec, side, amount)
    proceeds = amount - comm - stamp - transfer
    keep = proceeds > 0
    rows, cust, sec, qty, price, amount = (
        rows[keep],
        cust[keep],
        sec[keep],
        qty[keep],
        price[keep],
        amount[keep],
    )
    comm, net, stamp, transfer, proceeds = (
        comm[keep],
        net[keep],
        stamp[keep],
        transfer[keep],
        proceeds[keep],
    )
    # cost leaves in proportion; cash in; margin debt repaid first
    b.cost[rows] -= (b.cost[rows] * (qty / np.maximum(b.qty[rows], 1))).round().astype(np.int64)
    b.qty[rows] -= qty
    b.cost[rows] = np.where(b.qty[rows] == 0, 0, b.cost[rows])
    ttype = np.where(s.liab[cust] > 0, REPAY, NORMAL)
    got = np.bincount(cust, weights=proceeds, minlength=s.n).round().astype(np.int64)
    repay = np.minimum(s.liab, got)
    s.liab -= repay
    s.cash += got - repay
    return Fills(cust, sec, side, ttype, qty, price, amount, comm, net, stamp, transfer)


def buy(
    m: Market,
    pop: Population,
    s: State,
    day: dt.date,
    rng: np.random.Generator,
    cust: np.ndarray,
    cls: np.ndarray,
    pickers: list[tuple[np.ndarray, np.ndarray]],
) -> Fills:
    """Buy one security of the chosen class per slot, within available cash (or margin credit)."""
    if len(cust) == 0:
        return Fills.empty()
    sec = np.full(len(cust), -1, np.int64)
    for c in range(N_MARKET_CLASSES):
        sel = np.flatnonzero(cls == c)
        members, cdf = pickers[c]
        if len(sel) and len(members):
            sec[sel] = members[np.searchsorted(cdf, rng.random(len(sel)) * cdf[-1])]
    ok = sec >= 0
    cust, sec = cust[ok], sec[ok]
    n_slots = np.bincount(cust, minlength=s.n)
    avail = s.cash - s.frozen
    budget = (avail[cust] * rng.uniform(0.15, 0.7, len(cust)) / n_slots[cust]).astype(np.int64)
    margin = pop.margin[cust] & (rng.random(len(cust)) < 0.5)
    credit = np.maximum(s.assets * 6 // 10 - s.liab, 0)
    budget = np.where(
        margin,
        (credit[cust] * rng.uniform(0.1, 0.4, len(cust)) / n_slots[cust]).astype(np.int64),
        budget,
    )
    price = _price_between(m, sec, rng)
    step = m.lot_step[sec]
    room = np.maximum(budget - 1500, 0) * 100 / (price * 1.0005)
    qty = (room // step).astype(np.int64) * step
    ok = qty >= m.lot_min[sec]
    cust, sec, price, qty, margin, budget = (
        cust[ok],
        sec[ok],
        price[ok],
        qty[ok],
        margin[ok],
        budget[ok],
    )
    amount = (qty * price + 50) // 100
    side = np.zeros(len(cust), np.int64)
    comm, net, stamp, transfer = fees(m, pop, day, cust, sec, side, amount)
    total = amount + comm + stamp + transfer
    ok = total <= budget
    cust, sec, price, qty, margin, amount, total = (
        cust[ok],
        sec[ok],
        price[ok],
        qty[ok],
        margin[ok],
        amount[ok],
        total[ok],
    )
    comm, net, stamp, transfer = comm[ok], net[ok], stamp[ok], transfer[ok]
    s.cash -= (
        np.bincount(cust[~margin], weights=total[~margin], minlength=s.n).round().astype(np.int64)
    )
    s.liab += (
        np.bincount(cust[margin], weights=total[margin], minlength=s.n).round().astype(np.int64)
    )
    s.book.add(cust, sec, qty, amount + comm + transfer)
    ttype = np.where(margin, MARGIN_BUY, NORMAL)
    return Fills(cust, sec, side, ttype, qty, price, amount, comm, net, stamp, transfer)


def regular(
    m: Market,
    pop: Population,
    s: State,
    day: dt.date,
    rng: np.random.Generator,
    rate: np.ndarray,
    mix_cdf: np.ndarray,
    sell_prob: np.ndarray,
) -> tuple[Fills, Fills, np.ndarray, np.ndarray]:
    """Ordinary trading: returns sells, buys and the (customer, otc group) purchase slots."""
    slots = np.minimum(rng.poisson(rate), 4)
    cust = np.repeat(np.arange(s.n), slots)
    start, count = s.book.ranges(s.n)
    cash_ratio = (s.cash[cust] - s.frozen[cust]) / np.maximum(s.assets[cust], 1)
    p_sell = np.where(cash_ratio < 0.05, np.maximum(sell_prob[cust], 0.7), sell_prob[cust])
    is_sell = (count[cust] > 0) & (rng.random(len(cust)) < p_sell)
    sc = cust[is_sell]
    rows = s.book.pick(rng, sc, start, count)
    sells = sell(m, pop, s, day, rng, rows, np.zeros(len(rows), bool))
    bc = cust[~is_sell]
    arch = pop.arch[bc]
    u = rng.random(len(bc))
    cls = (u[:, None] > mix_cdf[arch]).sum(axis=1)
    cls = np.minimum(cls, mix_cdf.shape[1] - 1)
    market_slot = cls < N_MARKET_CLASSES
    buys = buy(m, pop, s, day, rng, bc[market_slot], cls[market_slot], class_pickers(m, rng))
    otc = cls >= ar.OTC_EQUITY
    return sells, buys, bc[otc], cls[otc] - ar.OTC_EQUITY

"""IPO subscriptions (cash frozen) and allotments on the listing day."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from brokerlens.generate import archetypes as ar
from brokerlens.generate.customers import Population
from brokerlens.generate.market import Market
from brokerlens.generate.state import State
from brokerlens.generate.trading import IPO_ALLOT, IPO_SUBSCRIBE, Fills

UNIT = 500  # subscription unit in shares


@dataclass
class Pending:
    sec: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cust: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    qty: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    amount: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def _fills(
    cust: np.ndarray, sec: np.ndarray, ttype: int, qty: np.ndarray, price: np.ndarray
) -> Fills:
    amount = (qty * price + 50) // 100
    z = np.zeros(len(cust), np.int64)
    return Fills(cust, sec, z, np.full(len(cust), ttype), qty, price, amount, z, z, z, z)


def subscribe(
    m: Market,
    pop: Population,
    s: State,
    pending: Pending,
    t: int,
    active: np.ndarray,
    rng: np.random.Generator,
) -> Fills:
    """Subscriptions to the IPOs announced today (listing three trading days later)."""
    today = np.flatnonzero((m.list_t >= 0) & (m.list_t - 3 == t))
    parts = []
    for sec in today.tolist():
        keen = pop.arch == ar.IPO_SUB
        casual = np.isin(pop.arch, [ar.NAMES.index("mixed"), ar.NAMES.index("a_chinext_leaning")])
        p = np.where(keen, 0.9, np.where(casual, 0.25, 0.0))
        who = np.flatnonzero(active & (rng.random(s.n) < p))
        share = np.where(
            pop.arch[who] == ar.IPO_SUB,
            rng.uniform(0.6, 0.95, len(who)),
            rng.uniform(0.05, 0.2, len(who)),
        )
        price = int(m.issue_price[sec])
        avail = s.cash[who] - s.frozen[who]
        qty = np.minimum((avail * share * 100 / price // UNIT).astype(np.int64) * UNIT, 200_000)
        ok = qty >= UNIT
        who, qty = who[ok], qty[ok]
        f = _fills(who, np.full(len(who), sec), IPO_SUBSCRIBE, qty, np.full(len(who), price))
        s.frozen[who] += f.amount
        pending.sec = np.concatenate([pending.sec, f.sec])
        pending.cust = np.concatenate([pending.cust, who])
        pending.qty = np.concatenate([pending.qty, qty])
        pending.amount = np.concatenate([pending.amount, f.amount])
        parts.append(f)
    return Fills.concat(parts)


def allot(m: Market, s: State, pending: Pending, t: int, rng: np.random.Generator) -> Fills:
    """Listing day: winners pay at the issue price and hold the shares; the rest is unfrozen."""
    due = np.isin(pending.sec, np.flatnonzero(m.list_t == t))
    if not due.any():
        return Fills.empty()
    cust, sec, amount = pending.cust[due], pending.sec[due], pending.amount[due]
    np.subtract.at(s.frozen, cust, amount)
    won = rng.random(len(cust)) < 0.05 + 0.1 * (pending.qty[due] >= 20 * UNIT)
    won &= s.ch_stage[cust] == 0  # churning customers hold nothing new
    keep = ~due
    pending.sec, pending.cust = pending.sec[keep], pending.cust[keep]
    pending.qty, pending.amount = pending.qty[keep], pending.amount[keep]
    cust, sec = cust[won], sec[won]
    qty = np.full(len(cust), UNIT, np.int64)
    price = m.issue_price[sec]
    f = _fills(cust, sec, IPO_ALLOT, qty, price)
    np.subtract.at(s.cash, cust, f.amount)
    s.book.add(cust, sec, qty, f.amount)
    return f

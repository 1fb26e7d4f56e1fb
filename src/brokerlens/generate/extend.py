"""Past the planned days (`brokerlens generate --continue`): the structures a run draws ahead for
its number of days (IPO listings, accounts opened inside the window) are extended one day at a
time, from a stream of that day (`Streams.get("extend", t)`), so continuing by 1 and 1 day is
continuing by 2. Per day t past the plan:
- an IPO listed today whose listing date was estimated (announced near the end of the first
  run) gets its true date, delivered again as a changed securities row;
- with chance IPO_P a new IPO is announced today, listing three trading days later (the boards
  cycle as in build_market);
- Poisson(NEW_PER_DAY x the run's customers) new customers open today: their attributes are drawn
  as build_population draws them (new accounts smaller and cheaper), and every per-customer
  array grows by them (fresh values, as a future opener of the first run has).
- with chance LAUNCH_P an equity, bond or hybrid fund launches today (build_products launches
  three inside a run), on sale with a NAV of 1.0000 from today, delivered as a new product row.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brokerlens.generate import archetypes as ar
from brokerlens.generate import names as nm
from brokerlens.generate.customers import Population, build_population
from brokerlens.generate.effects import Effects
from brokerlens.generate.market import (
    A_MAIN,
    BSE,
    CHINEXT,
    MARKETS,
    STAR,
    Market,
    _names,
)
from brokerlens.generate.org import Org
from brokerlens.generate.otc import Affinity
from brokerlens.generate.products import GROUP_OF, LABELS, SPEC, TYPES, Products
from brokerlens.generate.relations import Relations, initial
from brokerlens.generate.state import State
from brokerlens.generate.tables import NULL_INT
from brokerlens.market import rules

IPO_P = 1 / 3  # build_market lists one IPO every ~3 trading days
NEW_PER_DAY = 0.0006  # build_population opens 0.0006 x customers a day inside the window
LAUNCH_P = 3 / 250  # about three fund launches a year
LAUNCH_TYPES = ("equity_fund", "bond_fund", "hybrid_fund")  # as build_products launches
IPO_BOARDS = (
    ("603", "SH", 0),
    ("301", "SZ", 1),
    ("688", "SH", 2),
    ("001", "SZ", 0),
    ("920", "BJ", 3),
)
BOARD_CLASS = (A_MAIN, CHINEXT, STAR, BSE)
BOARD_SIGMA = (0.018, 0.028, 0.028, 0.033)


def add_ipo(m: Market, rng: np.random.Generator, t: int, list_day: int) -> int:
    """A new stock announced on day t, listing on day t + 3 (`list_day`); returns its index."""
    n_ipo = int(np.sum(m.list_t >= 0))
    prefix, market, board = IPO_BOARDS[n_ipo % len(IPO_BOARDS)]
    used = set(m.code)
    free = [k for k in range(1000) if f"{prefix}{k:03d}.{market}" not in used]
    if not free:
        return -1
    code = f"{prefix}{free[0]:03d}.{market}"
    issue = round(float(rng.uniform(8, 40)) * 100) * 100
    shares = round(float(rng.lognormal(np.log(6e8), 1.0)) / 100) * 100
    one = np.zeros(1, np.int64)
    name = _names(rng, one, np.zeros(1, bool), np.zeros(1, bool), [code])[0]
    values: dict[str, object] = {
        "market": MARKETS.index(market),
        "sec_type": 0,
        "board": board,
        "industry": int(rng.integers(0, len(rules.SHENWAN_L1))),
        "is_st": False,
        "cls": BOARD_CLASS[board],
        "list_t": t + 3,
        "list_day": list_day,
        "announce_t": t,
        "delist_day": NULL_INT,
        "shares": shares,
        "tick": 100,
        "lot_min": 200 if board == 2 else 100,
        "lot_step": 1 if board >= 2 else 100,
        "sigma": BOARD_SIGMA[board],
        "issue_price": issue,
        "close": issue,
    }
    for key, value in values.items():
        old = getattr(m, key)
        setattr(m, key, np.concatenate([old, np.array([value], dtype=old.dtype)]))
    m.code.append(code)
    m.name.append(name)
    return m.n - 1


def add_product(p: Products, rng: np.random.Generator, t: int, biz: int) -> int:
    """A fund launched on day t (day number biz), on sale; returns its index."""
    kind = LAUNCH_TYPES[int(rng.integers(0, len(LAUNCH_TYPES)))]
    _, risks, min_amount, fee_rate, vol, beta, drift = SPEC[kind]
    house = int(rng.integers(0, len(nm.FUND_HOUSES)))
    i = p.n
    values: dict[str, object] = {
        "ptype": TYPES.index(kind),
        "risk": risks[int(rng.integers(0, len(risks)))],
        "min_amount": round(min_amount * 100),
        "fee_rate": fee_rate,
        "vol": vol,
        "beta": beta,
        "drift": drift / 250,
        "term_days": NULL_INT,
        "launch_day": biz,
        "launch_t": t,
        "status": 0,
        "nav": 10000,
        "acc_nav": 10000,
        "valued": True,
        "group": GROUP_OF[kind],
        "house": house,
    }
    for key, value in values.items():
        old = getattr(p, key)
        setattr(p, key, np.concatenate([old, np.array([value], dtype=old.dtype)]))
    p.names.append(f"{nm.FUND_HOUSES[house]}{LABELS[kind]}{i % 7 + 1}号")
    p.managers.append(f"{nm.FUND_HOUSES[house]}基金管理有限公司")
    p.trail = [np.concatenate([row, np.zeros(1, row.dtype)]) for row in p.trail]
    return i


def grow_population(
    pop: Population, rng: np.random.Generator, k: int, org: Org, t: int, biz: int
) -> None:
    """k customers opening on day t (day number biz), appended to the population."""
    n0 = pop.n
    fresh = build_population(rng, k, org, biz, 1)
    fresh.open_t[:] = t
    fresh.open_day[:] = biz
    fresh.wealth //= 3
    fresh.rate = np.round(rng.uniform(0.0001, 0.00015, k), 6)
    # the identifiers and names that build_population forms from the index
    index = n0 + np.arange(k)
    heads = nm.STOCK_HEADS
    names = fresh.name.to_pylist()
    for j in np.flatnonzero(fresh.ctype > 0).tolist():
        i = int(index[j])
        if fresh.ctype[j] == 1:
            names[j] = f"{heads[i % len(heads)]}{heads[(i // 7) % len(heads)]}投资有限公司"
        else:
            names[j] = f"{heads[i % len(heads)]}盈{i % 97}号资产管理计划"
    fresh.name = pa.array(names, pa.string())
    licence = nm.join("91", pc.utf8_lpad(pc.cast(pa.array(index), pa.string()), 16, "0"))
    fresh.id_no = pc.if_else(pa.array(fresh.ctype == 0), fresh.id_no, licence)
    for f in dataclasses.fields(Population):
        if f.name == "n":
            continue
        old, new = getattr(pop, f.name), getattr(fresh, f.name)
        if isinstance(old, pa.Array):
            setattr(pop, f.name, pa.concat_arrays([old, new.cast(old.type)]))
        else:
            setattr(pop, f.name, np.concatenate([old, new.astype(old.dtype)]))
    pop.n = n0 + k


def grow_state(s: State, k: int) -> None:
    """k more customers in the day-to-day state, with a new State's values (nothing held)."""
    fresh = State(k, s.n_secs, s.n_products)
    for f in dataclasses.fields(State):
        old = getattr(s, f.name)
        if isinstance(old, np.ndarray):
            setattr(s, f.name, np.concatenate([old, getattr(fresh, f.name)]))
    s.snap_assets = [np.concatenate([a, np.zeros(k, a.dtype)]) for a in s.snap_assets]
    s.snap_flow = [np.concatenate([a, np.zeros(k, a.dtype)]) for a in s.snap_flow]
    s.n += k


def grow_affinity(aff: Affinity, k: int) -> None:
    fresh = Affinity.empty(k, len(aff.featured))
    for f in dataclasses.fields(Affinity):
        if f.name != "featured":
            setattr(aff, f.name, np.concatenate([getattr(aff, f.name), getattr(fresh, f.name)]))


def grow_effects(fx: Effects, k: int) -> None:
    fresh = Effects(k)
    for name in ("churn_until", "buy_until", "push_until"):
        setattr(fx, name, np.concatenate([getattr(fx, name), getattr(fresh, name)]))


def open_relations(
    rel: Relations, org: Org, pop: Population, first: int, rng: np.random.Generator
) -> None:
    """Developer, servicer (and for some rich ones an advisor) of customers first.. (new)."""
    k = pop.n - first
    branch, open_day = pop.branch[first:], pop.open_day[first:]
    advisory = (pop.wealth[first:] > 10_000_000) & (rng.random(k) < 0.08)
    part = Relations(k)
    initial(part, org, branch, open_day, advisory, rng)
    rows = len(rel.cust)
    rel.cust = np.concatenate([rel.cust, part.cust + first])
    rel.staff = np.concatenate([rel.staff, part.staff])
    rel.role = np.concatenate([rel.role, part.role])
    rel.start = np.concatenate([rel.start, part.start])
    rel.end = np.concatenate([rel.end, part.end])
    rel.share = np.concatenate([rel.share, part.share])
    rel.current = np.concatenate(
        [rel.current, np.where(part.current >= 0, part.current + rows, -1)]
    )


def neglected(pop: Population, first: int, rng: np.random.Generator) -> np.ndarray:
    """As _initial_holdings: some customers brokers never call, and the dormant ones."""
    k = pop.n - first
    return (rng.random(k) < 0.12) | (pop.arch[first:] == ar.DORMANT)

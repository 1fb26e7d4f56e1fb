"""The exchange market: securities, daily quotes within limits, corporate actions, indices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from brokerlens.generate import names as nm
from brokerlens.generate.tables import NULL_INT, build
from brokerlens.market import rules

SEC_TYPES = ("stock", "etf", "lof", "closed_fund", "bond", "convertible", "warrant", "repo")
BOARD_NAMES = ("main", "chinext", "star", "bse")
MARKETS = ("SH", "SZ", "BJ")
# buy classes customers choose from (archetype mixes are over these)
CLASSES = (
    "a_main", "chinext", "star", "bse", "st", "b_share", "etf", "lof_closed", "bond",
    "convertible", "warrant", "repo",
)  # fmt: skip
A_MAIN, CHINEXT, STAR, BSE, ST, B_SHARE, ETF, LOF_CLOSED, BOND, CONVERTIBLE, WARRANT, REPO = range(
    12
)
# asset class of a position in daily_assets: 0 stock, 1 fund, 2 bond, 3 other (warrants)
TYPE_ASSET_CLASS = np.array([0, 1, 1, 1, 2, 2, 3, 2])
CA_TYPES = ("cash_dividend", "stock_dividend", "rights_issue")


@dataclass
class Market:
    code: list[str]
    name: list[str]
    market: np.ndarray
    sec_type: np.ndarray
    board: np.ndarray  # -1 for non-stocks
    industry: np.ndarray  # -1 for non-stocks
    is_st: np.ndarray
    cls: np.ndarray  # buy class
    list_t: np.ndarray  # trading-day index of listing (negative: listed before the window)
    list_day: np.ndarray  # day number
    announce_t: np.ndarray  # trading-day index on which the security is first delivered
    delist_day: np.ndarray
    shares: np.ndarray
    tick: np.ndarray  # price tick in 1e-4 yuan
    lot_min: np.ndarray
    lot_step: np.ndarray
    sigma: np.ndarray
    issue_price: np.ndarray  # 1e-4 yuan, IPOs only
    close: np.ndarray  # last close, 1e-4 yuan
    index_members: list[np.ndarray]
    index_level: np.ndarray
    # today's quote (filled by step)
    prev: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    open: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    high: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    low: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    volume: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    amount: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    listed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    index_prev: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ca_sec: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ca_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ca_value: np.ndarray = field(default_factory=lambda: np.zeros(0))
    market_return: float = 0.0

    @property
    def n(self) -> int:
        return len(self.code)


def _spec(n_days: int) -> list[tuple[int, str, str, int, int]]:
    """(count, prefix, market, type, board) blocks of the universe."""
    del n_days
    return [
        (130, "600", "SH", 0, 0), (120, "601", "SH", 0, 0), (130, "603", "SH", 0, 0),
        (60, "605", "SH", 0, 0), (160, "000", "SZ", 0, 0), (40, "001", "SZ", 0, 0),
        (200, "002", "SZ", 0, 0), (30, "003", "SZ", 0, 0), (170, "300", "SZ", 0, 1),
        (60, "301", "SZ", 0, 1), (150, "688", "SH", 0, 2), (60, "920", "BJ", 0, 3),
        (10, "900", "SH", 0, 0), (10, "200", "SZ", 0, 0),
        (30, "510", "SH", 1, -1), (15, "512", "SH", 1, -1), (25, "159", "SZ", 1, -1),
        (30, "161", "SZ", 2, -1), (5, "505", "SH", 3, -1), (5, "184", "SZ", 3, -1),
        (25, "019", "SH", 4, -1), (15, "101", "SZ", 4, -1), (20, "113", "SH", 5, -1),
        (20, "123", "SZ", 5, -1), (6, "580", "SH", 6, -1), (4, "031", "SZ", 6, -1),
        (2, "204", "SH", 7, -1), (1, "131", "SZ", 7, -1),
    ]  # fmt: skip


def build_market(rng: np.random.Generator, days: tuple[dt.date, ...], start_day: int) -> Market:
    n_days = len(days)
    codes: list[str] = []
    mkt: list[int] = []
    typ: list[int] = []
    brd: list[int] = []
    is_b: list[bool] = []
    ipo: list[bool] = []
    used: set[str] = set()
    for count, prefix, market, t, b in _spec(n_days):
        nums = rng.choice(1000, size=count, replace=False)
        for k in nums.tolist():
            code = f"{prefix}{k:03d}.{market}"
            used.add(code)
            codes.append(code)
            mkt.append(MARKETS.index(market))
            typ.append(t)
            brd.append(b)
            is_b.append(prefix in ("900", "200"))
            ipo.append(False)
    # new listings during the window, one every ~3 trading days, cycling the boards
    n_ipo = max(2, n_days // 3)
    ipo_prefix = [
        ("603", "SH", 0),
        ("301", "SZ", 1),
        ("688", "SH", 2),
        ("001", "SZ", 0),
        ("920", "BJ", 3),
    ]
    k = 0
    for i in range(n_ipo):
        prefix, market, b = ipo_prefix[i % len(ipo_prefix)]
        while f"{prefix}{k % 1000:03d}.{market}" in used:
            k += 1
        code = f"{prefix}{k % 1000:03d}.{market}"
        used.add(code)
        codes.append(code)
        mkt.append(MARKETS.index(market))
        typ.append(0)
        brd.append(b)
        is_b.append(False)
        ipo.append(True)
    n = len(codes)
    sec_type = np.array(typ)
    board = np.array(brd)
    stock = sec_type == 0
    b_share = np.array(is_b)
    is_ipo = np.array(ipo)
    is_st = stock & (board == 0) & ~b_share & ~is_ipo & (rng.random(n) < 0.05)
    industry = np.where(stock, rng.integers(0, len(rules.SHENWAN_L1), n), -1)
    cls = np.select(
        [
            b_share, is_st, stock & (board == 0), stock & (board == 1), stock & (board == 2),
            stock & (board == 3), sec_type == 1, (sec_type == 2) | (sec_type == 3),
            sec_type == 4, sec_type == 5, sec_type == 6, sec_type == 7,
        ],
        [B_SHARE, ST, A_MAIN, CHINEXT, STAR, BSE, ETF, LOF_CLOSED, BOND, CONVERTIBLE, WARRANT, REPO],  # noqa: E501
    )  # fmt: skip
    price_yuan = np.select(
        [stock & is_st, stock, sec_type == 1, sec_type == 2, sec_type == 3, sec_type == 4,
         sec_type == 5, sec_type == 6, sec_type == 7],
        [rng.lognormal(np.log(3), 0.4, n), rng.lognormal(np.log(13), 0.8, n),
         rng.lognormal(np.log(2.5), 0.6, n), rng.lognormal(np.log(1.3), 0.3, n),
         rng.lognormal(np.log(1.0), 0.2, n), rng.normal(101, 2, n),
         rng.lognormal(np.log(125), 0.15, n), rng.lognormal(np.log(0.8), 0.6, n),
         np.full(n, 100.0)],
    )  # fmt: skip
    tick = np.where(stock, 100, 10)
    close = np.maximum(np.round(price_yuan * 10000 / tick).astype(np.int64) * tick, tick * 10)
    close[sec_type == 7] = 1_000_000
    lot_min = np.where(stock & (board == 2), 200, np.where(np.isin(sec_type, (4, 5, 7)), 10, 100))
    lot_step = np.where(stock & (board >= 2), 1, np.where(np.isin(sec_type, (4, 5, 7)), 10, 100))
    shares = np.round(rng.lognormal(np.log(6e8), 1.0, n) / 100).astype(np.int64) * 100
    sigma = np.select(
        [is_st, b_share, stock & (board == 0), stock & (board <= 2), stock, sec_type == 1,
         sec_type == 4, sec_type == 5, sec_type == 6, sec_type == 7],
        [0.025, 0.015, 0.018, 0.028, 0.033, 0.004, 0.0005, 0.012, 0.05, 0.0],
        default=0.008,
    )  # fmt: skip
    list_t = np.full(n, -1, dtype=np.int64)
    ipo_idx = np.flatnonzero(is_ipo)
    list_t[ipo_idx] = np.linspace(3, max(4, n_days + 2), len(ipo_idx)).astype(np.int64)
    announce_t = np.where(is_ipo, np.maximum(list_t - 3, 0), 0)
    list_day = start_day - rng.integers(200, 9000, n)
    day_numbers = [start_day + (d - days[0]).days for d in days]
    for i in ipo_idx.tolist():
        t = int(list_t[i])
        list_day[i] = day_numbers[t] if t < n_days else day_numbers[-1] + (t - n_days + 1) * 2
    delist_day = np.full(n, NULL_INT, dtype=np.int64)
    warrants = np.flatnonzero(sec_type == 6)
    delist_day[warrants] = start_day + rng.integers(400, 700, len(warrants))
    issue = np.zeros(n, np.int64)
    issue[ipo_idx] = np.round(rng.uniform(8, 40, len(ipo_idx)) * 100).astype(np.int64) * 100
    close[ipo_idx] = issue[ipo_idx]
    names = _names(rng, sec_type, is_st, b_share, codes)
    cap = shares * close
    a_share = stock & ~b_share & ~is_ipo
    by_cap = np.flatnonzero(a_share & (board <= 2))
    top300 = by_cap[np.argsort(-cap[by_cap], kind="stable")[:300]]
    members = [
        np.flatnonzero(stock & (np.array(mkt) == 0)),
        np.sort(top300),
        np.flatnonzero(stock & (board == 1)),
    ]
    return Market(
        code=codes, name=names, market=np.array(mkt), sec_type=sec_type, board=board,
        industry=industry, is_st=is_st, cls=cls, list_t=list_t, list_day=list_day,
        announce_t=announce_t, delist_day=delist_day, shares=shares, tick=tick, lot_min=lot_min,
        lot_step=lot_step, sigma=sigma, issue_price=issue, close=close, index_members=members,
        index_level=np.array([3200.0, 3900.0, 2100.0]),
    )  # fmt: skip


def _names(
    rng: np.random.Generator, sec_type: np.ndarray, is_st: np.ndarray, b_share: np.ndarray,
    codes: list[str],
) -> list[str]:  # fmt: skip
    n = len(codes)
    heads = np.asarray(nm.STOCK_HEADS)[rng.integers(0, len(nm.STOCK_HEADS), n)]
    mids = np.asarray(nm.STOCK_MIDS)[rng.integers(0, len(nm.STOCK_MIDS), n)]
    tails = np.asarray(nm.STOCK_TAILS)[rng.integers(0, len(nm.STOCK_TAILS), n)]
    houses = np.asarray(nm.FUND_HOUSES)[rng.integers(0, len(nm.FUND_HOUSES), n)]
    themes = [
        "沪深300",
        "中证500",
        "创业板",
        "科创50",
        "红利",
        "医药",
        "芯片",
        "证券",
        "黄金",
        "新能源",
    ]
    out = []
    for i in range(n):
        t = int(sec_type[i])
        base = f"{heads[i]}{mids[i]}"
        if t == 0:
            name = f"{base}B股" if b_share[i] else f"{base}{tails[i]}"
            if is_st[i]:
                name = ("*ST" if i % 3 == 0 else "ST") + base
        elif t == 1:
            name = f"{themes[i % len(themes)]}ETF{houses[i]}"
        elif t == 2:
            name = f"{houses[i]}{themes[i % len(themes)]}LOF"
        elif t == 3:
            name = f"{houses[i]}封闭{i % 9 + 1}号"
        elif t == 4:
            name = f"{25 + i % 3}国债{i % 20 + 1:02d}"
        elif t == 5:
            name = f"{heads[i]}{mids[i]}转债"
        elif t == 6:
            name = f"{base}CWB{i % 5 + 1}"
        else:
            name = "GC001" if codes[i].startswith("204001") else f"回购{codes[i][:6]}"
        out.append(name)
    return out


def securities_table(m: Market, idx: np.ndarray) -> pa.Table:
    il = idx.tolist()
    stock = m.sec_type[idx] == 0
    return build(
        "securities",
        {
            "security_id": pa.array([m.code[i] for i in il], pa.string()),
            "name": pa.array([m.name[i] for i in il], pa.string()),
            "market": pa.array([MARKETS[k] for k in m.market[idx].tolist()], pa.string()),
            "security_type": pa.array(
                [SEC_TYPES[k] for k in m.sec_type[idx].tolist()], pa.string()
            ),
            "board": pa.array(
                [
                    BOARD_NAMES[b] if s else None
                    for b, s in zip(m.board[idx].tolist(), stock, strict=True)
                ],
                pa.string(),
            ),
            "industry": pa.array(
                [rules.SHENWAN_L1[k] if k >= 0 else None for k in m.industry[idx].tolist()],
                pa.string(),
            ),
            "is_st": m.is_st[idx],
            "list_date": m.list_day[idx],
            "delist_date": m.delist_day[idx],
        },
    )


def limits(m: Market, day: dt.date, t: int) -> np.ndarray:
    """Each security's daily limit as a fraction; inf where there is none today."""
    lim = np.full(m.n, 0.10)
    for b, name in enumerate(BOARD_NAMES):
        lim[(m.sec_type == 0) & (m.board == b)] = rules.price_limit(name, False, day)
    st_lim = rules.price_limit("main", True, day)
    lim[m.is_st] = st_lim
    lim[m.sec_type == 5] = 0.20
    lim[np.isin(m.sec_type, (4, 7))] = np.inf
    age = t - m.list_t
    fresh = (m.list_t >= 0) & (age >= 0) & ((age == 0) | ((age < 5) & (m.board >= 1)))
    lim[fresh] = np.inf
    return lim

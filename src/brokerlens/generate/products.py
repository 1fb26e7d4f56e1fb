"""OTC products sold by the brokerage, their NAV history since launch and their daily NAV.

Every product has a launch date (most years before the first generated date, a few inside the
window). Its NAV history before the first date, since launch or for at most `BACKFILL_YEARS`,
is delivered once, in the first date folder, as the `product_nav_backfill` feed (contract/feeds.py).
The series (`acc_nav` includes dividends; `nav` drops by a dividend on its ex-date, `acc_nav` not):
- money market: `nav` 1.0000, `acc_nav` accrues about 2%/yr, smoothly;
- bond funds: ~3.5%/yr with a low volatility (~2.5%/yr), a yearly dividend;
- hybrid, equity, index and private funds: a beta to the CSI 300 (沪深300, `000300.SH` of the
  market data inside the window; a simulated index with volatility regimes, hence drawdowns,
  before it) plus their own noise: equity ~20-25%/yr volatility, hybrid ~15%, index tracks;
- QDII: mostly their own (foreign) risk, ~20%/yr; asset-management plans and structured notes
  low volatility. Seeded and deterministic (stream "products" and "nav_backfill").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerlens.contract.feeds import PRODUCT_TYPES
from brokerlens.generate import names as nm
from brokerlens.generate.tables import NULL_INT, build, day_number
from brokerlens.market import calendar

BACKFILL_YEARS = 5
TRAIL_DAYS = 60  # return chasing looks at the last ~3 months of acc_nav

TYPES = tuple(PRODUCT_TYPES.split())
# per type: count, risk levels, min_amount yuan, fee_rate, daily vol, beta to market, drift/yr
SPEC: dict[str, tuple[int, tuple[int, ...], float, float, float, float, float]] = {
    "money_market": (8, (1,), 1.0, 0.0, 0.0, 0.0, 0.02),
    "bond_fund": (14, (2,), 10.0, 0.006, 0.0016, 0.0, 0.035),
    "hybrid_fund": (14, (3, 4), 10.0, 0.012, 0.006, 0.6, 0.05),
    "equity_fund": (16, (4,), 10.0, 0.015, 0.01, 0.95, 0.06),
    "index_fund": (10, (3, 4), 10.0, 0.01, 0.0015, 1.0, 0.03),
    "qdii_fund": (5, (4, 5), 10.0, 0.015, 0.012, 0.2, 0.06),
    "private_fund": (6, (5,), 1_000_000.0, 0.01, 0.012, 0.7, 0.08),
    "asset_mgmt": (8, (3, 4), 300_000.0, 0.005, 0.003, 0.2, 0.045),
    "structured_note": (4, (3, 4), 50_000.0, 0.0, 0.0008, 0.05, 0.035),
    "advisory": (3, (3, 4), 10_000.0, 0.01, 0.0, 0.0, 0.0),
    "info_service": (2, (1, 2), 0.0, 0.0, 0.0, 0.0, 0.0),
}
VALUED = (
    "money_market",
    "bond_fund",
    "hybrid_fund",
    "equity_fund",
    "index_fund",
    "qdii_fund",
    "private_fund",
    "asset_mgmt",
    "structured_note",
)
# groups archetypes choose from: 0 equity-like funds, 1 bond & money funds, 2 other OTC
GROUP_OF = {
    "equity_fund": 0,
    "index_fund": 0,
    "hybrid_fund": 0,
    "money_market": 1,
    "bond_fund": 1,
    "qdii_fund": 2,
    "private_fund": 2,
    "asset_mgmt": 2,
    "structured_note": 2,
}

LABELS = {  # the kind of product in its name
    "money_market": "货币",
    "bond_fund": "纯债",
    "hybrid_fund": "灵活配置混合",
    "equity_fund": "成长股票",
    "index_fund": "沪深300指数",
    "qdii_fund": "全球精选QDII",
    "private_fund": "私募证券投资基金",
    "asset_mgmt": "集合资产管理计划",
    "structured_note": "收益凭证",
    "advisory": "投顾服务",
    "info_service": "资讯服务",
}


@dataclass
class Products:
    ptype: np.ndarray
    risk: np.ndarray  # 1..5
    min_amount: np.ndarray  # cents
    fee_rate: np.ndarray
    vol: np.ndarray
    beta: np.ndarray
    drift: np.ndarray
    term_days: np.ndarray
    launch_day: np.ndarray
    launch_t: np.ndarray  # trading-day index of launch (negative before the window)
    status: np.ndarray  # 0 on_sale 1 closed 2 liquidated
    names: list[str]
    managers: list[str]
    nav: np.ndarray  # 1e-4
    acc_nav: np.ndarray  # 1e-4
    valued: np.ndarray  # bool: has a NAV and can be held
    group: np.ndarray  # -1 for services
    house: np.ndarray  # index into names.FUND_HOUSES (the manager)
    trail: list[np.ndarray]  # acc_nav of the last TRAIL_DAYS + 1 days (oldest first), 1e-4
    backfill: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    # (day numbers, product index, nav, acc_nav) of the history before the first date

    def trailing_return(self) -> np.ndarray:
        """acc_nav return over the last TRAIL_DAYS days (0 where there is no history)."""
        old = self.trail[0]
        return np.where(old > 0, self.acc_nav / np.maximum(old, 1) - 1, 0.0)

    @property
    def n(self) -> int:
        return len(self.ptype)


def build_products(rng: np.random.Generator, start_day: int, n_days: int) -> Products:
    rows: list[tuple[int, int]] = []
    for t, name in enumerate(TYPES):
        count, risks, *_ = SPEC[name]
        for k in range(count):
            rows.append((t, risks[k % len(risks)]))
    n = len(rows)
    ptype = np.array([r[0] for r in rows])
    tn = [TYPES[t] for t in ptype.tolist()]
    risk = np.array([r[1] for r in rows])
    spec = [SPEC[x] for x in tn]
    launch_t = np.full(n, -1, dtype=np.int64)
    # a few products launch inside the window
    fresh = rng.choice(
        np.flatnonzero(np.isin(tn, ("equity_fund", "bond_fund", "hybrid_fund"))), 3, replace=False
    )
    launch_t[fresh] = np.linspace(1, max(2, n_days - 2), 3).astype(np.int64)
    launch_day = start_day - rng.integers(60, 3000, n)
    launch_day[fresh] = start_day + (launch_t[fresh] * 7) // 5
    # launches fall on a trading day (the first NAV is published on the launch date)
    launch_day = np.array([_trading_on_or_after(int(d)) for d in launch_day.tolist()], np.int64)
    term = np.full(n, NULL_INT, dtype=np.int64)
    termed = np.isin(tn, ("private_fund", "asset_mgmt", "structured_note"))
    term[termed] = rng.choice([90, 180, 365, 730], termed.sum())
    status = np.where(rng.random(n) < 0.08, 1, 0)
    status[fresh] = 0
    nav = np.round(np.where(ptype == 0, 1.0, rng.lognormal(0.1, 0.3, n)) * 10000).astype(np.int64)
    nav[fresh] = 10000
    bonus = np.round(rng.uniform(0, 0.6, n) * 10000).astype(np.int64)
    bonus[fresh] = 0
    acc = nav + bonus
    houses = np.asarray(nm.FUND_HOUSES)[rng.integers(0, len(nm.FUND_HOUSES), n)]
    names = [f"{houses[i]}{LABELS[tn[i]]}{i % 7 + 1}号" for i in range(n)]
    valued = np.isin(tn, VALUED)
    house_idx = np.array([nm.FUND_HOUSES.index(h) for h in houses.tolist()], np.int64)
    products = Products(
        ptype=ptype,
        risk=risk,
        min_amount=np.array([round(s[2] * 100) for s in spec], dtype=np.int64),
        fee_rate=np.array([s[3] for s in spec]),
        vol=np.array([s[4] for s in spec]),
        beta=np.array([s[5] for s in spec]),
        drift=np.array([s[6] for s in spec]) / 250,
        term_days=term,
        launch_day=launch_day,
        launch_t=launch_t,
        status=status,
        names=names,
        managers=[f"{h}基金管理有限公司" for h in houses.tolist()],
        nav=nav,
        acc_nav=acc,
        valued=valued,
        group=np.array([GROUP_OF.get(x, -1) for x in tn]),
        house=house_idx,
        trail=[],
    )
    _backfill(
        products, np.random.Generator(np.random.PCG64(int(rng.integers(0, 2**62)))), start_day
    )
    # the trailing window of return chasing starts inside the history
    trail = [np.where(products.launch_t < 0, products.acc_nav, 0)] * (TRAIL_DAYS + 1)
    if products.backfill is not None:
        days, prod, _, acc = products.backfill
        last = np.unique(days)[-(TRAIL_DAYS + 1) :]
        for k, d in enumerate(last.tolist()):
            row = np.zeros(n, np.int64)
            sel = days == d
            row[prod[sel]] = acc[sel]
            trail[TRAIL_DAYS + 1 - len(last) + k] = row
    products.trail = trail
    return products


def _trading_on_or_after(day: int) -> int:
    d = np.datetime64(day, "D").astype(object)
    first, last = calendar.calendar_bounds()
    d = min(max(d, first), last)
    if calendar.is_trading_day(d):
        return day_number(d)
    return day_number(calendar.next_trading_days(d, 1)[0])


def _backfill(p: Products, rng: np.random.Generator, start_day: int) -> None:
    """Simulate each product's NAV from launch (or BACKFILL_YEARS before the first date) to the
    last trading day before it; the state ends at those values."""
    start = np.datetime64(start_day, "D").astype(object)
    first = max(calendar.calendar_bounds()[0], start.replace(year=start.year - BACKFILL_YEARS))
    days = np.array(
        [day_number(d) for d in calendar.trading_days(first, start) if day_number(d) < start_day],
        np.int64,
    )
    old = p.valued & (p.launch_t < 0)
    if not len(days) or not old.any():
        return
    # products launched inside the backfill window start at 1.0000
    begins = old & (p.launch_day > days[0])
    p.nav[begins] = 10000
    p.acc_nav[begins] = 10000
    n_days = len(days)
    # a CSI 300 with volatility regimes (calm 1.0%, stressed 2.2% a day), so drawdowns happen
    stressed = np.zeros(n_days, bool)
    state = False
    u = rng.random(n_days)
    for i in range(n_days):
        state = (u[i] < 0.985) if state else (u[i] < 0.012)
        stressed[i] = state
    market = rng.standard_normal(n_days) * np.where(stressed, 0.022, 0.010) + np.where(
        stressed, -0.0025, 0.0006
    )
    out_days, out_prod, out_nav, out_acc = [], [], [], []
    dividend_day = rng.integers(0, 250, p.n)
    mmf = p.ptype == 0
    pays = np.isin(p.ptype, (1, 2))  # bond and hybrid funds pay dividends
    noise = rng.standard_normal((n_days, p.n))
    for i, d in enumerate(days.tolist()):
        live = old & (p.launch_day <= d)
        started = live & (p.launch_day < d)
        r = p.drift + p.beta * market[i] + p.vol * noise[i]
        new_nav = np.maximum(np.round(p.nav * (1 + r)).astype(np.int64), 100)
        gain = np.where(started, new_nav - p.nav, 0)
        mmf_gain = np.round(p.acc_nav * p.drift * (1 + 0.1 * noise[i])).astype(np.int64)
        gain[mmf & started] = np.maximum(mmf_gain[mmf & started], 0)
        p.nav = np.where(started & ~mmf, new_nav, p.nav)
        p.acc_nav = p.acc_nav + gain
        # a yearly dividend: nav drops by it, acc_nav (dividends included) does not
        div = started & pays & (i % 250 == dividend_day) & (p.nav > 10300)
        p.nav[div] -= (p.nav[div] - 10000) // 2
        idx = np.flatnonzero(live)
        out_days.append(np.full(len(idx), d, np.int64))
        out_prod.append(idx)
        out_nav.append(p.nav[idx].copy())
        out_acc.append(p.acc_nav[idx].copy())
    p.backfill = (
        np.concatenate(out_days),
        np.concatenate(out_prod),
        np.concatenate(out_nav),
        np.concatenate(out_acc),
    )


def step_nav(p: Products, t: int, rng: np.random.Generator, market_return: float) -> None:
    """One trading day; `market_return` is the CSI 300's return that day."""
    live = (p.launch_t < t) & p.valued
    r = p.drift + p.beta * market_return + p.vol * rng.standard_normal(p.n)
    mmf = p.ptype == 0
    new_nav = np.maximum(np.round(p.nav * (1 + r)).astype(np.int64), 100)
    new_nav[mmf] = 10000
    gain = np.where(live, new_nav - p.nav, 0)
    # money market: steady 1.0000, income (~2%/yr) accrues to acc_nav
    gain[mmf & live] = np.maximum(np.round(p.acc_nav * p.drift).astype(np.int64), 1)[mmf & live]
    p.nav = np.where(live, new_nav, p.nav)
    p.acc_nav = p.acc_nav + gain
    p.trail = [*p.trail[1:], np.where(p.launch_t <= t, p.acc_nav, 0)]


def live(p: Products, t: int) -> np.ndarray:
    """Products with a NAV on day t (launched, valued)."""
    return p.valued & (p.launch_t <= t)


def products_table(p: Products, idx: np.ndarray) -> pa.Table:
    il = idx.tolist()
    return build(
        "products",
        {
            "product_id": pa.array([f"P{i:05d}" for i in il], pa.string()),
            "name": pa.array([p.names[i] for i in il], pa.string()),
            "product_type": pa.array([TYPES[p.ptype[i]] for i in il], pa.string()),
            "risk_level": pa.array([f"R{p.risk[i]}" for i in il], pa.string()),
            "manager": pa.array([p.managers[i] for i in il], pa.string()),
            "min_amount": p.min_amount[idx],
            "term_days": p.term_days[idx],
            "launch_date": p.launch_day[idx],
            "status": pa.array([("on_sale", "closed", "liquidated")[p.status[i]] for i in il]),
            "benchmark": pa.array(
                [
                    "沪深300指数收益率×80%+中债综合指数收益率×20%"
                    if p.beta[i] > 0.5
                    else "一年期定期存款利率"
                    for i in il
                ],
                pa.string(),
            ),
            "fee_rate": p.fee_rate[idx],
        },
    )


def nav_table(p: Products, t: int, biz: int) -> pa.Table:
    idx = np.flatnonzero(live(p, t))
    return build(
        "product_nav",
        {
            "biz_date": np.full(len(idx), biz),
            "product_id": pa.array([f"P{i:05d}" for i in idx.tolist()], pa.string()),
            "nav": p.nav[idx] / 10000,
            "acc_nav": p.acc_nav[idx] / 10000,
        },
    )


def backfill_table(p: Products) -> pa.Table:
    """The NAV history before the first date (the `product_nav_backfill` feed)."""
    if p.backfill is None:
        return build("product_nav_backfill", {})
    days, prod, nav, acc = p.backfill
    order = np.lexsort((prod, days))
    return build(
        "product_nav_backfill",
        {
            "biz_date": days[order],
            "product_id": pa.array([f"P{i:05d}" for i in prod[order].tolist()], pa.string()),
            "nav": nav[order] / 10000,
            "acc_nav": acc[order] / 10000,
        },
    )

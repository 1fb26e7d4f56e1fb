"""OTC products sold by the brokerage and their daily NAV."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerlens.contract.feeds import PRODUCT_TYPES
from brokerlens.generate import names as nm
from brokerlens.generate.tables import NULL_INT, build

TYPES = tuple(PRODUCT_TYPES.split())
# per type: count, risk levels, min_amount yuan, fee_rate, daily vol, beta to market, drift/yr
SPEC: dict[str, tuple[int, tuple[int, ...], float, float, float, float, float]] = {
    "money_market": (8, (1,), 1.0, 0.0, 0.0, 0.0, 0.018),
    "bond_fund": (14, (2,), 10.0, 0.006, 0.0008, 0.0, 0.03),
    "hybrid_fund": (14, (3, 4), 10.0, 0.012, 0.007, 0.6, 0.05),
    "equity_fund": (16, (4,), 10.0, 0.015, 0.012, 0.95, 0.06),
    "index_fund": (10, (3, 4), 10.0, 0.01, 0.011, 1.0, 0.05),
    "qdii_fund": (5, (4, 5), 10.0, 0.015, 0.012, 0.2, 0.06),
    "private_fund": (6, (5,), 1_000_000.0, 0.01, 0.015, 0.7, 0.08),
    "asset_mgmt": (8, (3, 4), 300_000.0, 0.005, 0.004, 0.3, 0.045),
    "structured_note": (4, (3, 4), 50_000.0, 0.0, 0.002, 0.1, 0.035),
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
    labels = {
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
    names = [f"{houses[i]}{labels[tn[i]]}{i % 7 + 1}号" for i in range(n)]
    valued = np.isin(tn, VALUED)
    return Products(
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
    )


def step_nav(p: Products, t: int, rng: np.random.Generator, market_return: float) -> None:
    live = (p.launch_t < t) & p.valued
    r = p.drift + p.beta * market_return + p.vol * rng.standard_normal(p.n)
    mmf = p.ptype == 0
    new_nav = np.maximum(np.round(p.nav * (1 + r)).astype(np.int64), 100)
    new_nav[mmf] = 10000
    gain = np.where(live, new_nav - p.nav, 0)
    gain[mmf & live] = 1  # money market: steady 1.0000, income accrues to acc_nav
    p.nav = np.where(live, new_nav, p.nav)
    p.acc_nav = p.acc_nav + gain


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

# ruff: noqa: E501
"""Behavioural customer archetypes: the 18 groups of seed 002 table 3 plus a few more.

Each archetype has a true risk appetite (1 = lowest .. 5 = highest, the C1..C5 direction), a mix
over what it buys (exchange classes of market.CLASSES, IPO subscription, and three OTC groups:
equity-like funds, bond & money funds, other OTC), a trade rate, a holding period and a wealth
level (median assets of a log-normal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# mix columns: the 12 market classes, then ipo, otc_equity, otc_bond, otc_other
MIX_COLUMNS = (
    "a_main", "chinext", "star", "bse", "st", "b_share", "etf", "lof_closed", "bond",
    "convertible", "warrant", "repo", "ipo", "otc_equity", "otc_bond", "otc_other",
)  # fmt: skip
IPO, OTC_EQUITY, OTC_BOND, OTC_OTHER = 12, 13, 14, 15


@dataclass(frozen=True)
class Archetype:
    name: str
    share: float  # of the customer population
    appetite: int  # true risk appetite 1..5
    mix: dict[str, float]
    trades_per_day: float
    sell_prob: float  # chance a trading slot sells (shorter holding -> higher)
    median_assets: float  # yuan
    cash_share: float  # share of assets kept as cash at the start
    margin: bool = False


A = Archetype
ARCHETYPES: tuple[Archetype, ...] = (
    A("ipo_subscriber", 0.03, 2, {"ipo": 0.75, "a_main": 0.2, "otc_bond": 0.05}, 0.05, 0.5, 300_000, 0.85),
    A("a_b_mixer", 0.02, 3, {"a_main": 0.55, "b_share": 0.45}, 0.15, 0.45, 150_000, 0.1),
    A("a_st", 0.03, 4, {"a_main": 0.62, "st": 0.38}, 0.2, 0.5, 120_000, 0.1),
    A("b_share_holder", 0.01, 3, {"b_share": 0.9, "a_main": 0.1}, 0.06, 0.4, 100_000, 0.1),
    A("exchange_fund", 0.04, 3, {"etf": 0.5, "lof_closed": 0.15, "a_main": 0.35}, 0.12, 0.45, 150_000, 0.15),
    A("st_lover", 0.02, 5, {"st": 0.8, "a_main": 0.2}, 0.3, 0.5, 60_000, 0.08),
    A("allocator", 0.04, 3, {"a_main": 0.33, "etf": 0.32, "otc_equity": 0.2, "otc_bond": 0.15}, 0.08, 0.4, 500_000, 0.12),
    A("chinext_lover", 0.04, 4, {"chinext": 0.72, "a_main": 0.22, "star": 0.06}, 0.3, 0.5, 120_000, 0.08),
    A("stock_fund_holder", 0.04, 4, {"otc_equity": 0.92, "otc_bond": 0.08}, 0.02, 0.3, 200_000, 0.08),
    A("a_warrant", 0.01, 4, {"a_main": 0.65, "warrant": 0.35}, 0.4, 0.5, 100_000, 0.1),
    A("mixed", 0.05, 3, {"a_main": 0.4, "otc_equity": 0.2, "ipo": 0.12, "otc_bond": 0.08, "etf": 0.1, "bond": 0.1}, 0.1, 0.45, 200_000, 0.2),
    A("a_share_only", 0.16, 3, {"a_main": 1.0}, 0.15, 0.48, 80_000, 0.1),
    A("warrant_a", 0.01, 5, {"warrant": 0.55, "a_main": 0.45}, 0.6, 0.5, 80_000, 0.1),
    A("warrant_only", 0.005, 5, {"warrant": 1.0}, 0.8, 0.5, 40_000, 0.15),
    A("exchange_fund_90", 0.03, 3, {"etf": 0.75, "lof_closed": 0.18, "a_main": 0.07}, 0.1, 0.45, 200_000, 0.08),
    A("a_chinext_leaning", 0.06, 4, {"a_main": 0.62, "chinext": 0.3, "ipo": 0.04, "star": 0.04}, 0.18, 0.5, 100_000, 0.1),
    A("a_exchange_fund", 0.06, 3, {"a_main": 0.7, "etf": 0.2, "otc_equity": 0.05, "bse": 0.05}, 0.12, 0.45, 150_000, 0.1),
    A("bond_led", 0.04, 1, {"otc_bond": 0.8, "otc_equity": 0.08, "bond": 0.07, "repo": 0.05}, 0.03, 0.35, 400_000, 0.1),
    A("long_term_holder", 0.06, 2, {"a_main": 0.7, "otc_equity": 0.2, "convertible": 0.1}, 0.015, 0.2, 600_000, 0.05),
    A("active_trader", 0.03, 5, {"a_main": 0.5, "chinext": 0.25, "star": 0.15, "bse": 0.1}, 1.6, 0.5, 400_000, 0.1),
    A("margin_user", 0.03, 5, {"a_main": 0.6, "chinext": 0.25, "star": 0.15}, 0.5, 0.5, 900_000, 0.1, True),
    A("wealthy_allocator", 0.01, 2, {"otc_other": 0.5, "otc_bond": 0.3, "a_main": 0.2}, 0.03, 0.3, 6_000_000, 0.1),
    A("dormant", 0.12, 1, {"a_main": 1.0}, 0.0, 0.0, 30, 1.0),
    A("empty", 0.035, 1, {"a_main": 1.0}, 0.0, 0.0, 0, 1.0),
)  # fmt: skip
NAMES = tuple(a.name for a in ARCHETYPES)
DORMANT = NAMES.index("dormant")
EMPTY = NAMES.index("empty")
MARGIN = NAMES.index("margin_user")
IPO_SUB = NAMES.index("ipo_subscriber")


def mix_matrix() -> np.ndarray:
    """archetypes x MIX_COLUMNS, rows summing to 1."""
    out = np.zeros((len(ARCHETYPES), len(MIX_COLUMNS)))
    for i, a in enumerate(ARCHETYPES):
        for k, v in a.mix.items():
            out[i, MIX_COLUMNS.index(k)] = v
    return out / out.sum(axis=1, keepdims=True)


def shares() -> np.ndarray:
    s = np.array([a.share for a in ARCHETYPES])
    return s / s.sum()


def column(attr: str) -> np.ndarray:
    return np.array([getattr(a, attr) for a in ARCHETYPES])

"""Market structure and trading-cost rules of domain.md sections 2 and 3, as default config."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SHENWAN_L1: tuple[str, ...] = (
    "农林牧渔", "基础化工", "钢铁", "有色金属", "电子", "汽车", "家用电器", "食品饮料",
    "纺织服饰", "轻工制造", "医药生物", "公用事业", "交通运输", "房地产", "商贸零售", "社会服务",
    "银行", "非银金融", "综合", "建筑材料", "建筑装饰", "电力设备", "机械设备", "国防军工",
    "计算机", "传媒", "通信", "煤炭", "石油石化", "环保", "美容护理",
)  # fmt: skip


@dataclass(frozen=True)
class Board:
    name: str  # contract value: main, chinext, star, bse
    market: str
    prefixes: tuple[str, ...]
    limit: float  # daily price limit as a fraction of prev_close
    min_lot: int  # smallest buy
    lot_step: int  # buys above the minimum go in steps of this


BOARDS: dict[str, Board] = {
    "main_sh": Board("main", "SH", ("600", "601", "603", "605"), 0.10, 100, 100),
    "main_sz": Board("main", "SZ", ("000", "001", "002", "003"), 0.10, 100, 100),
    "chinext": Board("chinext", "SZ", ("300", "301"), 0.20, 100, 100),
    "star": Board("star", "SH", ("688",), 0.20, 200, 1),
    "bse": Board("bse", "BJ", ("920",), 0.30, 100, 1),
}

# B shares trade on the main boards with their own prefixes (Shanghai in USD, Shenzhen in HKD).
B_SHARE_PREFIXES = {"SH": "900", "SZ": "200"}
ST_LIMIT = 0.05
ST_LIMIT_UNTIL = dt.date(2026, 7, 6)  # ST stocks on the main board: +-5% until then, then +-10%


def price_limit(board: str, is_st: bool, day: dt.date) -> float:
    """The daily limit as a fraction of the previous close."""
    limits = {b.name: b.limit for b in BOARDS.values()}
    if is_st and board == "main" and day < ST_LIMIT_UNTIL:
        return ST_LIMIT
    return limits[board]


@dataclass(frozen=True)
class FeeSchedule:
    """A-share costs (domain.md section 2). Rates are fractions of the trade value."""

    commission_cap: float = 0.003
    commission_floor: float = 5.0
    stamp_duty_sell: float = 0.0005
    stamp_duty_sell_before: float = 0.001
    stamp_duty_change: dt.date = dt.date(2023, 8, 28)
    transfer_fee: float = 0.00001
    handling_fee: float = 0.0000341
    regulator_fee: float = 0.00002

    def stamp_duty_rate(self, day: dt.date) -> float:
        if day >= self.stamp_duty_change:
            return self.stamp_duty_sell
        return self.stamp_duty_sell_before


DEFAULT_FEES = FeeSchedule()

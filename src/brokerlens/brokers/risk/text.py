"""A broker risk measure in words, like an alert's explanation: what was measured, the
broker's figure beside the branch's, and the threshold that flagged it (Chinese and English)."""

from __future__ import annotations

from dataclasses import dataclass

from brokerlens.brokers.risk.config import RiskConfig

NAMES: dict[str, tuple[str, str]] = {
    "customer_churn": ("客户流失偏高", "Customers leaving"),
    "asset_loss": ("客户资产流失偏高", "Customer assets falling"),
    "trading_concentration": ("交易集中度异常", "Unusual trading concentration"),
    "risky_sales": ("高风险产品售予低风险客户", "High-risk sales to low-risk customers"),
}


@dataclass(frozen=True)
class Measure:
    """One row of the broker risk file."""

    metric: str
    value: float | None
    branch_value: float | None
    base: int | None
    hits: int | None
    detail: str | None
    start_yuan: float | None
    end_yuan: float | None
    window_days: int


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def _wan(value: float | None) -> str:
    return "—" if value is None else f"{value / 10000:,.1f}万"


def _yuan(value: float | None) -> str:
    return "—" if value is None else f"¥{value:,.0f}"


def explain(m: Measure, config: RiskConfig) -> tuple[str, str]:
    """(Chinese, English) sentences for the measure and the rule it is held against."""
    if m.metric == "customer_churn":
        return _churn(m, config)
    if m.metric == "asset_loss":
        return _loss(m, config)
    if m.metric == "trading_concentration":
        return _concentration(m, config)
    return _sales(m, config)


def _churn(m: Measure, config: RiskConfig) -> tuple[str, str]:
    d, r = m.window_days, config.customer_churn
    return (
        f"近{d}天，期初名下{m.base}户中{m.hits}户已离开或销户，流失率{_pct(m.value)}，"
        f"营业部为{_pct(m.branch_value)}（预警：不少于{r.min_lost}户，且达到营业部的"
        f"{r.ratio:g}倍并高出{r.min_gap * 100:g}个百分点）",
        f"In the last {d} days {m.hits} of the {m.base} customers held at the start left or "
        f"closed: {_pct(m.value)} against the branch's {_pct(m.branch_value)} (flagged at "
        f"{r.min_lost}+ customers, {r.ratio:g}x the branch and {r.min_gap * 100:g} points "
        "above it)",
    )


def _loss(m: Measure, config: RiskConfig) -> tuple[str, str]:
    d, r = m.window_days, config.asset_loss
    return (
        f"近{d}天，期初名下客户总资产由{_wan(m.start_yuan)}变为{_wan(m.end_yuan)}"
        f"（{_signed(m.value)}），营业部为{_signed(m.branch_value)}（预警：期初资产不低于"
        f"{_wan(r.min_assets)}，且比营业部低{r.min_gap * 100:g}个百分点以上）",
        f"In the last {d} days the assets of the customers held at the start went from "
        f"{_yuan(m.start_yuan)} to {_yuan(m.end_yuan)} ({_signed(m.value)}) against the "
        f"branch's {_signed(m.branch_value)} (flagged from {_yuan(r.min_assets)} at the "
        f"start, {r.min_gap * 100:g}+ points below the branch)",
    )


def _concentration(m: Measure, config: RiskConfig) -> tuple[str, str]:
    d, r = m.window_days, config.trading_concentration
    return (
        f"近{d}天名下客户{m.base}笔交易中，{_pct(m.value)}的成交额集中于{m.detail}"
        f"（{m.hits}户），营业部该证券占比{_pct(m.branch_value)}（预警：占比不低于"
        f"{_pct(r.share)}，且为营业部的{r.ratio:g}倍以上）",
        f"Of the book's {m.base} trades in the last {d} days, {_pct(m.value)} of the amount "
        f"was in {m.detail} ({m.hits} customers); the branch's share in it is "
        f"{_pct(m.branch_value)} (flagged at {_pct(r.share)}+ and {r.ratio:g}x the branch)",
    )


def _sales(m: Measure, config: RiskConfig) -> tuple[str, str]:
    d, r2 = m.window_days, config.risky_sales
    return (
        f"近{d}天名下客户购买产品{m.base}笔，其中{m.hits}笔为R4-R5产品售予C1-C2客户，"
        f"占{_pct(m.value)}，营业部为{_pct(m.branch_value)}（预警：不少于{r2.min_mismatched}笔，"
        f"占比不低于{_pct(r2.share)}且为营业部的{r2.ratio:g}倍以上）",
        f"{m.hits} of the book's {m.base} product purchases in the last {d} days were R4-R5 "
        f"products bought by C1-C2 customers: {_pct(m.value)} against the branch's "
        f"{_pct(m.branch_value)} (flagged at {r2.min_mismatched}+ sales, {_pct(r2.share)}+ and "
        f"{r2.ratio:g}x the branch)",
    )

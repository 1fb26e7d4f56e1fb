"""Feature contributions in words a broker reads: "近20日净转出 41.2万元，占资产 83%".

Each feature belongs to a reason group; the contributions (LightGBM's pred_contrib) of a
group's features are added up, and the three groups pushing the score up most become the
customer's reasons, each worded from the customer's own figures in Chinese and English.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Row = Mapping[str, float | int | None]


def _num(row: Row, name: str) -> float:
    value = row.get(name)
    if value is None:
        return math.nan
    return float(value)


def money_zh(value: float) -> str:
    if math.isnan(value):
        return "—"
    if abs(value) >= 1e8:
        return f"{value / 1e8:.2f}亿元"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.1f}万元"
    return f"{value:,.0f}元"


def money_en(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f}k"
    return f"{value:,.0f}"


def pct(value: float) -> str:
    return "—" if math.isnan(value) else f"{value * 100:.0f}%"


def signed_pct(value: float) -> str:
    return "—" if math.isnan(value) else f"{value * 100:+.0f}%"


def _bp(value: float) -> str:
    return "—" if math.isnan(value) else f"{value * 1e4:.1f}"


def count(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0f}"


Words = Callable[[Row], tuple[str, str]]


def _net_out(days: int) -> Words:
    amount, share = f"net_out_{days}", f"net_out_share_{days}"

    def words(row: Row) -> tuple[str, str]:
        net, part = _num(row, amount), _num(row, share)
        if net <= 0:
            zh = f"近{days}日资金净转入 {money_zh(-net)}"
            return zh, f"net transfers in of {money_en(-net)} over {days} days"
        zh = f"近{days}日净转出 {money_zh(net)}，占资产 {pct(part)}"
        return zh, f"net transfers out of {money_en(net)} over {days} days, {pct(part)} of assets"

    return words


def _days_since(name: str, zh_what: str, en_what: str, lookback: int) -> Words:
    def words(row: Row) -> tuple[str, str]:
        n = _num(row, name)
        if n >= lookback:
            return (
                f"{lookback}个交易日以上无{zh_what}",
                f"no {en_what} for {lookback}+ trading days",
            )
        return f"已{count(n)}个交易日无{zh_what}", f"no {en_what} for {count(n)} trading days"

    return words


@dataclass(frozen=True)
class Group:
    key: str
    features: tuple[str, ...]
    words: Words


def groups(lookback: int) -> tuple[Group, ...]:
    """Reason groups over the features of sql/churn_features.sql."""

    def g(key: str, features: tuple[str, ...], words: Words) -> Group:
        return Group(key, features, words)

    return (
        g("net_out_20", ("net_out_20", "net_out_share_20", "out_20", "out_5"), _net_out(20)),
        g("net_out_60", ("net_out_60", "net_out_share_60"), _net_out(lookback)),
        g(
            "out_days_20",
            ("out_days_20",),
            lambda r: (
                f"近20日有{count(_num(r, 'out_days_20'))}天转出资金",
                f"money transferred out on {count(_num(r, 'out_days_20'))} of the last 20 days",
            ),
        ),
        g(
            "in_20",
            ("in_20",),
            lambda r: (
                f"近20日转入 {money_zh(_num(r, 'in_20'))}",
                f"transfers in of {money_en(_num(r, 'in_20'))} over 20 days",
            ),
        ),
        g(
            "assets_change_20",
            ("assets_change_20", "assets_20"),
            lambda r: (
                f"近20日资产变化 {signed_pct(_num(r, 'assets_change_20'))}",
                f"assets {signed_pct(_num(r, 'assets_change_20'))} over 20 days",
            ),
        ),
        g(
            "assets_change_60",
            ("assets_change_60", "assets_start"),
            lambda r: (
                f"近{lookback}日资产变化 {signed_pct(_num(r, 'assets_change_60'))}",
                f"assets {signed_pct(_num(r, 'assets_change_60'))} over {lookback} days",
            ),
        ),
        g(
            "drawdown_60",
            ("drawdown_60",),
            lambda r: (
                f"资产较{lookback}日内高点回落 {pct(-_num(r, 'drawdown_60'))}",
                f"assets {pct(-_num(r, 'drawdown_60'))} below their {lookback}-day high",
            ),
        ),
        g(
            "assets_t",
            ("assets_t",),
            lambda r: (
                f"当前资产 {money_zh(_num(r, 'assets_t'))}",
                f"assets now {money_en(_num(r, 'assets_t'))}",
            ),
        ),
        g(
            "cash_share",
            ("cash_share",),
            lambda r: (
                f"可用资金占资产 {pct(_num(r, 'cash_share'))}",
                f"available cash is {pct(_num(r, 'cash_share'))} of assets",
            ),
        ),
        g(
            "stock_share",
            ("stock_share", "positions_t"),
            lambda r: (
                f"股票占资产 {pct(_num(r, 'stock_share'))}，"
                f"持仓 {count(_num(r, 'positions_t'))} 只",
                f"stocks are {pct(_num(r, 'stock_share'))} of assets, "
                f"{count(_num(r, 'positions_t'))} positions",
            ),
        ),
        g(
            "return",
            ("return_20", "return_60"),
            lambda r: (
                f"近{lookback}日收益率 {signed_pct(_num(r, 'return_60'))}"
                f"（近20日 {signed_pct(_num(r, 'return_20'))}）",
                f"return {signed_pct(_num(r, 'return_60'))} over {lookback} days "
                f"({signed_pct(_num(r, 'return_20'))} over 20)",
            ),
        ),
        g(
            "trades",
            ("trades_20", "trades_prev_40", "trade_amount_20", "trade_amount_prev_40"),
            lambda r: (
                f"近20日交易 {count(_num(r, 'trades_20'))} 笔"
                f"（此前{lookback - 20}日 {count(_num(r, 'trades_prev_40'))} 笔）",
                f"{count(_num(r, 'trades_20'))} trades in the last 20 days "
                f"({count(_num(r, 'trades_prev_40'))} in the {lookback - 20} before)",
            ),
        ),
        g(
            "commission_60",
            ("commission_60",),
            lambda r: (
                f"近{lookback}日净佣金 {money_zh(_num(r, 'commission_60'))}",
                f"net commission {money_en(_num(r, 'commission_60'))} over {lookback} days",
            ),
        ),
        g(
            "days_since_trade",
            ("days_since_trade",),
            _days_since("days_since_trade", "交易", "trade", lookback),
        ),
        g(
            "tenure",
            ("account_age_days", "age_years", "is_individual"),
            lambda r: (
                f"开户 {_num(r, 'account_age_days') / 365.25:.1f} 年",
                f"customer for {_num(r, 'account_age_days') / 365.25:.1f} years",
            ),
        ),
        g(
            "is_dormant",
            ("is_dormant",),
            lambda r: (
                "账户状态为休眠" if _num(r, "is_dormant") == 1 else "账户状态正常",
                "account is dormant" if _num(r, "is_dormant") == 1 else "account is active",
            ),
        ),
        g(
            "accounts",
            ("accounts_open", "accounts_closed"),
            lambda r: (
                f"在用账户 {count(_num(r, 'accounts_open'))} 个，"
                f"已关闭其他账户 {count(_num(r, 'accounts_closed'))} 个",
                f"{count(_num(r, 'accounts_open'))} open accounts, "
                f"{count(_num(r, 'accounts_closed'))} other accounts closed",
            ),
        ),
        g(
            "agreements",
            ("agreements", "agreements_cancelled_90"),
            lambda r: (
                f"签约服务 {count(_num(r, 'agreements'))} 项，"
                f"近90天解约 {count(_num(r, 'agreements_cancelled_90'))} 项",
                f"{count(_num(r, 'agreements'))} service agreements, "
                f"{count(_num(r, 'agreements_cancelled_90'))} cancelled in 90 days",
            ),
        ),
        g(
            "complaints",
            ("complaints_open", "complaints_90"),
            lambda r: (
                f"未结投诉 {count(_num(r, 'complaints_open'))} 件，"
                f"近90天投诉 {count(_num(r, 'complaints_90'))} 件",
                f"{count(_num(r, 'complaints_open'))} open complaints, "
                f"{count(_num(r, 'complaints_90'))} in 90 days",
            ),
        ),
        g(
            "contacts",
            ("service_contacts_60", "contacts_60"),
            lambda r: (
                f"近{lookback}日有效服务联系 {count(_num(r, 'service_contacts_60'))} 次",
                f"{count(_num(r, 'service_contacts_60'))} service contacts reached "
                f"in {lookback} days",
            ),
        ),
        g(
            "days_since_contact",
            ("days_since_contact",),
            _days_since("days_since_contact", "服务联系", "contact", lookback),
        ),
        # issue 20: what the causes of churn show before it (generate/churn.py's conditions)
        g(
            "excess_return_20",
            ("excess_return_20",),
            lambda r: (
                f"近20日收益跑输大盘 {pct(-_num(r, 'excess_return_20'))}"
                if _num(r, "excess_return_20") < 0
                else f"近20日收益跑赢大盘 {pct(_num(r, 'excess_return_20'))}",
                f"return {signed_pct(_num(r, 'excess_return_20'))} against the index over 20 days",
            ),
        ),
        g(
            "commission_rate",
            ("commission_rate_60",),
            lambda r: (
                f"佣金率 {_bp(_num(r, 'commission_rate_60'))}‱",
                f"commission rate {_bp(_num(r, 'commission_rate_60'))} bp",
            ),
        ),
        g(
            "days_since_transfer_in",
            ("days_since_transfer_in",),
            _days_since("days_since_transfer_in", "资金转入", "transfer in", lookback),
        ),
        g(
            "care_contacts_20",
            ("care_contacts_20",),
            lambda r: (
                f"近20日关怀联系 {count(_num(r, 'care_contacts_20'))} 次",
                f"{count(_num(r, 'care_contacts_20'))} care contacts in 20 days",
            ),
        ),
        g(
            "days_since_any_contact",
            ("days_since_any_contact",),
            lambda r: (
                f"已 {count(_num(r, 'days_since_any_contact'))} 天无任何联系",
                f"no contact for {count(_num(r, 'days_since_any_contact'))} days",
            ),
        ),
    )


class _MatrixRow(Mapping[str, float]):
    """One row of a feature matrix read by name (NaN where the feature was NULL)."""

    __slots__ = ("_position", "_values")

    def __init__(self, values: np.ndarray, position: dict[str, int]) -> None:
        self._values, self._position = values, position

    def __getitem__(self, name: str) -> float:
        return float(self._values[self._position[name]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._position)

    def __len__(self) -> int:
        return len(self._position)


def matrix_rows(x: np.ndarray, features: list[str]) -> Sequence[Row]:
    """The rows of a feature matrix (columns in `features` order) as `top_reasons` reads them,
    without a Python object per value: the same words as the rows of the features table."""
    position = {name: i for i, name in enumerate(features)}
    return [_MatrixRow(values, position) for values in x]


def feature_names(lookback: int) -> list[str]:
    return [f for group in groups(lookback) for f in group.features]


def top_reasons(
    contrib: np.ndarray, features: list[str], rows: Sequence[Row], lookback: int, top: int = 3
) -> tuple[list[str], list[str]]:
    """Per row, its `top` reasons (zh and en, joined by '；' and '; ') from the contributions.

    `contrib` is LightGBM's pred_contrib: one column per feature (in `features` order) plus the
    bias last. Only groups that push the score up count; a row with none gets no reasons."""
    gs = groups(lookback)
    position = {name: i for i, name in enumerate(features)}
    by_group = np.column_stack(
        [contrib[:, [position[f] for f in g.features if f in position]].sum(axis=1) for g in gs]
    )
    # stable order: the larger contribution first, ties by the group's place in the list
    order = np.argsort(-by_group, axis=1, kind="stable")[:, :top]
    zh_out, en_out = [], []
    for i, row in enumerate(rows):
        chosen = [gs[j] for j in order[i] if by_group[i, j] > 0]
        texts = [g.words(row) for g in chosen]
        zh_out.append("；".join(t[0] for t in texts))
        en_out.append("; ".join(t[1] for t in texts))
    return zh_out, en_out

"""A candidate's reasons in words (zh, en): why it is on the list, then what its score is made
of, largest share first. Read from the row alone (its figures and each factor's points), so the
words always agree with the score the run computed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from brokerlens.activation.config import FACTORS, ActivationConfig

KINDS = {"dormant": ("休眠户", "dormant"), "empty": ("空户", "empty")}
BASES = {
    "source_status": ("系统标记为休眠", "marked dormant by the source system"),
    "no_trade_window": ("长期没有交易", "rule: no trade in the window"),
    "no_trade_in_history": ("现有数据内没有交易", "dormant by the data we hold"),
    "emptied": ("资产已转空", "emptied"),
    "never_funded": ("从未有资产", "never funded"),
}
CHANNELS = {
    "branch": ("营业部", "a branch"),
    "online": ("网上", "online"),
    "bank": ("银行", "a bank"),
    "app": ("手机App", "the app"),
    "referral": ("推荐", "referral"),
}


Money = Callable[[Any], str]  # an amount with its unit, as the caller formats amounts
Person = Callable[[Any], str | None]  # a staff code -> the person's name (None: unknown)


def _money(value: Any) -> str:
    return f"{float(value or 0):,.0f}"


def _default_money(lang: str) -> Money:
    """Whole yuan with separators (exports, the command line): 1,000,000 元."""
    unit = " yuan" if lang == "en" else " 元"
    return lambda value: _money(value) + unit


def _pick(zh: str, en: str, lang: str) -> str:
    return en if lang == "en" else zh


def _month_zh(value: Any) -> str:
    return f"{value.year}年{value.month}月" if isinstance(value, dt.date) else str(value)


def _years(row: Mapping[str, Any], config: ActivationConfig | None) -> int:
    """The no-trade window in years: the settings', else read off the row's dates."""
    if config is not None:
        return config.dormant.years_without_trade
    start, end = row.get("window_start"), row.get("as_of_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        return max(1, round((end - start).days / 365.25))
    return 3


def basis_text(
    row: Mapping[str, Any],
    lang: str = "zh",
    *,
    money: Money | None = None,
    config: ActivationConfig | None = None,
) -> str:
    """Why the account is dormant or empty, in plain words with the figures and the rule that
    applied (`config`: the activation settings, for the thresholds the words quote)."""
    yuan = money or _default_money(lang)
    basis = row.get("basis")
    last = row.get("last_trade_month")
    last_zh = f"；最近一次交易在{_month_zh(last)}" if last else ""
    last_en = f", last trade {last:%Y-%m}" if last else ""
    cash_zh = f"现金仅 {yuan(row.get('cash'))}、没有持仓"
    held_en = f"cash {yuan(row.get('cash'))}, no securities"
    years = _years(row, config)
    if basis == "source_status":
        return _pick(
            f"柜台系统已将账户标记为休眠{last_zh}",
            f"the source system's status is dormant{last_en}",
            lang,
        )
    if basis == "no_trade_window":
        return _pick(
            f"近 {years} 年（自 {row.get('window_start')} 起）没有交易，{cash_zh}{last_zh}",
            f"no trade since {row.get('window_start')}, {held_en}{last_en}",
            lang,
        )
    if basis == "no_trade_in_history":
        return _pick(
            f"自 {row.get('history_start')} 有数据以来没有交易，{cash_zh}；"
            f"系统数据还不满 {years} 年，先按现有数据列为休眠户",
            f"no trade in the whole loaded history (since {row.get('history_start')}, shorter "
            f"than the window from {row.get('window_start')}), {held_en}: dormant by the data "
            "we hold",
            lang,
        )
    if basis == "emptied":
        return _pick(
            f"资金已基本转走：现有资产仅 {yuan(row.get('total_assets'))}，"
            f"历史最高月均资产 {yuan(row.get('peak_assets'))}{last_zh}",
            f"assets {yuan(row.get('total_assets'))}, down from a monthly mean of "
            f"{yuan(row.get('peak_assets'))}{last_en}",
            lang,
        )
    line_zh = f"从未超过 {yuan(config.empty.assets_max)}" if config is not None else "一直很少"
    return _pick(
        f"开户以来资产{line_zh}（现有 {yuan(row.get('total_assets'))}），一直是空户",
        f"assets never above the empty line since opening (now {yuan(row.get('total_assets'))})",
        lang,
    )


def _factor_text(
    factor: str,
    row: Mapping[str, Any],
    lang: str,
    money: Money,
    person: Person | None,
    config: ActivationConfig | None,
) -> str:
    if factor == "peak_assets":
        peak = money(row.get("peak_assets"))
        return _pick(f"历史月均资产峰值 {peak}", f"peak monthly mean assets {peak}", lang)
    if factor == "net_commission":
        paid = money(row.get("net_commission"))
        return _pick(f"历史净佣金 {paid}", f"net commission {paid} to date", lang)
    if factor == "tenure":
        years = row.get("tenure_years")
        return _pick(f"开户已 {years} 年", f"a customer for {years} years", lang)
    if factor == "age_band":
        age = row.get("age")
        return _pick(f"年龄 {age} 岁", f"aged {age}", lang)
    if factor == "channel":
        zh, en = CHANNELS.get(str(row.get("open_channel")), (row.get("open_channel"),) * 2)
        return _pick(f"开户渠道：{zh}", f"opened through {en}", lang)
    if factor == "recent_contact":
        day = row.get("last_contact_date")
        within = f"近 {config.windows.contact_days} 天内" if config is not None else "近期"
        return _pick(f"{within}联系上过客户（{day}）", f"reached recently ({day})", lang)
    if factor == "recent_inflow":
        amount = money(row.get("recent_inflow"))
        within = f"近 {config.windows.inflow_days} 天" if config is not None else "近期"
        return _pick(f"{within}转入 {amount}", f"{amount} transferred in recently", lang)
    staff = row.get("servicer_id")
    who = (person(staff) if person is not None else None) or staff
    return _pick(f"仍有服务人员 {who}", f"still served by {who}", lang)


def reasons(
    row: Mapping[str, Any],
    lang: str = "zh",
    *,
    money: Money | None = None,
    person: Person | None = None,
    config: ActivationConfig | None = None,
) -> list[dict[str, Any]]:
    """The basis first, then each factor that adds to the score, largest share first (ties in
    the catalogue's order): {factor, points, text}. `money` formats an amount with its unit
    (default: whole yuan with separators), `person` names a staff code, `config` gives the
    thresholds and windows the words quote."""
    yuan = money or _default_money(lang)
    basis = basis_text(row, lang, money=yuan, config=config)
    out: list[dict[str, Any]] = [{"factor": "basis", "points": None, "text": basis}]
    shares = [(f, float(row.get(f"p_{f}") or 0.0)) for f in FACTORS]
    for factor, points in sorted(
        (s for s in shares if s[1] > 0), key=lambda s: (-s[1], FACTORS.index(s[0]))
    ):
        text = _factor_text(factor, row, lang, yuan, person, config)
        out.append({"factor": factor, "points": round(points, 1), "text": text})
    return out


def reasons_text(
    row: Mapping[str, Any],
    lang: str = "zh",
    *,
    money: Money | None = None,
    person: Person | None = None,
    config: ActivationConfig | None = None,
) -> str:
    """The reasons on one line, each factor with its points: for exports and the command line."""
    sep = "；" if lang != "en" else "; "
    parts = []
    for item in reasons(row, lang, money=money, person=person, config=config):
        points = item["points"]
        parts.append(item["text"] if points is None else f"{item['text']} (+{points})")
    return sep.join(parts)

"""A candidate's reasons in words (zh, en): why it is on the list, then what its score is made
of, largest share first. Read from the row alone (its figures and each factor's points), so the
words always agree with the score the run computed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brokerlens.activation.config import FACTORS

KINDS = {"dormant": ("休眠户", "dormant"), "empty": ("空户", "empty")}
BASES = {
    "source_status": ("源系统标记为休眠", "marked dormant by the source system"),
    "no_trade_window": ("规则判定：期内无交易", "rule: no trade in the window"),
    "no_trade_in_history": ("按已有数据判定", "dormant by the data we hold"),
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


def _money(value: Any) -> str:
    return f"{float(value or 0):,.0f}"


def _pick(zh: str, en: str, lang: str) -> str:
    return en if lang == "en" else zh


def basis_text(row: Mapping[str, Any], lang: str = "zh") -> str:
    """Why the account is dormant or empty, with the figures and the rule that applied."""
    basis = row.get("basis")
    last = row.get("last_trade_month")
    last_zh = f"，最近交易 {last:%Y-%m}" if last else ""
    last_en = f", last trade {last:%Y-%m}" if last else ""
    held_zh = f"现金 {_money(row.get('cash'))} 元、无持仓"
    held_en = f"cash {_money(row.get('cash'))} yuan, no securities"
    if basis == "source_status":
        return _pick(
            f"源系统状态为休眠{last_zh}", f"the source system's status is dormant{last_en}", lang
        )
    if basis == "no_trade_window":
        return _pick(
            f"自 {row.get('window_start')} 起无交易，{held_zh}{last_zh}",
            f"no trade since {row.get('window_start')}, {held_en}{last_en}",
            lang,
        )
    if basis == "no_trade_in_history":
        return _pick(
            f"已加载的全部历史（自 {row.get('history_start')} 起，短于判定期 "
            f"{row.get('window_start')} 起）内无交易，{held_zh}：按已有数据判定为休眠",
            f"no trade in the whole loaded history (since {row.get('history_start')}, shorter "
            f"than the window from {row.get('window_start')}), {held_en}: dormant by the data "
            "we hold",
            lang,
        )
    if basis == "emptied":
        return _pick(
            f"资产仅 {_money(row.get('total_assets'))} 元，曾达月均 "
            f"{_money(row.get('peak_assets'))} 元{last_zh}",
            f"assets {_money(row.get('total_assets'))} yuan, down from a monthly mean of "
            f"{_money(row.get('peak_assets'))} yuan{last_en}",
            lang,
        )
    return _pick(
        f"开户以来资产未超过空户线（现 {_money(row.get('total_assets'))} 元）",
        f"assets never above the empty line since opening (now "
        f"{_money(row.get('total_assets'))} yuan)",
        lang,
    )


def _factor_text(factor: str, row: Mapping[str, Any], lang: str) -> str:
    if factor == "peak_assets":
        peak = _money(row.get("peak_assets"))
        return _pick(f"历史月均资产峰值 {peak} 元", f"peak monthly mean assets {peak} yuan", lang)
    if factor == "net_commission":
        paid = _money(row.get("net_commission"))
        return _pick(f"历史净佣金 {paid} 元", f"net commission {paid} yuan to date", lang)
    if factor == "tenure":
        years = row.get("tenure_years")
        return _pick(f"开户 {years} 年", f"a customer for {years} years", lang)
    if factor == "age_band":
        age = row.get("age")
        return _pick(f"年龄 {age} 岁", f"aged {age}", lang)
    if factor == "channel":
        zh, en = CHANNELS.get(str(row.get("open_channel")), (row.get("open_channel"),) * 2)
        return _pick(f"开户渠道：{zh}", f"opened through {en}", lang)
    if factor == "recent_contact":
        day = row.get("last_contact_date")
        return _pick(f"近期已触达（{day}）", f"reached recently ({day})", lang)
    if factor == "recent_inflow":
        amount = _money(row.get("recent_inflow"))
        return _pick(f"近期转入 {amount} 元", f"{amount} yuan transferred in recently", lang)
    staff = row.get("servicer_id")
    return _pick(f"仍有服务人员 {staff}", f"still served by {staff}", lang)


def reasons(row: Mapping[str, Any], lang: str = "zh") -> list[dict[str, Any]]:
    """The basis first, then each factor that adds to the score, largest share first (ties in
    the catalogue's order): {factor, points, text}."""
    out: list[dict[str, Any]] = [{"factor": "basis", "points": None, "text": basis_text(row, lang)}]
    shares = [(f, float(row.get(f"p_{f}") or 0.0)) for f in FACTORS]
    for factor, points in sorted(
        (s for s in shares if s[1] > 0), key=lambda s: (-s[1], FACTORS.index(s[0]))
    ):
        text = _factor_text(factor, row, lang)
        out.append({"factor": factor, "points": round(points, 1), "text": text})
    return out


def reasons_text(row: Mapping[str, Any], lang: str = "zh") -> str:
    """The reasons on one line, each factor with its points: for exports and the command line."""
    sep = "；" if lang != "en" else "; "
    parts = []
    for item in reasons(row, lang):
        points = item["points"]
        parts.append(item["text"] if points is None else f"{item['text']} (+{points})")
    return sep.join(parts)

"""A work item's reason in words, zh and en, from the figures its candidate file gives.

Amounts follow the workbench's short form (12.5万 / 1.25亿; 125.0K / 1.25M), shares read as
percentages ("流失概率 63%"). A birthday's reason names only how many days away it is, never the
date of birth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = dict[str, Any]

ACTIVATION_ZH = {"dormant": "沉睡账户", "empty": "空户"}
ACTIVATION_EN = {"dormant": "dormant account", "empty": "empty account"}


def money_zh(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1e8:
        return f"{value / 1e8:.2f}亿"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.1f}万"
    return f"{value:,.0f}元"


def money_en(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.1f}K"
    return f"{value:,.0f}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100):d}%"


def _days(n: int | None) -> int:
    return int(n or 0)


def _in_days_zh(n: int | None, what: str) -> str:
    return f"今天{what}" if _days(n) == 0 else f"{_days(n)} 天后{what}"


def _in_days_en(n: int | None, what: str) -> str:
    return f"{what} today" if _days(n) == 0 else f"{what} in {_days(n)} days"


def _with(head: str, text: str | None, sep: str) -> str:
    return f"{head}{sep}{text}" if text else head


def _alert(r: Row) -> tuple[str, str]:
    return (
        _with(f"新预警「{r['label']}」", r["text_zh"], "："),
        _with(f"new alert “{r['label_en']}”", r["text_en"], ": "),
    )


def _churn(r: Row) -> tuple[str, str]:
    return (
        _with(f"流失概率 {pct(r['share'])}", r["text_zh"], "："),
        _with(f"churn probability {pct(r['share'])}", r["text_en"], ": "),
    )


def _activation(r: Row) -> tuple[str, str]:
    kind = r["label"] or "dormant"
    figure = "历史峰值资产" if kind == "dormant" else "资产"
    figure_en = "peak assets" if kind == "dormant" else "assets"
    return (
        f"{ACTIVATION_ZH.get(kind, kind)}待激活，{figure} {money_zh(r['amount'])}",
        f"{ACTIVATION_EN.get(kind, kind)} to activate, {figure_en} {money_en(r['amount'])}",
    )


def _assessment(r: Row) -> tuple[str, str]:
    return (
        "风险测评 " + _in_days_zh(r["days"], "到期"),
        "risk assessment " + _in_days_en(r["days"], "expires"),
    )


def _callback(r: Row) -> tuple[str, str]:
    """A compliance call-back the broker helps with: not reached (check the contact details)
    or overdue (remind the customer to take the call)."""
    if r["label"] == "not_reached":
        tries = int(r["amount"] or 0)
        return (
            f"回访未接通（已拨 {tries} 次）：请协助核实客户联系方式",
            f"call-back not reached ({tries} attempts): please help check the contact details",
        )
    late = _days(r["days"])
    return (
        f"回访已逾期 {late} 天：请提醒客户接听回访电话",
        f"call-back {late} days overdue: please remind the customer to take the call",
    )


def _follow_up(r: Row) -> tuple[str, str]:
    return (
        _with("约定跟进", r["label"], "："),
        _with("follow-up due", r["label_en"], ": "),
    )


def _campaign(r: Row) -> tuple[str, str]:
    left = _days(r["days"])
    return (
        f"营销活动「{r['label']}」待联系，{left} 天后结束",
        f"campaign “{r['label_en']}”: to contact, ends in {left} days",
    )


def _birthday(r: Row) -> tuple[str, str]:
    return _in_days_zh(r["days"], "生日"), _in_days_en(r["days"], "birthday")


def _anniversary(r: Row) -> tuple[str, str]:
    years = round(r["amount"] or 0)
    return (
        f"开户 {years} 周年（{_in_days_zh(r['days'], '')}）",
        f"{years} years a customer ({_in_days_en(r['days'], 'anniversary')})",
    )


def _maturity(r: Row) -> tuple[str, str]:
    return (
        f"持有的「{r['label']}」"
        + _in_days_zh(r["days"], "到期")
        + f"，市值 {money_zh(r['amount'])}",
        f"“{r['label_en']}” held "
        + _in_days_en(r["days"], "matures")
        + f", value {money_en(r['amount'])}",
    )


def _ipo(r: Row) -> tuple[str, str]:
    n = _days(r["days"])
    more, more_en = (f" 等 {n} 只", f" and {n - 1} more") if n > 1 else ("", "")
    return (
        f"新股中签 {r['label']}{more}，金额 {money_zh(r['amount'])}",
        f"IPO allotment {r['label_en']}{more_en}, amount {money_en(r['amount'])}",
    )


def _complaint(r: Row) -> tuple[str, str]:
    return (
        f"投诉处理中（{r['label']}），已 {_days(r['days'])} 天",
        f"open complaint ({r['label_en']}), {_days(r['days'])} days",
    )


def _group(r: Row) -> tuple[str, str]:
    left = (r["amount"] or 0) < 0  # +1 entered, -1 left (wl_group_items)
    ago = _days(r["days"])
    when_zh = "" if ago == 0 else f"（{ago} 天前）"
    when_en = "" if ago == 0 else f" ({ago} days ago)"
    why = r["text_zh"]
    return (
        _with(f"{'离开' if left else '进入'}客户群「{r['label']}」{when_zh}", why, "："),
        _with(f"{'left' if left else 'entered'} group “{r['label_en']}”{when_en}", why, ": "),
    )


WORDS: dict[str, Callable[[Row], tuple[str, str]]] = {
    "alert": _alert,
    "churn": _churn,
    "activation": _activation,
    "assessment_expiring": _assessment,
    "callback_due": _callback,
    "follow_up": _follow_up,
    "campaign": _campaign,
    "birthday": _birthday,
    "anniversary": _anniversary,
    "maturity": _maturity,
    "ipo_allotment": _ipo,
    "complaint": _complaint,
    "group": _group,
}


def kind_family(kind: str) -> str:
    """`alert:potential_churn` -> `alert`; `churn` -> `churn`."""
    return kind.split(":", 1)[0]


def reason(row: Row) -> tuple[str, str]:
    """(zh, en) for one item row (kind, label, label_en, amount, share, days, text_zh, text_en)."""
    return WORDS[kind_family(row["kind"])](row)

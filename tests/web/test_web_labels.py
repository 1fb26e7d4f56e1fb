"""The pages read in words: labelled columns, translated enums, percentages on the right scale."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from brokerlens.auth.principal import Permission
from brokerlens.config import load_settings
from brokerlens.indicators import additions_path, load_indicators
from brokerlens.web.formatting import pct, pct100, value_html, value_kind
from brokerlens.web.i18n import column_label, enum_label
from brokerlens.web.pages.customers import indicator_items, risk_view
from brokerlens.web.templating import templates
from web.conftest import SignedIn

RAW_RISK_COLUMNS = ("assessment_id", "questionnaire_version", "risk_class", "horizon", "varieties")


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section class="card" id="{section_id}">(.*?)</section>', html, re.S)
    assert match, section_id
    return match.group(1)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


# --- formatting and labels, without a server ----------------------------------------------------


def test_share_pct_is_already_a_percentage_and_ratios_are_decimals() -> None:
    assert pct100(100) == "100%" and pct100(60.0) == "60%" and pct100(12.5) == "12.5%"
    assert str(value_html(100.0, "share_pct")) == "100%"
    assert str(value_html(60, "share_pct")) == "60%"
    assert value_kind("share_pct") == "percent"
    assert pct(0.35) == "35.00%"
    assert str(value_html(0.0025, "fee_rate")) == "0.25%"
    assert "35.00%" in str(value_html(0.35, "return_6m"))
    assert "10,000" not in str(value_html(100, "share_pct"))


def test_indicator_values_follow_their_unit() -> None:
    indicators = load_indicators()
    units = {i.unit for i in indicators.values()}
    assert {"yuan", "ratio", "count", "days"} <= units
    assert str(value_html(1_234_567.0, "avg_assets_3m")) == "123.46万"
    assert str(value_html(2.5e8, "net_commission_ytd")) == "2.50亿"
    assert "12.00%" in str(value_html(0.12, "commission_share_12m"))
    assert str(value_html(3.0, "trades_per_week")) == "3"
    assert str(value_html(34.3, "avg_holding_days_stock")) == "34.3 天"
    items = indicator_items({"avg_assets_3m": 20000.0}, "zh")
    assert items[0].label == indicators["avg_assets_3m"].zh and items[0].id == "avg_assets_3m"
    assert indicator_items({"avg_assets_3m": 1.0}, "en")[0].label == indicators["avg_assets_3m"].en


def test_an_installation_s_indicators_read_by_their_names(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    additions_path(settings).parent.mkdir(parents=True)
    additions_path(settings).write_text(
        "indicators:\n  - {id: cash_share_t, zh: 现金占比, en: Cash share, meaning: m,\n"
        "     unit: ratio, expression: available_cash_t / total_assets_t}\n",
        "utf-8",
    )
    indicators = load_indicators(settings)
    assert column_label("cash_share_t", "zh", indicators) == "现金占比"
    assert column_label("cash_share_t", "en", indicators) == "Cash share"
    assert column_label("cash_share_t", "zh") == "cash_share_t"  # the shipped ones alone
    items = indicator_items({"cash_share_t": 0.25}, "zh", indicators)
    assert items[0].label == "现金占比" and "25.00%" in str(items[0].value)
    # the templates' column_label reads the app's settings from the request
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)))
    header = templates().env.from_string("{{ column_label('cash_share_t', 'zh') }}")
    assert header.render(request=request) == "现金占比"
    assert header.render() == "cash_share_t"


def test_columns_and_enums_in_both_languages() -> None:
    assert column_label("share_pct", "zh") == "分成比例"
    assert column_label("questionnaire_version", "zh") == "问卷版本"
    assert column_label("questionnaire_version", "en") == "Questionnaire"
    assert column_label("avg_assets_3m", "zh") == load_indicators()["avg_assets_3m"].zh
    pairs = [
        ("side", "buy", "买入"),
        ("side", "sell", "卖出"),
        ("direction", "in", "转入"),
        ("direction", "out", "转出"),
        ("role", "developer", "开发"),
        ("role", "servicer", "服务"),
        ("role", "advisor", "投顾"),
        ("horizon", "short", "短期"),
        ("horizon", "medium", "中期"),
        ("horizon", "long", "长期"),
        ("product_type", "money_market", "货币基金"),
        ("security_type", "stock", "股票"),
        ("channel", "wechat", "微信"),
        ("purpose", "callback", "回访"),
        ("result", "not_reached", "未接通"),
        ("service", "margin", "融资融券"),
        ("customer_type", "individual", "个人"),
        ("status", "dormant", "休眠"),
        ("investor_class", "professional", "专业投资者"),
        ("gender", "F", "女"),
        ("open_channel", "online", "网上开户"),
    ]
    for column, value, zh in pairs:
        assert enum_label(column, value, "zh") == zh, (column, value)
    assert enum_label("side", "buy", "en") == "Buy"
    assert enum_label("channel", "carrier_pigeon", "zh") == "carrier_pigeon"
    assert enum_label("security_name", "x", "zh") is None
    assert str(value_html("sell", "side", "zh")) == "卖出"
    assert str(value_html(1_234_567.891, "amount", "zh", full=True)) == "1,234,567.89"


def test_risk_view_labels_folds_answers_and_marks_expiry() -> None:
    risk = {
        "assessment_id": "Q1",
        "customer_id": "C1",
        "assess_date": dt.date(2021, 1, 4),
        "questionnaire_version": "V2021.2",
        "answers": '{"q1":"A","q2":"C"}',
        "score": 42.0,
        "risk_class": "C3",
        "horizon": "medium",
        "varieties": '["money_market","bond_fund"]',
        "expire_date": dt.date(2023, 1, 4),
    }
    view = risk_view(risk, dt.date(2025, 4, 7), "zh")
    assert view is not None and view.expired
    labels = [label for _, label, _ in view.fields]
    expected = ["测评编号", "测评日期", "问卷版本", "得分", "风险等级", "投资期限", "投资品种"]
    assert labels == [*expected, "有效期至"]
    values = {name: str(html) for name, _, html in view.fields}
    assert "customer_id" not in values
    assert values["horizon"] == "中期"
    assert values["varieties"] == "货币基金、债券基金"
    assert "已过期" in values["expire_date"] and 'class="expired"' in values["expire_date"]
    assert view.answers == [("q1", "A"), ("q2", "C")]
    fresh = risk_view({**risk, "expire_date": "2026-01-01"}, dt.date(2025, 4, 7), "en")
    assert fresh is not None and not fresh.expired
    assert "已过期" not in str(dict((n, h) for n, _, h in fresh.fields)["expire_date"])


# --- over a published brokerage -----------------------------------------------------------------


def test_list_headers_use_indicator_names(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("branch_manager")
    listing = me.client.get("/customers")
    assert listing.status_code == 200
    head = re.search(r"<thead>(.*?)</thead>", listing.text, re.S)
    assert head
    zh = load_indicators()["avg_assets_3m"].zh
    assert zh in head.group(1) and 'title="avg_assets_3m"' in head.group(1)
    assert ">avg_assets_3m<" not in head.group(1) and "net_commission_ytd<" not in head.group(1)
    assert "customer_id<" not in head.group(1) and "客户号" in head.group(1)
    me.client.cookies.set("lang", "en")
    english = me.client.get("/customers")
    assert load_indicators()["avg_assets_3m"].en in english.text


def test_360_reads_in_words(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("branch_manager")
    ids = re.findall(
        r'href="/customers/([A-Za-z0-9_-]+)"',
        me.client.get("/customers", params={"sort": "total_assets_t", "desc": "true"}).text,
    )
    assert ids
    seen_share = seen_risk = False
    for customer_id in ids[:12]:
        page = me.client.get(f"/customers/{customer_id}")
        assert page.status_code == 200, page.text[:2000]
        html = page.text
        for raw in RAW_RISK_COLUMNS:
            assert raw not in html, raw
        risk = _section(html, "risk")
        if "测评编号" in risk:
            seen_risk = True
            assert "<details" in risk and "customer_id" not in risk
            assert re.search(r">\s*(短期|中期|长期)\s*<", risk)
        indicators = _section(html, "indicators")
        assert load_indicators()["avg_assets_3m"].zh in indicators
        assert 'title="avg_assets_3m"' in indicators and ">avg_assets_3m<" not in indicators
        relationships = _section(html, "section-relationships")
        shares = re.findall(r"([\d,.]+)%", _text(relationships))
        for share in shares:
            assert 0 <= float(share.replace(",", "")) <= 100, share
        if shares:
            seen_share = True
            assert "分成比例" in relationships and "share_pct" not in relationships
            assert re.search(r">\s*(开发|服务|投顾)\s*<", relationships)
            assert ">developer<" not in relationships and ">servicer<" not in relationships
        for key in ("holdings", "recent_trades", "transfers", "contacts", "agreements"):
            section = _section(html, key if key == "holdings" else f"section-{key}")
            head = re.search(r"<thead>(.*?)</thead>", section, re.S)
            if head:
                for raw in ("security_id", "biz_date", "customer_id", "direction", "side"):
                    assert f">{raw}<" not in head.group(1), (key, raw)
            assert ">buy<" not in section and ">sell<" not in section
            assert ">in<" not in section and ">out<" not in section
    assert seen_share and seen_risk


def test_every_permission_has_a_name_in_both_languages() -> None:
    """The users page names each permission; a new one without a label would show its code."""
    for permission in Permission:
        for language in ("zh", "en"):
            shown = enum_label("permission", permission.value, language)
            assert shown and shown != permission.value, (permission, language)

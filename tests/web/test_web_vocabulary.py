"""One vocabulary and one number rule: operators, audit actions, organisation words and error
pages in Chinese (English when switched); percentages signed and coloured only for a gain or a
loss, a zero never coloured; amounts whole with separators in detail tables."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from brokerlens.web.formatting import change_html, pct, value_html, yuan
from brokerlens.web.i18n import ENUMS, enum_label, error_text
from brokerlens.web.templating import templates
from support.page_text import problems, visible_text
from web.conftest import Published, SignedIn

# --- the number rule -----------------------------------------------------------------------------


def test_a_percentage_is_signed_only_when_asked_and_a_zero_never() -> None:
    assert pct(0.0123) == "1.23%" and pct(0.0123, signed=True) == "+1.23%"
    assert pct(-0.0123, signed=True) == "-1.23%"
    assert pct(0.0, signed=True) == "0.00%" and pct(-0.00001, signed=True) == "0.00%"
    assert pct(0.00001) == "0.00%"  # not "-0.00%" nor "+0.00%"


def test_only_gains_and_losses_are_coloured_and_a_zero_is_plain() -> None:
    assert str(change_html(0.0123)) == '<span class="up">+1.23%</span>'
    assert str(change_html(-0.0123)) == '<span class="down">-1.23%</span>'
    assert str(change_html(0.00001)) == "0.00%"  # rounds to zero: no colour
    assert str(value_html(0.0, "return_6m")) == "0.00%"
    assert str(value_html(0.000004, "return_6m")) == "0.00%"
    assert 'class="up"' in str(value_html(0.05, "profit_ytd_rate"))
    # a plain share is neither signed nor coloured
    share = str(value_html(0.35, "commission_share_12m"))
    assert share == "35.00%"


def test_detail_tables_show_whole_yuan_with_separators() -> None:
    assert yuan(64181875.62625) == "64,181,875.63"
    assert str(value_html(64181875.62625, "market_value", full=True)) == "64,181,875.63"
    assert str(value_html(64181875.62625, "market_value")) == "6,418.19万"
    env = templates().env
    assert env.from_string("{{ 4828 | num }} {{ 1234.5 | yuan }}").render() == "4,828 1,234.50"
    assert env.from_string("{{ -0.02 | change }}").render() == '<span class="down">-2.00%</span>'


# --- the vocabulary ------------------------------------------------------------------------------


def test_every_operator_and_the_organisation_s_words_have_both_languages() -> None:
    from brokerlens.access.conditions import OPS

    assert [enum_label("op", op, "zh") for op in ("eq", "ge", "between")] == [
        "等于",
        "大于等于",
        "介于",
    ]
    assert set(OPS) <= set(ENUMS["op"])
    assert enum_label("purpose", "callback", "zh") == "回访"  # a data column's, kept
    for column in ("op", "unit_type", "position", "action", "permission"):
        for value, (zh, en) in ENUMS[column].items():
            assert zh and en and problems(f"<p>{zh}</p>") == [], (column, value, zh)


@pytest.mark.parametrize(
    ("status", "message", "said"),
    [
        (403, "this needs the read_audit permission", "此操作需要“查看审计日志”权限。"),
        (403, "the administrator role sees no customer data", "系统管理员不查看客户数据"),
        (404, "no segment 12", "未找到该客户群，或它不在您的查看范围内。"),
        (404, "no such page", "页面不存在。"),
        (422, "query.date_from: Input should be a valid date", "“开始日期”不是有效日期"),
        (422, "visibility: private or unit", "“可见范围”填写有误"),
        (401, "用户名或密码错误 / wrong username or password", "用户名或密码错误"),
        (422, "something nobody translated", "请求中有无效的内容"),
        (500, "internal error", "服务器处理时出错"),
    ],
)
def test_access_layer_messages_reach_a_page_in_chinese(
    status: int, message: str, said: str
) -> None:
    text = error_text(status, message, "zh")
    assert text.startswith(said), text
    assert problems(f"<p>{text}</p>") == [], text
    english = error_text(status, message, "en")
    assert not re.search(r"[\u4e00-\u9fff]", english), english


# --- the pages -----------------------------------------------------------------------------------


def _text(html: str) -> str:
    return " ".join(visible_text(html))


def test_error_pages_are_chinese_and_english_when_switched(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("broker")
    refused = me.client.get("/audit")
    assert refused.status_code == 403
    assert "无权访问" in refused.text and "查看审计日志" in _text(refused.text)
    assert "read_audit" not in _text(refused.text)
    assert "read_audit" in refused.text  # the original, on hover, for support
    missing = me.client.get("/segments/999999999")
    assert missing.status_code == 404 and "未找到该客户群" in missing.text
    me.client.cookies.set("lang", "en")
    refused = me.client.get("/audit")
    shown = re.sub(r"<[^>]+>", " ", refused.text.split("<main", 1)[1])
    assert "Not allowed" in shown and "read_audit permission" in shown
    assert not re.search(r"[\u4e00-\u9fff]", shown)


def test_the_segment_builder_names_operators_and_fields_in_chinese(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    page = me.client.get("/segments/new", params={"f": "total_assets_t:between:1,2"}).text
    ops = re.search(r'<select name="op"[^>]*>(.*?)</select>', page, re.S)
    assert ops is not None
    assert ">介于</option>" in ops.group(1) and ">between<" not in ops.group(1)
    assert re.search(r'<option value="between"[^>]*selected', ops.group(1))
    fields = re.search(r'<select name="field"[^>]*>(.*?)</select>', page, re.S)
    assert fields is not None
    assert " · total_assets_t" not in fields.group(1)
    assert 'title="total_assets_t"' in fields.group(1)  # the code on hover
    assert 'label="指标"' in fields.group(1) and 'label="indicator"' not in fields.group(1)


def test_the_audit_log_reads_in_words(sign_in: Callable[[str], SignedIn]) -> None:
    sign_in("hq_marketing")  # a sign-in and a home view to read back
    me = sign_in("compliance")
    me.client.get("/")
    page = me.client.get("/audit").text
    table = page[page.index('id="audit"') :]
    assert ">登录</span>" in table and ">查看工作台</span>" in table
    assert ">view_home<" not in table and ">login<" not in table
    assert '<dt title="snapshot_id">数据版本</dt>' in table  # labelled detail
    assert '{"snapshot_id"' not in _text(table)
    assert "snapshot_id" in table  # the raw record on hover
    options = re.search(r'<select name="action">(.*?)</select>', page, re.S)
    assert options is not None and "查看客户全景" in options.group(1)


def test_a_bad_audit_date_is_said_beside_its_field_with_the_filters_kept(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("compliance")
    response = me.client.get("/audit", params={"date_from": "2025-13-45", "username": "demo_x"})
    assert response.status_code == 422
    assert 'class="field-error"' in response.text and "“开始日期”不是有效日期" in response.text
    assert 'name="username" value="demo_x"' in response.text
    assert '<form class="card row"' in response.text  # the page, not a bare error page


def test_the_org_page_names_unit_types_positions_and_staff(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    tree = me.client.get("/org").text
    units = re.findall(r'href="/org\?unit_id=([^"]+)"', tree)
    assert units
    assert re.search(r'<span class="badge" title="hq">总部</span>', tree)
    assert ">hq<" not in tree and ">branch<" not in tree and ">team<" not in tree
    for unit in units:
        page = me.client.get("/org", params={"unit_id": unit}).text
        staff = page[page.index('id="org-staff"') :]
        if "<tbody>" in staff:
            break
    assert re.search(
        r"<td title=\"\w+\">(经纪人|团队长|投资顾问|营业部经理|客服专员|总部营销)</td>", staff
    )
    assert not re.search(r">S\d{6}<", staff)


def test_an_unexpected_error_is_a_chinese_page_without_a_traceback(published: Published) -> None:
    from fastapi.testclient import TestClient

    from brokerlens.web.app import create_app

    app = create_app(published.settings)

    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        client.cookies.set("lang", "zh")
        response = client.get("/boom-for-test")
        assert response.status_code == 500
        assert "服务器处理时出错" in response.text and "Traceback" not in response.text
        assert "a bug" not in response.text

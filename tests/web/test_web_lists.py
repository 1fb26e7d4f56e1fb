"""Lists without silent caps, exports people can use, amount filters that read 100万.

The customer list's range filters (units in the labels, "100万"/"1.5亿"/"50%", a bad value
answered beside its field with every other filter kept), branch names in the list, exports of
every row in CSV and Excel with Chinese headers and numeric cells (raw codes on `codes=1`), and
the suitability reports paged, filtered by branch and key field, and exported whole."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest

from web.conftest import SignedIn
from web.test_web_export_writer import _cells, _sheets


def _count(me: SignedIn, *filters: str) -> int:
    body = me.client.get("/api/customers", params={"f": list(filters), "page_size": 1}).json()
    return int(body["count"])


def _total_shown(html: str) -> int:
    found = re.search(r"共 ([\d,]+) 位客户", html)
    assert found, "the list's count"
    return int(found.group(1).replace(",", ""))


# --- amount filters ------------------------------------------------------------------------


def test_range_filters_say_their_unit_and_read_wan_yi_and_percent(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    page = me.client.get("/customers")
    assert page.status_code == 200
    label = re.search(r'id="range-total_assets_t">(.*?)</label>', page.text, re.S)
    assert label and "（元）" in label.group(1) and "如 100万" in label.group(1)
    turnover = re.search(r'id="range-return_6m">(.*?)</label>', page.text, re.S)
    assert turnover and "（%）" in turnover.group(1)

    wanted = _count(me, "total_assets_t:ge:1000000")
    assert 0 < wanted < _count(me)
    for typed in ("100万", "1,000,000", "0.01亿"):
        shown = me.client.get("/customers", params={"min_total_assets_t": typed})
        assert shown.status_code == 200, typed
        assert _total_shown(shown.text) == wanted, typed
        assert f'value="{typed}"' in shown.text  # the input keeps what was typed
    percent = me.client.get("/customers", params={"min_return_6m": "5%"})
    assert _total_shown(percent.text) == _count(me, "return_6m:ge:0.05")


def test_a_bad_amount_is_answered_beside_its_field_with_every_filter_kept(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    branch = re.search(
        r'<select name="branch_id">.*?<option value="(U[^"]+)"',
        me.client.get("/customers").text,
        re.S,
    )
    assert branch
    params = {
        "min_total_assets_t": "100x",
        "max_return_6m": "50%",
        "search": "C",
        "branch_id": branch.group(1),
        "sort": "total_assets_t",
    }
    page = me.client.get("/customers", params=params)
    assert page.status_code == 422
    assert "<html" in page.text.lower() and 'id="filter-form"' in page.text  # the whole page
    field = re.search(r'id="range-total_assets_t">(.*?)</label>', page.text, re.S)
    assert field, page.text[:500]
    message = unescape(field.group(1))
    assert "“100x”不是金额" in message and 'aria-invalid="true"' in field.group(1)
    assert 'name="min_total_assets_t" value="100x"' in page.text
    assert 'name="max_return_6m" value="50%"' in page.text
    assert 'type="search" name="search" value="C"' in page.text
    assert f'<option value="{branch.group(1)}" selected' in page.text
    assert "not a number" not in page.text and "Traceback" not in page.text
    # from the htmx form: the whole page is loaded again (the message sits outside the table)
    swapped = me.client.get(
        "/customers", params=params, headers={"HX-Request": "true", "HX-Target": "customer-table"}
    )
    assert (
        swapped.status_code == 200 and "min_total_assets_t=100x" in swapped.headers["HX-Redirect"]
    )
    other = me.client.get("/customers", params={"min_total_assets_t": "abc"})
    assert "“abc”不是金额" in unescape(other.text)
    order = me.client.get(
        "/customers", params={"min_total_assets_t": "2亿", "max_total_assets_t": "1亿"}
    )
    assert order.status_code == 422 and "最小值大于最大值" in order.text


def test_the_api_still_refuses_a_bad_value_naming_the_parameter(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    refused = me.client.get("/api/customers", params={"f": "total_assets_t:ge:100万"})
    assert refused.status_code == 422
    assert "total_assets_t" in refused.text


# --- names, not codes ----------------------------------------------------------------------


def test_the_list_shows_branches_by_name_with_the_code_on_hover(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    table = me.client.get("/customers").text.split('id="customers"', 1)[1]
    assert re.search(r'<span class="org-name" title="U\d+">[^<]+</span>', table)
    visible = re.sub(r"<[^>]+>", " ", table)
    assert not re.search(r"\bU\d{5}\b", visible), "a raw unit code shown as text"


# --- exports -------------------------------------------------------------------------------


def _xlsx_rows(content: bytes, path: Path) -> list[dict[str, tuple[str | None, str]]]:
    """Every data row of every sheet as header -> (type, value); "str" marks a text cell."""
    path.write_bytes(content)
    rows: list[dict[str, tuple[str | None, str]]] = []
    for xml in _sheets(path).values():
        cells = _cells(xml)
        header = {
            re.sub(r"\d", "", r): v for r, (_, v) in cells.items() if re.fullmatch(r"[A-Z]+1", r)
        }
        by_row: dict[int, dict[str, tuple[str | None, str]]] = {}
        for ref, cell in cells.items():
            number = int(re.sub(r"\D", "", ref))
            if number > 1:
                by_row.setdefault(number, {})[header[re.sub(r"\d", "", ref)]] = cell
        rows += [by_row[n] for n in sorted(by_row)]
    return rows


def test_customer_export_in_excel_has_every_row_chinese_headers_and_numbers(
    sign_in: Callable[[str], SignedIn], tmp_path: Path
) -> None:
    me = sign_in("hq_marketing")
    total = _count(me)
    assert total > 200  # more than a page of the list
    response = me.client.get("/api/customers/export.xlsx")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "customers_" in response.headers["content-disposition"]
    rows = _xlsx_rows(response.content, tmp_path / "customers.xlsx")
    assert len(rows) == total
    first = rows[0]
    assert "客户号" in first and "customer_id" not in first and "customer_type" not in first
    types = {cell[1] for row in rows for key, cell in row.items() if key == "客户类型"}
    assert types and types <= {"个人", "机构", "产品"}, types
    assets = [row[k] for row in rows for k in row if k.endswith("总资产") and k.startswith("当日")]
    assert assets and all(kind is None for kind, _ in assets)  # number cells
    assert all(re.fullmatch(r"-?\d+(\.\d{1,2})?", value) for _, value in assets)


def test_customer_export_csv_labels_by_default_codes_on_request(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    total = _count(me, "customer_type:eq:individual")
    labelled = me.client.get(
        "/api/customers/export.csv", params={"f": "customer_type:eq:individual"}
    )
    assert labelled.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(labelled.content.decode("utf-8-sig"))))
    assert len(rows) == total
    assert {r["客户类型"] for r in rows} == {"个人"}
    assert {r["性别"] for r in rows} <= {"男", "女", ""}
    assert all(re.fullmatch(r"-?\d+(\.\d{1,2})?|", r["当日总资产"]) for r in rows)
    raw = me.client.get(
        "/api/customers/export.csv", params={"f": "customer_type:eq:individual", "codes": "1"}
    )
    coded = list(csv.DictReader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert len(coded) == total and {r["customer_type"] for r in coded} == {"individual"}
    assert {r["gender"] for r in coded} <= {"M", "F", ""}
    page = me.client.get("/customers").text
    assert 'id="export-xlsx" href="/api/customers/export.xlsx' in page
    assert "原始代码（供系统使用）" in page and "codes=1" in page


def test_segment_alert_and_activation_exports_come_in_excel_too(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("branch_manager")
    for path in ("/api/alerts/export.xlsx", "/api/activation/export.xlsx"):
        response = me.client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            assert "xl/worksheets/sheet1.xml" in book.namelist()
    activation = me.client.get("/api/activation/export.csv")
    header = next(csv.reader(io.StringIO(activation.content.decode("utf-8-sig"))))
    assert header[:4] == ["排名", "客户号", "姓名", "类型"] and "理由" in header
    assert not [h for h in header if re.fullmatch(r"[a-z_0-9]+", h)], header
    alerts = me.client.get("/api/alerts/export.csv")
    header = next(csv.reader(io.StringIO(alerts.content.decode("utf-8-sig"))))
    assert not [h for h in header if re.fullmatch(r"[a-z_0-9]+", h)], header


# --- suitability reports -------------------------------------------------------------------


def test_suitability_reports_page_filter_and_export_every_row(
    other_client: Callable[[str], SignedIn],
) -> None:
    me = other_client("compliance")
    api = me.client.get("/api/suitability/validity", params={"page_size": 10, "page": 2}).json()
    assert api["matched"] == api["total"] and api["matched"] > 10
    page = me.client.get("/suitability", params={"vpage": 2})
    assert page.status_code == 200
    assert "显示前" not in page.text
    section = page.text.split('id="suit-validity"', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'href="/customers/([^"]+)"', section)
    all_rows = me.client.get("/api/suitability/validity", params={"page_size": 5000}).json()
    ids = [r["customer_id"] for r in all_rows["customers"]]
    assert shown == ids[50:100], "page 2's rows"
    assert f"共 {all_rows['matched']:,} 条" in section
    assert 'aria-current="page">2<' in section and 'rel="prev"' in section

    # by branch (picked by name) and by state
    branch = all_rows["customers"][0]["branch_id"]
    state = all_rows["customers"][0]["state"]
    assert re.search(rf'<option value="{branch}" title="{branch}"\s*>[^<U]+</option>', section)
    filtered = me.client.get("/suitability", params={"branch": branch, "state": state})
    section = filtered.text.split('id="suit-validity"', 1)[1].split("</section>", 1)[0]
    wanted = [
        r["customer_id"]
        for r in all_rows["customers"]
        if r["branch_id"] == branch and r["state"] == state
    ]
    assert re.findall(r'href="/customers/([^"]+)"', section) == wanted[:50]
    assert f"共 {len(wanted):,} 条" in section
    export = re.search(r'id="export-validity-csv" href="([^"]+)"', section)
    assert export
    body = me.client.get(unescape(export.group(1)))
    assert body.status_code == 200, body.text[:300]
    rows = list(csv.DictReader(io.StringIO(body.content.decode("utf-8-sig"))))
    assert [r["客户"] for r in rows] == wanted
    from brokerlens.web.i18n import translate

    assert {r["测评有效期"] for r in rows} == {translate(f"suit.state.{state}", "zh")}


def test_every_report_exports_all_its_rows(other_client: Callable[[str], SignedIn]) -> None:
    me = other_client("hq_marketing")
    for report, key in (
        ("findings", "findings"),
        ("validity", "customers"),
        ("holdings-above-class", "holdings"),
    ):
        full = me.client.get(f"/api/suitability/{report}", params={"page_size": 5000}).json()
        exported = me.client.get(f"/api/suitability/{report}/export.csv")
        assert exported.status_code == 200, (report, exported.text[:300])
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert len(rows) == full["matched"] == len(full[key]), report
        if rows:
            assert "营业部" in rows[0] and "branch_id" not in rows[0]
    audit = (
        other_client("compliance")
        .client.get("/api/audit", params={"action": "export", "username": me.username})
        .json()
    )
    assert audit["data"][0]["detail"]["kind"] == "suitability_holdings_above_class"


def test_staff_are_picked_by_name_from_those_in_scope(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("branch_manager")
    page = me.client.get("/customers").text
    select = re.search(r'<select name="staff_id">(.*?)</select>', page, re.S)
    assert select, "the staff filter is a select"
    options = re.findall(
        r'<option value="(S[^"]+)" title="\1"\s*>([^<]+)</option>', select.group(1)
    )
    assert options and all(not re.fullmatch(r"S\d+", name) for _, name in options)
    staff_id = options[0][0]
    picked = me.client.get("/customers", params={"staff_id": staff_id})
    assert picked.status_code == 200
    assert re.search(rf'<option value="{staff_id}" title="{staff_id}"\s*selected>', picked.text)
    wanted = me.client.get("/api/customers", params={"staff_id": staff_id}).json()["count"]
    assert _total_shown(picked.text) == wanted


def test_an_export_above_the_row_limit_goes_on_in_further_sheets(
    sign_in: Callable[[str], SignedIn], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = sign_in("branch_manager")
    total = _count(me)
    monkeypatch.setattr("brokerlens.web.export.EXCEL_MAX_ROWS", 101)  # 100 rows and the header
    response = me.client.get("/api/customers/export.xlsx")
    assert response.status_code == 200
    path = tmp_path / "split.xlsx"
    path.write_bytes(response.content)
    assert len(_sheets(path)) == -(-total // 100) > 1
    rows = _xlsx_rows(response.content, tmp_path / "again.xlsx")
    assert len(rows) == total and len({r["客户号"][1] for r in rows}) == total

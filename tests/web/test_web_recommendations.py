"""Recommendations over the web (issue 16 section 3): the 360's 推荐产品 panel (match as a
percentage, reasons as a list, product names linking to the product, empty states that say
why), a product's 目标客户 (the first 20 on its page, the paged list, the export with Chinese
headers, save as a segment), the gate's report for compliance and head office, and the API
answering 404 / 403 / 422 as elsewhere, never 500."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from brokerlens.store import open_store
from brokerlens.store.schema import audit_log
from support.recommendations import no_recommendations, served_run
from web.conftest import Published, SignedIn

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(published: Published) -> Iterator[list[dict[str, Any]]]:
    with served_run(published.settings) as rows:
        yield rows


def _by_product(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["product_id"], []).append(row)
    return out


def _targets(me: SignedIn, product: str) -> dict[str, Any]:
    response = me.client.get(
        f"/api/products/{product}/targets", params={"page_size": 200, "page": 1}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _busiest(rows: list[dict[str, Any]]) -> str:
    """The product with the most target customers."""
    return max(_by_product(rows).items(), key=lambda kv: (len(kv[1]), kv[0]))[0]


def _audited(published: Published, username: str, action: str) -> list[Any]:
    db = open_store(published.settings)
    with db.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log).where(
                    audit_log.c.username == username, audit_log.c.action == action
                )
            ).mappings()
        )


# --- the 360's panel ---------------------------------------------------------------------------


def test_the_360_panel_lists_products_with_match_links_and_reasons(
    sign_in: Callable[[str], SignedIn], run: list[dict[str, Any]]
) -> None:
    me = sign_in("hq_marketing")
    customer = run[0]["customer_id"]
    mine = [r for r in run if r["customer_id"] == customer]
    page = me.client.get(f"/customers/{customer}").text
    assert f'hx-get="/customers/{customer}/recommendations"' in page
    html = me.client.get(
        f"/customers/{customer}/recommendations", headers={"HX-Request": "true"}
    ).text
    assert "推荐产品" in html and "匹配度" in html and "推荐理由" in html
    listed = re.findall(r'<tr data-product="([^"]+)"', html)
    assert listed == [r["product_id"] for r in sorted(mine, key=lambda r: r["rank"])]
    first = mine[0]
    assert f'href="/products/{first["product_id"]}"' in html
    assert f"{first['score'] * 100:.1f}%" in html  # 匹配度 as a percentage
    for reason in first["reasons"]:
        assert f"<li>{reason}</li>" in html
    # opened on its own (no htmx): the 360 at the panel
    moved = me.client.get(f"/customers/{customer}/recommendations")
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/customers/{customer}#recommendations-panel"


def test_the_panel_says_why_it_is_empty(
    sign_in: Callable[[str], SignedIn], run: list[dict[str, Any]], published: Published
) -> None:
    me = sign_in("hq_marketing")
    listed = {r["customer_id"] for r in run}
    customers = me.client.get("/api/customers", params={"page_size": 200}).json()
    ids = [str(c["customer_id"]) for c in customers["data"]]
    hx = {"HX-Request": "true"}
    without = next((c for c in ids if c not in listed), None)
    if without is not None:  # a customer no product suits
        html = me.client.get(f"/customers/{without}/recommendations", headers=hx).text
        assert "没有适合该客户的产品" in html
    as_of = me.client.get("/api/products").json()["as_of_date"]
    with no_recommendations(published.settings, dt.date.fromisoformat(as_of)):
        html = me.client.get(f"/customers/{ids[0]}/recommendations", headers=hx).text
        assert "暂无推荐" in html
        api = me.client.get(f"/api/customers/{ids[0]}/recommendations").json()
        assert api["run_date"] is None and api["rows"] == []


def test_the_api_answers_a_broker_for_their_customers_only(
    other_client: Callable[[str], SignedIn], run: list[Any]
) -> None:
    broker = other_client("broker")
    product = _busiest(run)
    theirs = _targets(broker, product)["rows"]
    assert theirs, "the broker serves none of the busiest product's targets"
    own = theirs[0]["customer_id"]
    answer = broker.client.get(f"/api/customers/{own}/recommendations")
    assert answer.status_code == 200 and answer.json()["rows"]
    listed = sorted({r["customer_id"] for r in run})
    other = next(c for c in listed if broker.client.get(f"/api/customers/{c}").status_code == 404)
    assert broker.client.get(f"/api/customers/{other}/recommendations").status_code == 404
    assert broker.client.get("/api/customers/NOPE/recommendations").status_code == 404
    bad = broker.client.get(f"/api/customers/{own}/recommendations", params={"as_of": "x"})
    assert bad.status_code == 422 and "as_of" in bad.text


def _visible(me: SignedIn, customer: str) -> bool:
    return me.client.get(f"/api/customers/{customer}").status_code == 200


def test_the_administrator_gets_no_recommendations(
    sign_in: Callable[[str], SignedIn], run: list[Any]
) -> None:
    me = sign_in("admin")
    assert (
        me.client.get(f"/api/customers/{run[0]['customer_id']}/recommendations").status_code == 403
    )
    assert me.client.get(f"/api/products/{run[0]['product_id']}/targets").status_code == 403


# --- a product's target customers --------------------------------------------------------------


def test_the_product_page_shows_its_first_targets_and_links_the_list(
    sign_in: Callable[[str], SignedIn], run: list[dict[str, Any]]
) -> None:
    me = sign_in("hq_marketing")
    product = _busiest(run)
    assert f'hx-get="/products/{product}/targets/top"' in me.client.get(f"/products/{product}").text
    html = me.client.get(f"/products/{product}/targets/top", headers={"HX-Request": "true"}).text
    shown = re.findall(r'<tr data-customer="([^"]+)"', html)
    best = sorted(_by_product(run)[product], key=lambda r: (-r["score"], r["customer_id"]))
    assert shown == [r["customer_id"] for r in best[:20]]
    assert "目标客户" in html and f"共 {len(best):,} 位" in html
    assert f'href="/products/{product}/targets"' in html


def test_the_target_list_pages_by_score(
    sign_in: Callable[[str], SignedIn], run: list[dict[str, Any]]
) -> None:
    me = sign_in("hq_marketing")
    product = _busiest(run)
    best = sorted(_by_product(run)[product], key=lambda r: (-r["score"], r["customer_id"]))
    first = me.client.get(f"/products/{product}/targets").text
    second = me.client.get(f"/products/{product}/targets", params={"p": 2}).text
    ids = re.findall(r'<tr data-customer="([^"]+)"', first) + re.findall(
        r'<tr data-customer="([^"]+)"', second
    )
    assert ids == [r["customer_id"] for r in best[:100]]
    assert "保存为客户群" in first and 'id="targets-export-csv"' in first
    assert f"共 {len(best):,} 位目标客户" in first
    assert me.client.get("/products/NO-SUCH/targets").status_code == 404


def test_the_api_pages_cut_to_scope_and_names_a_bad_parameter(
    sign_in: Callable[[str], SignedIn],
    other_client: Callable[[str], SignedIn],
    run: list[dict[str, Any]],
) -> None:
    broker, hq = other_client("broker"), other_client("hq_marketing")
    product = _busiest(run)
    theirs, everyone = _targets(broker, product), _targets(hq, product)
    assert 0 < theirs["total"] < everyone["total"] == len(_by_product(run)[product])
    for row in theirs["rows"][:5]:
        assert _visible(broker, row["customer_id"])
        assert "phone" not in row and "id_no" not in row
    scores = [r["score"] for r in theirs["rows"]]
    assert scores == sorted(scores, reverse=True)
    for params, name in (
        ({"page": 0}, "page"),
        ({"page_size": 500}, "page_size"),
        ({"page": "x"}, "page"),
    ):
        bad = broker.client.get(f"/api/products/{product}/targets", params=params)
        assert bad.status_code == 422 and name in bad.text, bad.text
    assert broker.client.get("/api/products/NO-SUCH/targets").status_code == 404
    page = broker.client.get(f"/products/{product}/targets", params={"p": 0})
    assert page.status_code == 422 and "Traceback" not in page.text


def test_the_export_has_chinese_headers_every_target_in_scope_and_is_audited(
    sign_in: Callable[[str], SignedIn], run: list[dict[str, Any]], published: Published
) -> None:
    me = sign_in("broker")
    product = _busiest(run)
    total = _targets(me, product)["total"]
    response = me.client.get(f"/api/products/{product}/targets/export.csv")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == [
        "客户号",
        "客户姓名",
        "营业部",
        "服务人员",
        "客户级别",
        "风险承受能力",
        "推荐位次",
        "匹配度",
        "推荐理由",
    ]
    assert len(table) - 1 == total > 0
    assert not re.fullmatch(r"U\d{5}", table[1][2])  # the branch by name
    xlsx = me.client.get(f"/api/products/{product}/targets/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    kept = _audited(published, me.username, "export")
    assert any(
        r["detail"].get("kind") == "product_targets" and r["customer_count"] == total for r in kept
    )


def test_save_as_segment_makes_a_segment_of_the_targets_in_scope(
    sign_in: Callable[[str], SignedIn], run: list[dict[str, Any]], published: Published
) -> None:
    me = sign_in("broker")
    product = _busiest(run)
    total = _targets(me, product)["total"]
    saved = me.client.post(f"/products/{product}/targets/segment", data={"csrf_token": me.csrf})
    assert saved.status_code == 303
    segment = int(saved.headers["location"].rsplit("/", 1)[1])
    page = me.client.get(f"/segments/{segment}").text
    name = me.client.get(f"/api/products/{product}").json()["product"]["name"]
    assert f"产品推荐目标客户：{name}" in page
    assert me.client.get(f"/api/segments/{segment}/count").json()["count"] == total
    members = me.client.get(f"/api/segments/{segment}/members", params={"page_size": 200}).json()
    assert {r["customer_id"] for r in members["data"]} == {
        r["customer_id"] for r in _targets(me, product)["rows"]
    }
    assert _audited(published, me.username, "save_targets_segment")
    api = me.client.post(
        f"/api/products/{product}/targets/segment", json={"name": "春季活动"}, headers=me.headers()
    )
    assert api.status_code == 201 and api.json()["name"] == "春季活动"


# --- the gate's report -------------------------------------------------------------------------


def test_the_gate_report_is_for_compliance_and_head_office(
    other_client: Callable[[str], SignedIn], run: list[Any]
) -> None:
    compliance, broker = other_client("compliance"), other_client("broker")
    products = compliance.client.get("/products").text
    assert 'href="/recommendations/report"' in products
    assert 'href="/recommendations/report"' not in broker.client.get("/products").text
    html = compliance.client.get("/recommendations/report").text
    assert "推荐适当性过滤报告" in html and "原因" in html and "剔除数" in html
    api = compliance.client.get("/api/recommendations/report").json()
    for reason, count in api["removed"]:
        assert f'data-reason="{reason}"' in html
        assert f"{count:,}" in html
    assert broker.client.get("/recommendations/report").status_code == 403
    assert broker.client.get("/api/recommendations/report").status_code == 403

"""The product centre over the web (issue 16): /products and /products/{id} in Chinese with
formatted numbers, the internal evaluation shown as 内部评价 (never a rating), a Chinese 404
for an unknown product, the export with every row, scope in the API, the administrator out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable

import sqlalchemy as sa

from brokerlens.store import open_store
from brokerlens.store.schema import audit_log
from support.product_metrics import metrics_row, product_metrics_in_place
from web.conftest import Published, SignedIn


def _all(me: SignedIn, **params: object) -> list[dict[str, object]]:
    body = me.client.get("/api/products", params={"page_size": 500, **params}).json()
    assert body["total"] == len(body["rows"])
    return list(body["rows"])


def test_the_list_reads_in_chinese_with_formatted_numbers(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    home = me.client.get("/").text
    assert 'href="/products"' in home and "产品中心" in home
    response = me.client.get("/products")
    assert response.status_code == 200
    html = response.text
    for words in (
        "产品中心",
        "产品类型",
        "风险等级",
        "近1年收益",
        "最大回撤",
        "内部评价",
        "持有人数",
        "近一年销量",
    ):
        assert words in html, words
    assert "评级" not in html and "rating" not in html.lower()
    assert "未评价" in html  # products without the history the stars need say so
    rows = _all(me)
    top = max(rows, key=lambda r: float(str(r["sales"])))
    assert f'href="/products/{top["product_id"]}"' in html
    # sorted by sales (the default): the best seller first, its sales as 万/亿
    first = re.search(r'<tr data-product="([^"]+)"', html)
    assert first and first.group(1) == top["product_id"]
    assert re.search(r"\d+\.\d\d(万|亿)", html)
    by_type = me.client.get("/products", params={"product_type": "money_market"}).text
    assert "货币基金" in by_type
    listed = re.findall(r'<tr data-product="([^"]+)"', by_type)
    assert listed and set(listed) == {
        str(r["product_id"]) for r in rows if r["product_type"] == "money_market"
    }


def test_a_bad_sort_or_filter_is_a_chinese_message(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    page = me.client.get("/products", params={"sort": "customer_id"})
    assert page.status_code == 422
    assert "排序列的取值无效" in page.text and "Traceback" not in page.text
    api = me.client.get("/api/products", params={"risk_level": "R9"})
    assert api.status_code == 422 and "risk_level" in api.text


def test_a_product_page_draws_nav_and_shows_sales_in_scope(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("hq_marketing")
    rows = _all(me, sort="holders")
    product = rows[0]
    pid = str(product["product_id"])
    response = me.client.get(f"/products/{pid}")
    assert response.status_code == 200
    html = response.text
    assert str(product["name"]) in html
    for words in (
        "净值走势与基准",
        "单位净值",
        "累计净值",
        "业绩指标",
        "同类排名",
        "按营业部",
        "按渠道",
        "赎回率",
        "持有人画像",
        "内部评价，仅供内部参考",
    ):
        assert words in html, words
    assert "评级" not in html
    # the run's own evaluation (from the delivered NAV history): stars as the API says, or 未评价
    if product["stars"] is None:
        assert "未评价" in html
    else:
        stars = int(str(product["stars"]))
        assert "★" * stars + "☆" * (5 - stars) in html
    nav = json.loads(re.search(r'id="chart-nav">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert nav["dates"] and len(nav["series"][0]["values"]) == len(nav["dates"])
    holders = re.search(r'id="product-holder-count">([^<]+)<', html)
    assert holders and holders.group(1) == f"{int(str(product['holders'])):,}"
    # branches by name, never a raw unit code alone
    branch_table = re.search(r'id="product-by-branch">(.*?)</table>', html, re.S)
    assert branch_table and not re.search(r">U\d+<", branch_table.group(1))
    # with an evaluation kept: the stars, the rank in type, the figures as percentages
    as_of = dt.date.fromisoformat(me.client.get("/api/products").json()["as_of_date"])
    with product_metrics_in_place(
        published.settings, as_of, [metrics_row(pid, as_of, stars=4, return_1y=0.0856)]
    ):
        rated = me.client.get(f"/products/{pid}").text
        assert "★★★★☆" in rated and "+8.56%" in rated and "-12.34%" in rated
        assert "第 2 / 9" in rated
    # a broker's page counts their own customers only
    broker = sign_in("broker")
    mine = broker.client.get(f"/api/products/{pid}").json()
    everyone = me.client.get(f"/api/products/{pid}").json()
    assert mine["holders"] <= everyone["holders"]
    assert float(mine["total"]["net"]) <= float(everyone["total"]["purchases"]) + float(
        everyone["total"]["subscriptions"]
    )


def test_an_unknown_product_is_a_chinese_404(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("broker")
    response = me.client.get("/products/NO-SUCH-PRODUCT")
    assert response.status_code == 404
    assert "未找到该产品" in response.text and "Traceback" not in response.text
    assert me.client.get("/api/products/NO-SUCH-PRODUCT").status_code == 404


def test_the_export_has_every_row_with_chinese_headers(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("hq_marketing")
    rows = _all(me)
    response = me.client.get("/api/products/export.csv")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["产品代码", "产品名称", "产品类型"]
    assert "持有人数" in table[0] and "近一年销量" in table[0]
    assert len(table) - 1 == len(rows) > 0
    assert {r[0] for r in table[1:]} == {str(r["product_id"]) for r in rows}
    kinds = table[0].index("产品类型")
    assert any(r[kinds] == "货币基金" for r in table[1:])
    xlsx = me.client.get("/api/products/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    db = open_store(published.settings)
    with db.connect() as connection:
        kept = connection.execute(
            sa.select(audit_log.c.detail).where(
                audit_log.c.action == "export", audit_log.c.username == me.username
            )
        ).all()
    assert any(r[0].get("kind") == "products" and r[0]["count"] == len(rows) for r in kept)


def test_the_administrator_sees_no_product_centre(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("admin")
    assert 'href="/products"' not in me.client.get("/").text
    assert me.client.get("/products").status_code == 403
    assert me.client.get("/api/products").status_code == 403

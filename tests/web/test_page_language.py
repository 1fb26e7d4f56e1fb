"""Every page each role can reach reads in Chinese: no English word, no raw code, no unit or
staff code as text, no number that bypassed the formatter (see support/page_text.py).

Each role signs in, reads its navigation and the pages reachable from it (a segment, the org
page's staff, the account page, the error pages) with the Chinese language set, and the text a
user sees is checked. The English side is fetched too: it must render without errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from support.page_text import problems, visible_text
from support.recommendations import served_run
from web.conftest import Published, SignedIn


@pytest.fixture(scope="module", autouse=True)
def recommendations(published: Published) -> Iterator[None]:
    """The run's recommendations of the served date (hand-made ones where the run made none),
    so the 360's panel, the targets pages and the report show rows, not only empty states."""
    with served_run(published.settings):
        yield


MESSAGE_ID = re.compile(r"[a-z0-9]+(\\.[a-z0-9_]+)+")
ROLES = [
    "broker",
    "team_lead",
    "branch_manager",
    "hq_marketing",
    "compliance",
    "call_center",
    "admin",
]


def _links(html: str, pattern: str) -> list[str]:
    return list(dict.fromkeys(re.findall(pattern, html)))


def _segment_id(me: SignedIn) -> int:
    """A segment the user may open: the first listed, else one made for the test."""
    listed = me.client.get("/api/segments")
    assert listed.status_code == 200, listed.text
    items = listed.json()
    items = items.get("data", items) if isinstance(items, dict) else items
    if items:
        return int(items[0]["segment_id"])
    made = me.client.post(
        "/api/segments",
        json={
            "name": "页面语言检查",
            "conditions": [{"field": "total_assets_t", "op": "ge", "value": 100000}],
        },
        headers=me.headers(),
    )
    assert made.status_code in (200, 201), made.text
    return int(made.json()["segment_id"])


def pages_of(me: SignedIn, role: str) -> list[tuple[str, dict[str, str]]]:
    """(url, extra headers) of every page the role reaches: its navigation and below."""
    client = me.client
    home = client.get("/")
    assert home.status_code == 200, home.text[:500]
    nav = re.findall(r'<nav class="sidenav">(.*?)</nav>', home.text, re.S)
    urls = ["/", *_links(nav[0] if nav else "", r'href="(/[^"#]*)"')]
    urls = [u for u in urls if u != "/docs"]
    urls += ["/account/password", "/no-such-page"]
    fragments: list[tuple[str, dict[str, str]]] = []
    if role != "admin":
        segment = _segment_id(me)
        urls += ["/segments/new", f"/segments/{segment}", "/segments/999999999"]
        # issue 25: the group's history and profile
        urls += [f"/segments/{segment}/history", f"/segments/{segment}/profile"]
        fragments.append((f"/segments/{segment}/members?page=1", {"HX-Request": "true"}))
        org = client.get("/org").text
        units = _links(org, r'href="(/org\?unit_id=[^"]+)"')
        urls += units[:1] + units[-1:]
        urls += ["/audit", "/users"]  # 403 but for compliance (audit) and the administrator
        urls += ["/customers?min_total_assets_t=100x&min_return_6m=50%25"]  # 422, said in place
        urls += ["/alerts?view=alerts", "/alerts/thresholds", "/activation?page=2"]
        products = client.get("/products?sort=holders").text
        shown = _links(products, r'href="(/products/[^"/?#]+)"')[:2]
        urls += shown
        # recommendations (issue 16 section 3): a product's targets, their segment, the report
        for product in shown[:1]:
            urls += [f"{product}/targets", f"{product}/targets?p=2"]
            fragments.append((f"{product}/targets/top", {"HX-Request": "true"}))
            made = client.post(
                f"/api/products{product.removeprefix('/products')}/targets/segment",
                json={},
                headers=me.headers(),
            )
            assert made.status_code == 201, made.text
            urls.append(f"/segments/{made.json()['segment_id']}")
        urls += ["/recommendations/report"]  # 403 but for compliance and head office
        # issue 22: the role's dashboard and one level down (403 for the call centre)
        board = client.get("/dashboard?metric=active_rate")
        urls += ["/dashboard?metric=active_rate"]
        urls += [
            u.replace("&amp;", "&") for u in _links(board.text, r'dash-drill" href="([^"]+)"')
        ][:1]
        # approvals and work orders (issue 18 section 3): the tabs and one of each, if any
        for tab in ("/approvals?view=mine", "/approvals?view=history", "/work-orders?view=made"):
            urls.append(tab)
            urls += _links(client.get(tab).text, r'href="(/(?:approvals|work-orders)/\d+)"')[:1]
        # issue 23: the knowledge base's search, form (403 but for writers) and an article
        urls += ["/kb?q=基金", "/kb/new", "/kb?category=nonsense"]
        urls += _links(client.get("/kb").text, r'href="(/kb/articles/\d+)"')[:1]
        urls += ["/products?product_type=money_market&sort=return_1y&desc=false"]
        urls += ["/products/NO-SUCH-PRODUCT", "/products?sort=customer_id"]  # 404, 422
        customers = client.get("/customers?sort=total_assets_t&desc=true").text
        people = _links(customers, r'href="(/customers/C[^"/?#]+)"')
        for person in people[:2]:
            urls.append(person)
            hx = {"HX-Request": "true"}
            parts = ("suitability", "alerts", "charts", "recommendations")
            fragments += [(f"{person}/{part}", hx) for part in parts]
            fragments.append((f"{person}/why", hx))
            fragments.append((f"{person}/callbacks", hx))  # issue 18: the call-backs panel
    else:
        urls += ["/segments"]  # 403 for the administrator
    if role == "compliance":
        urls += ["/audit?action=view_360", "/audit?date_from=not-a-date"]
        urls += ["/callbacks?status=all", "/callbacks/quota", "/callbacks/report"]  # issue 18
        fragments.append(("/audit?page=1", {"HX-Request": "true", "HX-Target": "audit-table"}))
    return [(u, {}) for u in dict.fromkeys(urls)] + fragments


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_reads_in_chinese(
    role: str, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in(role)
    me.client.cookies.set("lang", "zh")
    found: list[str] = []
    statuses: dict[str, int] = {}
    for url, headers in pages_of(me, role):
        # a nav entry may redirect (a team lead's work list opens the team's): read where it goes
        response = me.client.get(url, headers=headers, follow_redirects=True)
        statuses[url] = response.status_code
        assert response.status_code in (200, 403, 404, 422), (url, response.text[:500])
        found += [f"{url}: {p}" for p in problems(response.text)]
    assert not found, "\n".join(found)
    # the error pages were among them, and read as Chinese errors
    assert 404 in statuses.values()
    assert 403 in statuses.values()


def test_the_signed_out_pages_read_in_chinese(app_client: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(app_client, TestClient)
    app_client.cookies.set("lang", "zh")
    login = app_client.get("/login")
    assert login.status_code == 200
    assert problems(login.text) == []
    wrong = app_client.post(
        "/login",
        data={"username": "nobody", "password": "wrong", "csrf_token": "x", "next": "/"},
    )
    assert problems(wrong.text) == [], wrong.text[:300]


@pytest.mark.parametrize("role", ["broker", "compliance", "admin"])
def test_the_english_side_renders(role: str, sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in(role)
    me.client.cookies.set("lang", "en")
    for url, headers in pages_of(me, role):
        response = me.client.get(url, headers=headers, follow_redirects=True)
        assert response.status_code in (200, 403, 404, 422), (url, response.text[:500])
        missing = [r for r in visible_text(response.text) if MESSAGE_ID.fullmatch(r)]
        assert not missing, (url, missing)  # a message id without its text


# --- the checker itself --------------------------------------------------------------------------


def test_the_checker_flags_english_codes_org_codes_and_raw_numbers() -> None:
    page = (
        "<html><body><h1>客户群</h1><p>status</p><p>客户级别 · customer_tier</p>"
        "<td>U00007</td><td>S000081</td><td>4828</td><td>48281</td><td>64181875.62625</td>"
        "<td>0.12345</td><input placeholder='Search id'></body></html>"
    )
    found = problems(page)
    assert any("English 'status'" in p for p in found), found
    assert any("code 'customer_tier'" in p for p in found), found
    assert any("'U00007'" in p for p in found) and any("'S000081'" in p for p in found), found
    assert any("'48281'" in p for p in found), found
    assert any("'64181875.62625'" in p for p in found), found
    assert any("'0.12345'" in p for p in found), found
    assert any("'Search'" in p for p in found), found  # placeholders are read too
    assert any("'4828'" in p for p in found), found  # 4,828


def test_the_checker_passes_clean_chinese_ids_dates_and_hovers() -> None:
    page = (
        '<html lang="zh-CN"><head><title>x</title><style>.a{color:red}</style></head><body>'
        '<script>var customer_tier = "VIP";</script>'
        '<span class="brand-mark" aria-hidden="true">bl</span>brokerlens'
        '<a lang="en" href="/lang/en">English</a>'
        '<p title="customer_tier U00007">客户级别 等于 VIP</p>'
        "<td>C000000123</td><td>600519</td><td>2026-01-13 07:21:06</td><td>1,234,567.89</td>"
        "<td>12.34万</td><td>500万–1000万</td><td>+1.23%</td><td>ETF</td><td>127.0.0.1</td><td>2025年</td><td>138****1234</td>"
        '<td translate="no">demo_broker</td></body></html>'
    )
    assert problems(page) == []

"""The inbox and the activation list as a broker uses them (issue 15): one inbox row per customer
with all their alerts, ordered by priority = assets x severity; the activation list ranked
1..N within the user's scope, paged, the branch picked by name, reasons in plain Chinese with
staff names and amounts in 万/亿. Alert rows are inserted by hand in 1999 (no run writes there,
and the other alert tests use 2001-2002, so their newest stay theirs), and the inbox is
filtered to that year."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from brokerlens.alerts.severity import SEVERITY
from web.conftest import Published, SignedIn

YEAR = {"date_from": "1999-01-01", "date_to": "1999-12-31"}


def _mine(me: SignedIn) -> list[str]:
    body = me.client.get("/api/customers", params={"page_size": 200}).json()
    return [r["customer_id"] for r in body["data"]]


def _insert(published: Published, customer_id: str, alert_id: str, day: dt.date) -> int:
    from brokerlens.store import open_store
    from brokerlens.store.alerts_schema import alerts

    with open_store(published.settings).begin() as connection:
        return int(
            connection.execute(
                alerts.insert()
                .values(
                    as_of_date=day,
                    customer_id=customer_id,
                    alert_id=alert_id,
                    explanation={"zh": f"{alert_id} 说明 {day}", "en": f"{alert_id} on {day}"},
                    created_at=dt.datetime.now(dt.UTC),
                )
                .returning(alerts.c.alert_row_id)
            ).scalar_one()
        )


def _assets(published: Published, ids: list[str]) -> dict[str, float]:
    """The larger of today's total assets and the 3-month mean, read off the served profile."""
    from brokerlens.access.snapshot import served_snapshot
    from brokerlens.store import open_store

    db = open_store(published.settings)
    table = served_snapshot(db).table
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(table.c.customer_id, table.c.total_assets_t, table.c.avg_assets_3m).where(
                table.c.customer_id.in_(ids)
            )
        ).all()
    return {str(c): max(float(t or 0), float(m or 0)) for c, t, m in rows}


ROW = r'<details class="inbox-row" id="customer-[^"]*" data-customer="([^"]+)".*?</details>'


def _details(html: str) -> list[tuple[str, str]]:
    """(customer id, the row's HTML) of each inbox row, in page order."""
    return [(m.group(1), m.group(0)) for m in re.finditer(ROW, html, flags=re.S)]


def test_the_inbox_has_one_row_per_customer_by_priority(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("broker")
    a, b, c, d = _mine(me)[:4]
    day = dt.date(1999, 3, 1)
    planted: dict[str, list[tuple[str, int]]] = {a: [], b: [], c: [], d: []}
    # a: one opportunity; b: leaving and losing; c: idle on three dates; d: a handled one only
    for customer, alert, offset in [
        (a, "strong_profit", 0),
        (b, "actual_churn", 1),
        (b, "heavy_loss", 2),
        (c, "no_trade", 3),
        (c, "no_trade", 4),
        (c, "no_trade", 5),
        (d, "risk_mismatch", 6),
    ]:
        row = _insert(published, customer, alert, day + dt.timedelta(days=offset))
        planted[customer].append((alert, row))
    done = planted[d][0][1]
    me.client.post(
        f"/api/alerts/{done}/status", json={"status": "acknowledged"}, headers=me.headers()
    )
    me.client.post(f"/api/alerts/{done}/status", json={"status": "handled"}, headers=me.headers())
    assets = _assets(published, [a, b, c, d])
    severity = {
        a: SEVERITY["strong_profit"],
        b: SEVERITY["actual_churn"] + SEVERITY["heavy_loss"],
        c: SEVERITY["no_trade"],  # three dates of one type count once
        d: 0,  # nothing open
    }
    newest = {a: 0, b: 2, c: 5, d: 6}
    expected = sorted(
        [a, b, c, d],
        key=lambda x: (-assets[x] * severity[x], -severity[x], -newest[x], x),
    )
    assert expected[-1] == d  # nothing open: last

    page = me.client.get("/alerts", params=YEAR)
    assert page.status_code == 200
    rows = _details(page.text)
    order = [customer for customer, _ in rows]
    assert len(order) == len(set(order)) == 4  # one row per customer
    assert order == expected
    priorities = [float(p) for p in re.findall(r'data-priority="([^"]+)"', page.text)]
    assert priorities == sorted(priorities, reverse=True)
    assert priorities[-1] == 0.0
    assert "优先级 = 资产 × 严重度" in page.text  # the formula, on the page
    assert "共 4 位客户 · 7 条提醒" in page.text
    for customer, html in rows:
        for alert, row in planted[customer]:  # every alert reachable from the customer's row
            assert f'id="alert-{row}"' in html
            assert f'data-alert="{alert}"' in html
    churned = dict(rows)[b]
    assert "实际流失" in churned and "严重亏损" in churned  # the chips, in Chinese
    assert churned.count('class="btn btn-small alert-ack"') == 2  # each alert's own move
    idle = dict(rows)[c]
    assert "沉睡 ×3" in idle and "1999-03-06" in idle  # one chip, the count and newest date
    # paging over customers, with the filters kept
    first = me.client.get("/alerts", params={**YEAR, "page_size": 2})
    assert [x for x, _ in _details(first.text)] == expected[:2]
    assert "第 1 / 2 页" in first.text and "date_from=1999-01-01" in first.text
    second = me.client.get("/alerts", params={**YEAR, "page_size": 2, "page": 2})
    assert [x for x, _ in _details(second.text)] == expected[2:]
    only_new = me.client.get("/alerts", params={**YEAR, "status": "new"})
    assert [x for x, _ in _details(only_new.text)] == [x for x in expected if x != d]
    # the API: grouped beside the per-alert list, which is unchanged
    grouped = me.client.get("/api/alerts/customers", params=YEAR).json()
    assert [r["customer_id"] for r in grouped["data"]] == expected
    assert grouped["count"] == 4 and grouped["alerts"] == 7
    top = next(r for r in grouped["data"] if r["customer_id"] == b)
    assert top["severity"] == severity[b]
    assert {k["alert_id"] for k in top["kinds"]} == {"actual_churn", "heavy_loss"}
    per_alert = me.client.get("/api/alerts", params=YEAR).json()
    assert per_alert["count"] == 7 and len({r["alert_row_id"] for r in per_alert["data"]}) == 7
    flat = me.client.get("/alerts", params={**YEAR, "view": "alerts"})
    assert flat.text.count('<tr id="alert-') == 7


def _ranks(html: str) -> list[int]:
    return [int(r) for r in re.findall(r'<tr data-rank="(\d+)">', html)]


def test_a_brokers_activation_list_ranks_in_scope_pages_and_speaks_plainly(
    sign_in: Callable[[str], SignedIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    from brokerlens.web.pages import activation

    size = 5  # the page's 50, scaled to the small brokerage
    monkeypatch.setattr(activation, "PAGE_SIZE", size)
    me = sign_in("broker")
    body = me.client.get("/api/activation", params={"page_size": 500}).json()
    total = body["total"]
    assert total > size, "the small brokerage's broker has more than a page of candidates"
    assert [r["rank"] for r in body["rows"]] == list(range(1, total + 1))
    first = me.client.get("/activation")
    assert first.status_code == 200
    assert _ranks(first.text) == list(range(1, size + 1))
    assert 'id="activation-next"' in first.text and f"第 1 / {-(-total // size)} 页" in first.text
    links = re.search(r'id="activation-pages">(.*?)</span>', first.text, re.S)
    assert links is not None and 'href="/activation?p=2"' in links.group(1)
    second = me.client.get("/activation", params={"p": 2})
    assert _ranks(second.text) == list(range(size + 1, min(total, 2 * size) + 1))
    # the branch filter: a list of the scope's branches by name, the code on hover only
    select = re.search(
        r'<select name="branch_id" id="activation-branch">(.*?)</select>', first.text, re.S
    )
    assert select is not None
    options = re.findall(
        r'<option value="([^"]*)" title="[^"]*"[^>]*>([^<]*)</option>', select.group(1)
    )
    branches = {r["branch_id"] for r in body["rows"]}
    assert {code for code, _ in options} == branches
    for code, label in options:
        assert code not in label and re.search(r"[\u4e00-\u9fff]", label), label
    narrowed = me.client.get("/activation", params={"branch_id": options[0][0]})
    assert narrowed.status_code == 200 and "selected>" in narrowed.text
    # names not codes, and no jargon
    texts = [r["reasons"] for r in body["rows"]]
    served = [r for r in body["rows"] if r["servicer_id"]]
    assert served
    for html in (first.text, second.text):
        assert "短于判定期" not in html and "源系统" not in html
        rows_html = html.split('id="activation-table"', 1)[1]
        assert not re.search(r">\s*U\d{5}\s*<", rows_html)  # a unit code as visible text
        assert not re.search(r">\s*S\d{6}\s*<", rows_html)  # a staff code as visible text
    words = " ".join(x["text"] for said in texts for x in said)
    assert "短于判定期" not in words and "仍有服务人员 S" not in words
    # amounts through the list formatter (万/亿, else two decimals), not the export's whole yuan
    assert re.search(r"\d\.\d\d(万|亿)?元", words) and " 元" not in words

"""佣金分成 through the pages and the API, on a brokerage crossing a month's end: head office
sees every line and settles March on the page (again: 409), exports it to Excel, asks for an
adjusting entry (a bad amount is said beside the field) that a second settler approves; a
broker sees only their own lines and their income slot, not a colleague's (404); the call
centre sees no statements."""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

from brokerlens.store import dispose_engines
from support.brokers_statements import StatementsStore, published_store, statements_home
from support.page_text import problems


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[StatementsStore]:
    yield published_store(statements_home(tmp_path_factory), tmp_path)
    dispose_engines()


class Session:
    def __init__(self, store: StatementsStore, role: str) -> None:
        from brokerlens.web.app import create_app

        self.client = TestClient(create_app(store.settings), follow_redirects=False)
        self.client.__enter__()
        username, password = store.users[role]
        answer = self.client.post("/api/login", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        self.csrf = answer.json()["csrf_token"]

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@pytest.fixture
def session(store: StatementsStore) -> Iterator[type[Session]]:
    made: list[Session] = []

    def make(role: str) -> Session:
        found = Session(store, role)
        made.append(found)
        return found

    yield make  # type: ignore[misc]
    for s in made:
        s.close()


def test_settle_export_and_adjust_on_the_pages(session: object) -> None:
    hq = session("hq_marketing")  # type: ignore[operator]
    months = hq.client.get("/api/statements").json()["data"]
    assert [(m["month"], m["status"]) for m in months] == [
        ("2025-04", "preview"),
        ("2025-03", "complete"),
    ]
    page = hq.client.get("/statements")
    assert page.status_code == 200 and "2025年3月" in page.text and "待结算" in page.text
    march = hq.client.get("/statements/2025-03")
    assert 'id="settle-month"' in march.text and "未分配" in march.text
    settled = hq.client.post("/statements/2025-03/settle", data={"csrf_token": hq.csrf})
    assert settled.status_code == 303
    again = hq.client.post("/api/statements/2025-03/settle", headers={"X-CSRF-Token": hq.csrf})
    assert again.status_code == 409
    april = hq.client.post("/statements/2025-04/settle", data={"csrf_token": hq.csrf})
    assert april.status_code == 409 and 'id="statement-problem"' in april.text

    body = hq.client.get("/api/statements/2025-03").json()
    assert body["period"]["status"] == "settled" and body["whole"]
    lines = body["data"]
    for role in ("developer", "servicer", "advisor"):
        total = sum(
            x["amount_cents"]
            for x in lines
            if x["role"] == role and x["income_kind"] == "commission"
        )
        assert total == body["period"]["commission_cents"]

    sheet = hq.client.get("/api/statements/2025-03/export.xlsx", params={"by": "unit"})
    assert sheet.status_code == 200
    with zipfile.ZipFile(io.BytesIO(sheet.content)) as book:
        text = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
    assert "金额（元）" in text and "收入类型" in text
    plain = hq.client.get("/api/statements/2025-03/export.csv", params={"by": "staff"})
    rows = list(csv.DictReader(io.StringIO(plain.text.lstrip("\ufeff"))))
    developer = sum(
        Decimal(r["金额（元）"]) for r in rows if r["角色"] == "开发" and r["收入类型"] == "净佣金"
    )
    assert developer * 100 == body["period"]["commission_cents"]

    giver = next(x for x in lines if x["staff_id"] and x["role"] == "servicer")
    taker = next(
        x["staff_id"]
        for x in lines
        if x["staff_id"] and x["role"] == "servicer" and x["staff_id"] != giver["staff_id"]
    )
    form = {
        "csrf_token": hq.csrf,
        "role": "servicer",
        "income_kind": giver["income_kind"],
        "from_staff": giver["staff_id"],
        "to_staff": taker,
        "amount": "1.005",
        "reason": "归属更正",
    }
    bad = hq.client.post("/statements/2025-03/adjust", data=form)
    assert bad.status_code == 422 and 'data-field="amount"' in bad.text
    made = hq.client.post("/statements/2025-03/adjust", data={**form, "amount": "0.50"})
    assert made.status_code == 303 and made.headers["location"].startswith("/approvals/")
    request_id = int(made.headers["location"].rsplit("/", 1)[1])

    other = session("hq_marketing_2")  # type: ignore[operator]
    decided = other.client.post(
        f"/api/approvals/{request_id}/approve",
        json={"comment": "同意"},
        headers={"X-CSRF-Token": other.csrf},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    other.client.cookies.set("lang", "zh")
    for url in ("/statements", "/statements/2025-03", "/statements/2025-03?by=unit"):
        shown = other.client.get(url)
        assert shown.status_code == 200 and not problems(shown.text), (url, problems(shown.text))
    settled = other.client.get("/statements/2025-03")
    assert f'data-request="{request_id}"' in settled.text and "调整分录" in settled.text


def test_a_broker_sees_their_own_income_only(session: object, store: StatementsStore) -> None:
    hq = session("hq_marketing")  # type: ignore[operator]
    every = hq.client.get("/api/statements/2025-04").json()["data"]
    broker = session("broker")  # type: ignore[operator]
    own = broker.client.get("/api/statements/2025-04").json()
    assert not own["whole"]
    me = broker.client.get("/api/me").json()["user"]["staff_id"]
    assert {x["staff_id"] for x in own["data"]} <= {me}
    colleague = next(x["staff_id"] for x in every if x["staff_id"] and x["staff_id"] != me)
    assert broker.client.get(f"/staff/{colleague}/income").status_code == 404
    assert broker.client.get(f"/api/staff/{colleague}/income").status_code == 404
    slot = broker.client.get(f"/staff/{me}/income")
    assert slot.status_code == 200 and "收入与佣金" in slot.text
    assert "<html" not in slot.text  # a partial for the staff page
    income = broker.client.get(f"/api/staff/{me}/income").json()["data"]
    assert [m["month"] for m in income] == ["2025-04", "2025-03"]
    # head office sees the colleague's: their April lines, month by month in the slot
    theirs = hq.client.get(f"/api/staff/{colleague}/income").json()["data"][0]
    april = sum(x["amount_cents"] for x in every if x["staff_id"] == colleague)
    assert sum(sum(kinds.values()) for kinds in theirs["by_role"].values()) == april
    shown = hq.client.get(f"/staff/{colleague}/income")
    assert f'data-staff="{colleague}"' in shown.text and 'data-month="2025-04"' in shown.text
    page = broker.client.get("/statements/2025-04")
    assert page.status_code == 200 and 'id="settle-month"' not in page.text
    assert broker.client.get("/statements/2025-13").status_code == 422
    call = session("call_center")  # type: ignore[operator]
    assert call.client.get("/api/statements").status_code == 403
    assert 'id="nav-statements"' not in call.client.get("/").text

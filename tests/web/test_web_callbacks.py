"""回访 over the web, on the published small brokerage: the call-back work list for the call
centre (API and page, overdue first; 403 for a broker, who has no nav link), a call recorded
through the API and the page's script form (a refused answer beside its question, 422), the
quota and report pages, and the 360's panel. Rows of our own are dated 2001 (never a date a
run writes) with their own source, and kept until a past date so they stay deletable."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import sqlalchemy as sa

from brokerlens.store import open_store
from brokerlens.store.compliance_schema import callbacks
from support.page_text import problems
from web.conftest import Published, SignedIn

_refs = itertools.count(1)
ANSWERS = {"own_account": "yes", "risk_disclosed": "yes", "promised_return": "no"}


def _task(published: Published, customer_id: str, due: dt.date) -> int:
    with open_store(published.settings).begin() as connection:
        return int(
            connection.execute(
                callbacks.insert()
                .values(
                    customer_id=customer_id,
                    kind="new_account",
                    source_ref=f"web-{next(_refs)}",
                    branch_id=None,
                    created_on=dt.date(2001, 1, 1),
                    due_date=due,
                    status="pending",
                    attempts=0,
                    created_by="run",
                    keep_until=dt.date(2001, 1, 2),
                )
                .returning(callbacks.c.callback_id)
            ).scalar_one()
        )


def _customers(me: SignedIn) -> list[str]:
    rows = me.client.get("/api/customers", params={"page_size": 5}).json()["data"]
    return [str(r["customer_id"]) for r in rows]


def test_the_work_list_is_the_call_centres_overdue_first(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    caller, broker = other_client("call_center"), other_client("broker")
    customer = _customers(other_client("compliance"))[0]
    later = _task(published, customer, dt.date(2099, 1, 1))
    late = _task(published, customer, dt.date(2001, 1, 31))
    body = caller.client.get("/api/callbacks", params={"customer_id": customer}).json()
    ids = [c["callback_id"] for c in body["callbacks"]]
    assert ids.index(late) < ids.index(later) and body["total"] >= 2
    first = next(c for c in body["callbacks"] if c["callback_id"] == late)
    assert first["overdue"] and first["days_left"] < 0 and first["customer_name"]
    overdue = caller.client.get(
        "/api/callbacks", params={"due": "overdue", "customer_id": customer}
    )
    assert later not in [c["callback_id"] for c in overdue.json()["callbacks"]]
    bad = caller.client.get("/api/callbacks", params={"kind": "birthday"})
    assert bad.status_code == 422 and "kind" in bad.text
    assert broker.client.get("/api/callbacks").status_code == 403
    page = caller.client.get("/callbacks", params={"customer_id": customer})
    assert page.status_code == 200 and f'id="callback-{late}"' in page.text
    assert "已逾期" in page.text and 'id="nav-callbacks"' in page.text
    assert not problems(page.text)
    assert 'id="nav-callbacks"' not in broker.client.get("/").text


def test_a_call_is_recorded_through_the_api_and_the_script_form(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    caller = other_client("call_center")
    customers = _customers(other_client("compliance"))
    by_api, by_page = (_task(published, c, dt.date(2099, 1, 1)) for c in customers[1:3])
    missing = caller.client.post(
        f"/api/callbacks/{by_api}/attempts",
        json={"outcome": "reached", "answers": ANSWERS},
        headers=caller.headers(),
    )
    assert missing.status_code == 422 and "answers.password_own" in missing.text
    done = caller.client.post(
        f"/api/callbacks/{by_api}/attempts",
        json={"outcome": "reached", "answers": {**ANSWERS, "password_own": "yes"}},
        headers=caller.headers(),
    )
    assert done.status_code == 200, done.text
    assert done.json()["callback"]["status"] == "completed"
    again = caller.client.post(
        f"/api/callbacks/{by_api}/attempts", json={"outcome": "reached"}, headers=caller.headers()
    )
    assert again.status_code == 409
    shown = caller.client.get(f"/callbacks/{by_page}")
    assert shown.status_code == 200 and 'id="callback-form"' in shown.text
    form = {"csrf_token": caller.csrf, "outcome": "reached"}
    form.update({f"answer.{k}": v for k, v in ANSWERS.items()})
    refused = caller.client.post(f"/callbacks/{by_page}/attempt", data=form)
    assert refused.status_code == 422
    assert 'data-field="answers.password_own"' in refused.text
    form["answer.password_own"] = "no"  # an answer that is an issue found
    saved = caller.client.post(f"/callbacks/{by_page}/attempt", data=form)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=true")
    page = caller.client.get(saved.headers["location"])
    assert 'id="callback-saved"' in page.text and 'data-status="completed"' in page.text
    assert "交易密码是否由您本人设置和保管？：否" in page.text  # the issue, in words
    assert not problems(page.text)


def test_the_quota_report_and_360_panel_pages(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    caller, broker = other_client("call_center"), other_client("broker")
    for path in ("/callbacks/quota", "/callbacks/report?year=2001"):
        page = caller.client.get(path)
        assert page.status_code == 200 and not problems(page.text), path
    quota = caller.client.get("/api/callbacks/quota", params={"year": 2025}).json()
    assert quota["rows"] and all(r["quota"] >= r["base"] * 0.1 for r in quota["rows"])
    report = caller.client.get("/api/callbacks/report", params={"year": 2001}).json()
    assert report["total"]["made"] >= 3
    assert broker.client.get("/callbacks/quota").status_code == 403
    customer = _customers(broker)[0]
    task = _task(published, customer, dt.date(2099, 1, 1))
    panel = broker.client.get(f"/customers/{customer}/callbacks", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and f'data-callback="{task}"' in panel.text
    assert 'id="callback-new"' not in panel.text  # only compliance schedules one
    compliance = other_client("compliance")
    made = compliance.client.post(
        f"/customers/{customer}/callbacks",
        data={"csrf_token": compliance.csrf, "due_date": "2099-01-01"},
        headers={"HX-Request": "true"},
    )
    assert made.status_code == 200 and 'id="callback-panel-problem"' in made.text  # too late
    with open_store(published.settings).connect() as connection:
        mine = connection.execute(
            sa.select(sa.func.count()).where(callbacks.c.customer_id == customer)
        ).scalar_one()
    assert mine >= 1

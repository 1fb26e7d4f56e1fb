"""The churn API: a customer's score and reasons within the caller's scope (404 outside it, as
for an unknown customer), and a clear answer before any model or score exists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pyarrow as pa

from brokerlens.churn.service import churn_models
from web.conftest import Published, SignedIn

SCORED = dt.date(2025, 3, 3)  # the small brokerage's first day: before the served date


def _ids(me: SignedIn) -> list[str]:
    body = me.client.get("/api/customers", params={"page_size": 200}).json()
    return [r["customer_id"] for r in body["data"]]


def _write_scores(home: Published, ids: list[str]) -> None:
    n = len(ids)
    table = pa.table(
        {
            "as_of": pa.array([SCORED] * n, pa.date32()),
            "customer_id": ids,
            "branch_id": ["B"] * n,
            "probability": [0.5 / (i + 1) for i in range(n)],
            "raw_score": [0.5 / (i + 1) for i in range(n)],
            "rank": list(range(1, n + 1)),
            "reasons_zh": ["近20日净转出 41.2万元，占资产 83%；60个交易日以上无交易"] * n,
            "reasons_en": ["net transfers out of 412k over 20 days, 83% of assets; no trade"] * n,
            "model_version": pa.array([1] * n, pa.int32()),
        }
    )
    churn_models(home.settings).write_scores(SCORED, table)


def test_a_customers_churn_score_in_scope_and_404_outside(
    sign_in: Callable[[str], SignedIn],
    published: Published,
) -> None:
    hq = sign_in("hq_marketing")
    everyone = _ids(hq)
    before = hq.client.get(f"/api/customers/{everyone[0]}/churn")
    assert before.status_code == 404 and "brokerlens churn fit" in before.text
    _write_scores(published, everyone)
    me = sign_in("broker")
    mine = _ids(me)
    cid = mine[0]
    answer = me.client.get(f"/api/customers/{cid}/churn")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["customer_id"] == cid and body["score_date"] == SCORED.isoformat()
    # Ranks and totals are the broker's own (issue 14 F8): not the firm's.
    ranked = [c for c in everyone if c in set(mine)]
    assert body["rank"] == ranked.index(cid) + 1
    assert body["reasons_zh"] == ["近20日净转出 41.2万元，占资产 83%", "60个交易日以上无交易"]
    assert body["reasons_en"][0] == "net transfers out of 412k over 20 days, 83% of assets"
    assert body["customers_scored"] == len(ranked) < len(everyone)
    assert body["history"][0]["rank"] == body["rank"]
    last = me.client.get(f"/api/customers/{ranked[-1]}/churn").json()
    assert last["rank"] == len(ranked) and everyone.index(ranked[-1]) + 1 > len(ranked)
    outsider = next(c for c in everyone if c not in set(mine))
    hidden = me.client.get(f"/api/customers/{outsider}/churn")
    unknown = me.client.get("/api/customers/NO_SUCH_CUSTOMER/churn")
    assert hidden.status_code == unknown.status_code == 404
    # the same answer as for a customer that does not exist: nothing tells them apart
    assert hidden.json()["error"] == f"no customer '{outsider}'"
    assert unknown.json()["error"] == "no customer 'NO_SUCH_CUSTOMER'"
    # HQ sees every customer: the firm's rank and total
    whole = sign_in("hq_marketing").client.get(f"/api/customers/{cid}/churn").json()
    assert whole["rank"] == everyone.index(cid) + 1
    assert whole["customers_scored"] == len(everyone)

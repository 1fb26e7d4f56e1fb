"""The 360's 流失预警 panel (issue 20): the probability as a percentage, the rank among the
customers of the viewer's scope scored that day, the top reasons and the trend over the stored
score dates; a clear Chinese message before any model or score; 404 outside the scope as for
an unknown customer; every read audited as `view_churn`."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator

import pyarrow as pa
import pytest
import sqlalchemy as sa

from brokerlens.churn.kept import ChurnModel
from brokerlens.churn.service import churn_models
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log
from brokerlens.warehouse.layout import WarehouseLayout
from web.conftest import Published, SignedIn

EARLY, LATE = dt.date(2025, 3, 3), dt.date(2025, 3, 4)  # both before the served date
HX = {"HX-Request": "true"}


@pytest.fixture
def no_churn(published: Published) -> Iterator[WarehouseLayout]:
    """The published home without churn models or scores (others' are put back afterwards)."""
    layout = WarehouseLayout(published.settings.warehouse_dir)
    churn = layout.root / "churn"
    aside = layout.root / "churn.aside"
    if churn.exists():
        churn.rename(aside)
    try:
        yield layout
    finally:
        shutil.rmtree(churn, ignore_errors=True)
        if aside.exists():
            aside.rename(churn)


def _ids(me: SignedIn) -> list[str]:
    body = me.client.get("/api/customers", params={"page_size": 200}).json()
    return [r["customer_id"] for r in body["data"]]


def _scores(published: Published, day: dt.date, ids: list[str], top: float) -> None:
    n = len(ids)
    table = pa.table(
        {
            "as_of": pa.array([day] * n, pa.date32()),
            "customer_id": ids,
            "branch_id": ["B"] * n,
            "probability": [top / (i + 1) for i in range(n)],
            "raw_score": [top / (i + 1) for i in range(n)],
            "rank": list(range(1, n + 1)),
            "reasons_zh": ["近20日净转出 41.2万元，占资产 83%；60个交易日以上无交易"] * n,
            "reasons_en": ["net transfers out of 412k over 20 days, 83% of assets; no trade"] * n,
            "model_version": pa.array([1] * n, pa.int32()),
        }
    )
    churn_models(published.settings).write_scores(day, table)


def _model(published: Published) -> None:
    model = ChurnModel(
        version=1,
        fitted_at="2025-03-05T00:00:00+00:00",
        seed=1,
        lake_through=LATE.isoformat(),
        features=[],
        config={"target": {"horizon_days": 40}},
        split={},
        calibration={"x": [], "y": []},
        metrics={},
    )
    churn_models(published.settings).save(model, "tree")


def _panel(me: SignedIn, cid: str) -> str:
    response = me.client.get(f"/customers/{cid}/churn", headers=HX)
    assert response.status_code == 200, response.text
    return response.text


def _audited(published: Published, username: str) -> int:
    with open_store(published.settings).connect() as connection:
        return len(
            connection.execute(
                sa.select(audit_log.c.username).where(
                    audit_log.c.username == username, audit_log.c.action == "view_churn"
                )
            ).all()
        )


def test_the_360_shows_the_churn_panel_with_rank_reasons_and_trend(
    sign_in: Callable[[str], SignedIn], published: Published, no_churn: WarehouseLayout
) -> None:
    hq = sign_in("hq_marketing")
    everyone = _ids(hq)
    me = sign_in("broker")
    mine = _ids(me)
    cid = mine[1]
    page = me.client.get(f"/customers/{cid}").text
    assert 'id="churn-panel"' in page and f'hx-get="/customers/{cid}/churn"' in page
    # no model yet: said in Chinese, not an error
    before = _panel(me, cid)
    assert 'data-why="no-model"' in before and "尚无流失预警模型" in before
    _model(published)
    not_yet = _panel(me, cid)
    assert 'data-why="not-scored"' in not_yet and "未被评分" in not_yet
    seen = _audited(published, me.username)
    _scores(published, EARLY, everyone, 0.2)
    _scores(published, LATE, everyone, 0.9)
    html = _panel(me, cid)
    assert _audited(published, me.username) == seen + 1
    # the newest score: 0.9 / (place among everyone + 1), as a percentage
    place = everyone.index(cid)
    expected = 0.9 / (place + 1)
    shown = re.search(r'id="churn-probability">([^<]+)<', html)
    assert shown and shown.group(1).strip() == f"{expected * 100:.1f}%"
    # the rank is the broker's own: among the customers of the broker's scope
    ranked = [c for c in everyone if c in set(mine)]
    rank = re.search(r'id="churn-rank">([^<]+)<', html)
    assert rank and rank.group(1).strip() == f"第 {ranked.index(cid) + 1} 名 / 共 {len(ranked)} 名"
    assert "未来40个交易日流失概率" in html
    assert "<li>近20日净转出 41.2万元，占资产 83%</li><li>60个交易日以上无交易</li>" in html
    # the trend: the stored score dates, oldest first
    dates = re.findall(r'<tr data-date="([0-9-]+)">', html)
    assert dates == [EARLY.isoformat(), LATE.isoformat()]
    # a customer of another broker: 404, as an unknown one
    outsider = next(c for c in everyone if c not in set(mine))
    hidden = me.client.get(f"/customers/{outsider}/churn", headers=HX)
    unknown = me.client.get("/customers/NO_SUCH_CUSTOMER/churn", headers=HX)
    assert hidden.status_code == unknown.status_code == 404
    # a segment on the newest probability (issue 20): counted within the broker's scope
    top = [c for c in everyone if 0.9 / (everyone.index(c) + 1) >= 0.1]
    count = me.client.post(
        "/api/segments/count",
        json={"conditions": [{"field": "churn_probability", "op": "ge", "value": 0.1}]},
        headers=me.headers(),
    )
    assert count.status_code == 200, count.text
    assert count.json()["count"] == len([c for c in top if c in set(mine)])
    refused = me.client.post(
        "/api/segments/count",
        json={"conditions": [{"field": "churn_probability", "op": "ge", "value": 30}]},
        headers=me.headers(),
    )
    assert refused.status_code == 422 and "0.3" in refused.text
    # opened on its own (no htmx): the 360 at the panel
    moved = me.client.get(f"/customers/{cid}/churn")
    assert moved.status_code == 303 and moved.headers["location"].endswith("#churn-panel")

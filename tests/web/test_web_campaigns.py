"""Campaigns on the web, on the published small brokerage: head office creates one from a
segment and launches it; a broker may not; the run's outcome step finds the conversions in the
lake and publish applies them; the report, the pages (in Chinese) and the members' export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from brokerlens.access.snapshot import served_snapshot
from brokerlens.engine import open_engine
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.marketing.campaigns.outcomes import compute_outcomes
from brokerlens.publish.campaigns import publish_campaign_outcomes
from brokerlens.store import open_store
from brokerlens.store.marketing_schema import campaign_members
from brokerlens.store.schema import audit_log
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from support.page_text import problems
from web.conftest import Published, SignedIn


def _segment(me: SignedIn) -> int:
    made = me.client.post(
        "/api/segments",
        json={
            "name": "活动测试客户群",
            "visibility": "unit",
            "conditions": [{"field": "total_assets_t", "op": "ge", "value": 50000}],
        },
        headers=me.headers(),
    )
    assert made.status_code == 201, made.text
    return int(made.json()["segment_id"])


def _run_outcomes(published: Published, as_of: dt.date) -> int:
    """The run step's work for the served date, then publish's application of it."""
    settings = published.settings
    layout = LakeLayout(settings.lake_dir)
    lake = LakeFiles(layout, read_catalog(layout))
    engine = open_engine("duckdb", settings)
    try:
        lake.register_all(engine)
        db = open_store(settings)
        compute_outcomes(db, engine, lake, WarehouseLayout(settings.warehouse_dir), as_of)
    finally:
        engine.close()
    return publish_campaign_outcomes(open_store(settings), settings, as_of)


@pytest.fixture(scope="module")
def as_of(published: Published) -> dt.date:
    return served_snapshot(open_store(published.settings)).as_of_date


def test_a_campaign_from_a_segment_to_its_outcome(
    sign_in: Callable[[str], SignedIn], published: Published, as_of: dt.date
) -> None:
    hq = sign_in("hq_marketing")
    segment = _segment(hq)
    body = {
        "name": "交易唤醒",
        "goal": "trade",
        "segment_id": segment,
        "window_start": str(as_of - dt.timedelta(days=30)),
        "window_end": str(as_of + dt.timedelta(days=30)),
        "holdout_share": 0.2,
        "seed": 11,
    }
    made = hq.client.post("/api/campaigns", json=body, headers=hq.headers())
    assert made.status_code == 201, made.text
    campaign_id = made.json()["campaign_id"]
    assert made.json()["status"] == "draft"

    launched = hq.client.post(f"/api/campaigns/{campaign_id}/launch", headers=hq.headers())
    assert launched.status_code == 200, launched.text
    done = launched.json()
    assert done["status"] == "launched" and done["frozen_as_of"] == str(as_of)
    assert done["holdout"] == round(done["members"] * 0.2) and done["members"] > 50
    again = hq.client.post(f"/api/campaigns/{campaign_id}/launch", headers=hq.headers())
    assert again.status_code == 409

    assert _run_outcomes(published, as_of) > 0
    report = hq.client.get(f"/api/campaigns/{campaign_id}/report")
    assert report.status_code == 200, report.text
    total = report.json()["total"]
    assert total["treatment"]["members"] + total["holdout"]["members"] == done["members"]
    converted = total["treatment"]["converted"] + total["holdout"]["converted"]
    assert converted > 0
    assert total["uplift"] == pytest.approx(total["treatment"]["rate"] - total["holdout"]["rate"])
    assert total["ci_low"] <= total["uplift"] <= total["ci_high"]
    assert report.json()["branches"] and report.json()["brokers"]

    hq.client.cookies.set("lang", "zh")
    page = hq.client.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200
    for text in ("实验组", "对照组", "个百分点", "按营业部", "按经纪人", "活动量"):
        assert text in page.text
    listed = hq.client.get("/campaigns")
    assert listed.status_code == 200 and "交易唤醒" in listed.text
    assert problems(page.text) == [] and problems(listed.text) == []
    assert problems(hq.client.get("/campaigns/new").text) == []

    exported = hq.client.get(f"/api/campaigns/{campaign_id}/members")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert len(rows) - 1 == done["members"]
    with open_store(published.settings).connect() as connection:
        audited = connection.execute(
            sa.select(audit_log.c.customer_count).where(
                audit_log.c.action == "export", audit_log.c.username == hq.username
            )
        ).scalars()
        assert done["members"] in list(audited)
        frozen = connection.execute(
            sa.select(sa.func.count()).where(
                campaign_members.c.campaign_id == campaign_id,
                campaign_members.c.converted_on.is_not(None),
            )
        ).scalar_one()
    assert frozen == converted


def test_a_broker_reads_but_does_not_create(
    sign_in: Callable[[str], SignedIn], as_of: dt.date
) -> None:
    broker = sign_in("broker")
    body = {
        "name": "越权",
        "goal": "deposit",
        "segment_id": 1,
        "window_start": str(as_of),
        "window_end": str(as_of),
    }
    refused = broker.client.post("/api/campaigns", json=body, headers=broker.headers())
    assert refused.status_code == 403
    assert broker.client.get("/api/campaigns").status_code == 200
    page = broker.client.get("/campaigns")
    assert page.status_code == 200 and 'id="new-campaign"' not in page.text
    assert broker.client.get("/api/campaigns/999999").status_code == 404


def test_bad_input_names_the_field(sign_in: Callable[[str], SignedIn], as_of: dt.date) -> None:
    hq = sign_in("hq_marketing")
    body = {
        "name": "倒置",
        "goal": "deposit",
        "segment_id": _segment(hq),
        "window_start": str(as_of),
        "window_end": str(as_of - dt.timedelta(days=1)),
    }
    answer = hq.client.post("/api/campaigns", json=body, headers=hq.headers())
    assert answer.status_code in (400, 422) and "window_end" in answer.text
    unknown = hq.client.post(
        "/api/campaigns", json={**body, "goal": "lottery"}, headers=hq.headers()
    )
    assert unknown.status_code == 422


def test_the_form_creates_a_draft(sign_in: Callable[[str], SignedIn], as_of: dt.date) -> None:
    manager = sign_in("branch_manager")
    segment = _segment(manager)
    form = manager.client.get("/campaigns/new")
    assert form.status_code == 200 and "活动测试客户群" in form.text
    posted = manager.client.post(
        "/campaigns",
        data={
            "csrf_token": manager.csrf,
            "name": "网点入金",
            "goal": "deposit",
            "window_start": str(as_of),
            "window_end": str(as_of + dt.timedelta(days=20)),
            "channel": "wechat",
            "holdout": "10",
            "threshold_yuan": "20000",
            "source": "segment",
            "segment_id": str(segment),
        },
    )
    assert posted.status_code == 303, posted.text
    shown = manager.client.get(posted.headers["location"])
    assert shown.status_code == 200 and 'id="launch-campaign"' in shown.text
    assert "草稿" in shown.text and problems(shown.text) == []

"""The channel and timing analyses on the web (issue 22 section 3), over the published small
brokerage: a branch manager sees their branch's numbers only, head office every branch, the
staff roles none; the timing's weekday totals are the sums of the days; the pages render in
Chinese and English and bad input is a 4xx naming the parameter."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa

from brokerlens.store import open_store
from brokerlens.store.schema import users
from support.page_text import problems
from web.conftest import Published, SignedIn

STAGES = ["opened", "funded", "traded", "active_3m", "active_12m"]


def _unit_of(published: Published, role: str) -> str:
    username = published.users[role][0]
    with open_store(published.settings).connect() as connection:
        unit = connection.execute(
            sa.select(users.c.unit_id).where(users.c.username == username)
        ).scalar()
    assert unit
    return str(unit)


def _counts(funnel: dict[str, object]) -> list[int]:
    stages = funnel["stages"]
    assert isinstance(stages, list)
    return [s["customers"] for s in stages]


def test_head_office_sees_every_channel_through_a_funnel_that_never_grows(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    body = me.client.get("/api/analysis/channels").json()
    assert [c["key"] for c in body["channels"]][:5] == [
        "branch",
        "online",
        "bank",
        "app",
        "referral",
    ]
    total = _counts(body["total"])
    assert total[0] > 0
    assert total == [sum(_counts(c)[i] for c in body["channels"]) for i in range(5)]
    assert total == [sum(_counts(b)[i] for b in body["branches"]) for i in range(5)]
    for line in [*body["channels"], *body["branches"]]:
        assert _counts(line) == sorted(_counts(line), reverse=True)
    # 12 days in March: month 3 is due for nobody, so nobody is counted lost at it
    three = body["total"]["stages"][3]
    assert three["due"] == 0 and three["not_yet_due"] == total[0] and three["rate"] is None


def test_a_branch_manager_sees_their_branch_only(
    sign_in: Callable[[str], SignedIn],
    other_client: Callable[[str], SignedIn],
    published: Published,
) -> None:
    branch = _unit_of(published, "branch_manager")
    hq = other_client("hq_marketing")
    whole = hq.client.get("/api/analysis/channels").json()
    own = hq.client.get("/api/analysis/channels", params={"branch": branch}).json()
    me = sign_in("branch_manager")
    mine = me.client.get("/api/analysis/channels").json()
    assert [b["branch_id"] for b in mine["branch_choices"]] == [branch]
    assert {b["key"] for b in mine["branches"]} <= {branch}
    assert mine["total"] == own["total"]
    expected = next((b for b in whole["branches"] if b["key"] == branch), None)
    assert _counts(mine["total"]) == (_counts(expected) if expected else [0] * 5)
    timing = me.client.get("/api/analysis/timing").json()
    assert (
        timing["totals"]
        == hq.client.get("/api/analysis/timing", params={"branch": branch}).json()["totals"]
    )
    assert (
        timing["totals"]["trades"]
        < hq.client.get("/api/analysis/timing").json()["totals"]["trades"]
    )
    other = next(b["branch_id"] for b in whole["branch_choices"] if b["branch_id"] != branch)
    for url in ("/api/analysis/channels", "/api/analysis/timing"):
        assert me.client.get(url, params={"branch": other}).status_code == 404


@pytest.mark.parametrize("role", ["broker", "team_lead", "admin"])
def test_roles_without_branch_figures_are_refused(
    role: str, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in(role)
    for url in ("/api/analysis/channels", "/api/analysis/timing", "/analysis/timing"):
        assert me.client.get(url).status_code == 403, url


def test_the_weekday_and_month_totals_are_the_sums_of_the_days(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("compliance")
    body = me.client.get("/api/analysis/timing").json()
    totals = body["totals"]
    for buckets in (body["weekdays"], body["months"]):
        assert sum(Decimal(b["turnover"]) for b in buckets) == Decimal(totals["turnover"])
        assert sum(b["trades"] for b in buckets) == totals["trades"]
        assert sum(b["new_accounts"] for b in buckets) == totals["new_accounts"]
    assert [b["key"] for b in body["weekdays"]] == ["1", "2", "3", "4", "5"]
    assert sum(Decimal(d["turnover"]) for d in body["days"]) == Decimal(totals["turnover"])
    assert body["index_id"] == "000001.SH"
    assert body["days_used"] == 12 and -1 <= body["correlation"] <= 1


def test_the_reads_are_audited(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("compliance")
    me.client.get("/api/analysis/channels")
    me.client.get("/api/analysis/timing")
    rows = me.client.get("/api/audit", params={"page_size": 20}).json()["data"]
    actions = {r["action"] for r in rows}
    assert {"view_channels", "view_timing"} <= actions


BAD_INPUT = [
    ("/api/analysis/channels", {"channel": "carrier-pigeon"}, 422),
    ("/api/analysis/channels", {"as_of": "2025-13-01"}, 422),
    ("/api/analysis/channels", {"as_of": "2024-01-02"}, 404),
    ("/api/analysis/timing", {"branch": "x" * 65}, 422),
    ("/analysis/channels", {"channel": "carrier-pigeon"}, 422),
]


def test_bad_input_is_refused_naming_the_parameter(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    for url, params, status in BAD_INPUT:
        response = me.client.get(url, params=params)
        assert response.status_code == status, (url, params, response.text)
        if status == 422 and url.startswith("/api"):
            assert next(iter(params)) in response.text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_pages_render_in_both_languages(
    language: str, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("hq_marketing")  # the small brokerage opens its few accounts in some branches
    me.client.cookies.set("lang", language)
    home = me.client.get("/").text
    assert 'href="/analysis/channels"' in home and 'href="/analysis/timing"' in home
    channels = me.client.get("/analysis/channels")
    timing = me.client.get("/analysis/timing")
    assert channels.status_code == 200 and timing.status_code == 200
    words = {"zh": ("开户转化漏斗", "按星期"), "en": ("Account funnel", "By weekday")}[language]
    assert words[0] in channels.text and words[1] in timing.text
    assert 'data-kind="stagebars"' in channels.text
    assert 'data-kind="scatter"' in timing.text and 'id="tim-correlation"' in timing.text
    if language == "zh":
        assert problems(channels.text) == [] and problems(timing.text) == []
        assert "亿" in timing.text or "万" in timing.text  # amounts read the Chinese way

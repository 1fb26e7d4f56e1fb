"""Business dashboards (issue 22 section 2) over the published small brokerage: head office's
figures add up over the branches and match the lake, the ranking lists the units below, scope
per role (404 outside it, 403 for a role with no dashboards), bad parameters named, the pages in
Chinese and English with their drill-down links, and the audit row."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.access.dashboard import PERIODS, Dashboard, dashboard
from brokerlens.auth import get_user
from brokerlens.auth.users import principal_of
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log, org_units, staff, users
from brokerlens.warehouse import run_query
from brokerlens.warehouse.served import kept_file, newest_date
from support.page_text import problems
from web.conftest import Published, SignedIn

ADDITIVE = ("customers", "turnover", "net_commission")


def _principal(published: Published, role: str) -> object:
    db = open_store(published.settings)
    return principal_of(get_user(db, published.users[role][0]))


def _card(found: Dashboard, metric: str, period: str) -> Decimal | None:
    card = next(c for c in found.cards if c.metric.id == metric)
    return next(f.value for f in card.figures if f.period == period)


def _children(published: Published, unit_id: str) -> set[str]:
    with open_store(published.settings).connect() as connection:
        rows = connection.execute(
            sa.select(org_units.c.unit_id).where(org_units.c.parent_id == unit_id)
        )
        return {str(r) for r in rows.scalars()}


def test_head_office_adds_up_over_the_branches_and_matches_the_lake(
    published: Published,
) -> None:
    settings = published.settings
    db = open_store(settings)
    hq_user = _principal(published, "hq_marketing")
    hq = dashboard(db, settings, hq_user)  # type: ignore[arg-type]
    assert hq.unit.level == "hq"
    # the ranking lists exactly the units below: head office its regions, a region its branches
    regions = [r for r in hq.rankings if r.level == "region"]
    assert regions and {row.unit.unit_id for row in regions[0].rows} == _children(
        published, hq.unit.unit_id
    )
    branches: list[Dashboard] = []
    for region in regions[0].rows:
        seen = dashboard(db, settings, hq_user, "region", region.unit.unit_id)  # type: ignore[arg-type]
        ranked = {row.unit.unit_id for r in seen.rankings for row in r.rows}
        assert ranked == _children(published, region.unit.unit_id)
        for branch in ranked:
            branches.append(dashboard(db, settings, hq_user, "branch", branch))  # type: ignore[arg-type]
    assert len(branches) >= 2
    for metric in ADDITIVE:
        for period in PERIODS:
            total = sum((_card(b, metric, period) or Decimal(0)) for b in branches)
            assert _card(hq, metric, period) == total, (metric, period)
    # a branch ranks its teams (the units below it) and its staff with business
    branch = branches[0]
    teams = {row.unit.unit_id for r in branch.rankings if r.level == "team" for row in r.rows}
    assert teams == _children(published, branch.unit.unit_id)
    path = kept_file(settings, "metrics", branch.as_of)
    assert path is not None
    staff_rows = pq.read_table(
        path, filters=[("level", "=", "staff"), ("metric", "=", "net_commission")]
    ).column("unit_id")
    ranked_staff = [row for r in branch.rankings if r.level == "staff" for row in r.rows]
    assert ranked_staff and {row.unit.unit_id for row in ranked_staff} <= set(
        staff_rows.to_pylist()
    )
    values = [row.value for row in ranked_staff if row.value is not None]
    assert values == sorted(values, reverse=True)  # best first
    # the day's turnover is the lake's traded amount of T, IPO applications not counted
    day = hq.as_of.isoformat()
    lake = run_query(
        settings,
        "SELECT sum(amount) FROM trades WHERE biz_date = DATE "
        f"'{day}' AND trade_type <> 'ipo_subscribe'",
    ).rows[0][0]
    assert _card(hq, "turnover", "day") == Decimal(lake)
    assert newest_date(settings, "metrics") == hq.as_of


def test_each_role_opens_its_own_level_and_nothing_outside_it(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("branch_manager")
    unit = me.client.get("/api/me").json()["user"]["unit_id"]
    own = me.client.get("/api/dashboard")
    assert own.status_code == 200, own.text
    body = own.json()
    assert (body["unit"]["level"], body["unit"]["unit_id"]) == ("branch", unit)
    assert body["path"] == []  # the region above is not theirs to open
    assert me.client.get(f"/api/dashboard/branch/{unit}").status_code == 200
    with open_store(published.settings).connect() as connection:
        other = connection.execute(
            sa.select(org_units.c.unit_id)
            .where(org_units.c.unit_type == "branch", org_units.c.unit_id != unit)
            .order_by(org_units.c.unit_id)
            .limit(1)
        ).scalar_one()
        parent = connection.execute(
            sa.select(org_units.c.parent_id).where(org_units.c.unit_id == unit)
        ).scalar_one()
    assert me.client.get(f"/api/dashboard/branch/{other}").status_code == 404
    assert me.client.get(f"/dashboard/branch/{other}").status_code == 404
    assert me.client.get(f"/api/dashboard/region/{parent}").status_code == 404
    # a broker sees themselves, not their team; the call centre no dashboard
    broker = sign_in("broker")
    mine = broker.client.get("/api/dashboard").json()
    assert mine["unit"]["level"] == "staff" and mine["rankings"] == [] and mine["cuts"] == []
    with open_store(published.settings).connect() as connection:
        staff_id, own_unit = connection.execute(
            sa.select(users.c.staff_id, staff.c.unit_id)
            .join(staff, staff.c.staff_id == users.c.staff_id)
            .where(users.c.username == published.users["broker"][0])
        ).one()
        kind = connection.execute(
            sa.select(org_units.c.unit_type).where(org_units.c.unit_id == own_unit)
        ).scalar_one()
    assert mine["unit"]["unit_id"] == staff_id
    team_url = f"/api/dashboard/{kind}/{own_unit}"
    assert broker.client.get(team_url).status_code == 404  # their own team's is not theirs
    assert sign_in("hq_marketing").client.get(team_url).status_code == 200
    assert sign_in("call_center").client.get("/api/dashboard").status_code == 403


def test_bad_parameters_name_the_parameter(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    for params, name in (
        ({"metric": "happiness"}, "metric"),
        ({"period": "quarter"}, "period"),
        ({"dimension": "planet"}, "dimension"),
        ({"metric": "product_sales", "dimension": "tier"}, "dimension"),  # not a cut of it
    ):
        answer = me.client.get("/api/dashboard", params=params)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"].startswith(f"{name}:"), answer.text
    wrong_level = me.client.get("/api/dashboard/planet/U00001")
    assert wrong_level.status_code == 422 and "level" in wrong_level.json()["error"]
    assert me.client.get("/api/dashboard/region/NO-SUCH-UNIT").status_code == 404
    page = me.client.get("/dashboard", params={"metric": "happiness"})
    assert page.status_code == 422 and "指标" in page.text


def test_pages_drill_down_in_chinese_and_english(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("hq_marketing")
    me.client.cookies.set("lang", "zh")
    page = me.client.get("/dashboard", params={"metric": "active_rate", "period": "day"})
    assert page.status_code == 200, page.text[:500]
    assert problems(page.text) == []
    assert 'id="dash-ranking-region"' in page.text and 'data-kind="dash"' in page.text
    assert "活跃率" in page.text and "个百分点" in page.text  # a rate's change in points
    api = me.client.get("/api/dashboard", params={"metric": "active_rate", "period": "day"})
    region = api.json()["rankings"][0]["rows"][0]["unit"]
    link = f"/dashboard/region/{region['unit_id']}?metric=active_rate&amp;period=day"
    assert link in page.text
    # down the tree to a staff member, whose dashboard links to their customers
    level, unit_id = region["level"], region["unit_id"]
    while level != "staff":
        down = me.client.get(f"/api/dashboard/{level}/{unit_id}").json()["rankings"]
        row = next(r for ranking in reversed(down) for r in ranking["rows"])
        level, unit_id = row["unit"]["level"], row["unit"]["unit_id"]
        shown = me.client.get(f"/dashboard/{level}/{unit_id}")
        assert shown.status_code == 200 and problems(shown.text) == [], (level, unit_id)
    assert f'href="/customers?staff_id={unit_id}"' in shown.text
    me.client.cookies.set("lang", "en")
    english = me.client.get("/dashboard")
    assert english.status_code == 200 and "Business dashboard" in english.text
    assert "MoM" in english.text and "Net commission" in english.text
    with open_store(published.settings).connect() as connection:
        details = connection.execute(
            sa.select(audit_log.c.detail).where(
                audit_log.c.username == me.username,
                audit_log.c.action == "dashboard_view",
            )
        ).scalars()
        viewed = [(d["level"], d["business_metric"], d["period"]) for d in details]
    assert ("hq", "active_rate", "day") in viewed, viewed

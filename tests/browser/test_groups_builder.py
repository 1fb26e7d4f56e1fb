"""A nested customer group in a real browser (issue 25), on a home of its own (it publishes a
second date; the shared home stays as the other browser tests expect it): head office builds
满足任一 (two conditions) and 不满足 (one) in the builder, watching each node's live count; saves
it; shares it read-only with a broker through the share panel. The broker sees the group with
only their own customers in it and no way to change it. After the next date is published and
the groups refreshed (server-side, as the daily run does), the history page shows who entered and
left on each date, for head office and, cut to their scope, for the broker.

Every count and member list is checked against one computed here from the customer list of each
user's scope (access.list_customers) and the conditions applied in Python."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from brokerlens.access import CustomerQuery, list_customers, refresh_group_members
from brokerlens.auth import get_user, principal_of
from brokerlens.auth.principal import Role
from brokerlens.config import load_settings
from brokerlens.store import dispose_engines, open_store
from browser.conftest import Served, serving
from support.brokerage import Brokerage, published_home

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAME = "浏览器测试：嵌套分组"
# any(total_assets_t >= RICH, total_assets_t < POOR) and not(total_assets_t < DUST): chosen on the
# small brokerage so that between its last two dates some customers cross RICH both ways
RICH, POOR, DUST = 66500, 1000, 20


@dataclass(frozen=True)
class GroupHome:
    served: Served
    days: list[dt.date]  # the lake's dates: the last two are served in turn


def _lake_days(brokerage: Brokerage) -> list[dt.date]:
    names = (p.name for p in brokerage.inbox.iterdir() if p.is_dir())
    return sorted(dt.date.fromisoformat(n) for n in names if n[:2] == "20")


@pytest.fixture(scope="module")
def group_home(
    small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GroupHome]:
    """The small brokerage's lake, copied, computed and published as of its next-to-last date,
    and served."""
    from brokerlens.pipeline import run_pipeline

    home = tmp_path_factory.mktemp("groups_builder") / "home"
    settings = load_settings(home=home)
    # the lake only: another test may have computed the shared home up to its last date, which
    # the publish below would serve
    shutil.copytree(small_brokerage.settings.lake_dir, settings.lake_dir)
    days = _lake_days(small_brokerage)
    run_pipeline(settings, as_of=days[-2])
    users = published_home(home)
    with serving(home, users, home.parent) as served:
        yield GroupHome(served, days)


def _sign_in(page: Any, served: Served, role: Role) -> None:
    page.context.clear_cookies()
    username, password = served.users[str(role)]
    page.goto(f"{served.base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))


def _assets(served: Served, role: Role) -> dict[str, float | None]:
    """total_assets_t of every customer in the user's scope on the served date."""
    db = open_store(load_settings(home=served.home))
    principal = principal_of(get_user(db, served.users[str(role)][0]))
    found: dict[str, float | None] = {}
    number = 1
    while True:
        page = list_customers(db, principal, CustomerQuery(page=number, page_size=200))
        found |= {r["customer_id"]: r["total_assets_t"] for r in page.rows}
        if len(found) >= page.total or not page.rows:
            break
        number += 1
    dispose_engines()
    return found


def _ids(assets: dict[str, float | None], test: Any) -> set[str]:
    return {c for c, a in assets.items() if a is not None and test(a)}


def _members(assets: dict[str, float | None]) -> set[str]:
    return _ids(assets, lambda a: (a >= RICH or a < POOR) and not a < DUST)


def _shown(number: int) -> str:
    return f"{number:,}"


def _tree_swapped(page: Any, action: Any, node: str, kind: str) -> None:
    """Click a builder button and wait for the tree it returns (with node `node` of `kind`)."""
    with page.expect_response(lambda r: "/segments/builder?" in r.url and r.status == 200):
        action.click()
    page.locator(f"#tree [data-node='{node}'][data-kind='{kind}']").wait_for()


def _condition(page: Any, node: str, op: str, value: int) -> None:
    leaf = page.locator(f"#tree [data-node='{node}']")
    leaf.locator("select[name=field]").select_option("total_assets_t")
    leaf.locator("select[name=op]").select_option(op)
    leaf.locator("input[name=value]").fill(str(value))


def _history(page: Any) -> dict[str, tuple[int, int, int]]:
    rows = page.locator("#group-days tbody tr")
    found = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        found[row.get_attribute("data-date")] = tuple(
            int(row.locator(f"[data-{k}]").get_attribute(f"data-{k}"))
            for k in ("entered", "left", "members")
        )
    return found


def _changes(page: Any) -> dict[str, str]:
    rows = page.locator("#group-change-rows tbody tr")
    return {
        rows.nth(i).get_attribute("data-customer"): rows.nth(i).get_attribute("data-change")
        for i in range(rows.count())
    }


def test_a_nested_group_built_shared_and_its_history(page: Any, group_home: GroupHome) -> None:
    from playwright.sync_api import expect

    served, days = group_home.served, group_home.days
    base = served.base_url
    hq_before, broker_before = _assets(served, Role.HQ_MARKETING), _assets(served, Role.BROKER)
    assert set(broker_before) < set(hq_before)  # the broker's scope is a part of the book
    hq_members = _members(hq_before)

    # head office builds 满足任一 (two conditions) and 不满足 (one)
    _sign_in(page, served, Role.HQ_MARKETING)
    page.goto(f"{base}/segments/new")
    page.fill("#builder input[name=name]", NAME)
    top = page.locator("#tree > .gnode-add[data-at='']")
    _tree_swapped(page, top.locator("[data-add=any]"), "1", "any")
    inner = page.locator("#tree .gnode-add[data-at='1']")
    _tree_swapped(page, inner.locator("[data-add=leaf]"), "1.1", "leaf")
    _tree_swapped(page, top.locator("[data-add=not]"), "2", "not")
    _tree_swapped(page, page.locator("#tree [data-remove='0']"), "0", "any")  # the empty one
    assert page.locator("#tree > #cond-rows > .gnode").evaluate_all(
        "nodes => nodes.map(n => n.dataset.kind)"
    ) == ["any", "not"]
    assert "满足任一" in page.inner_text("#tree [data-node='0'] .gnode-head")
    assert "不满足" in page.inner_text("#tree [data-node='1'] .gnode-head")

    # each node's count follows the conditions as they are filled in
    rich = _ids(hq_before, lambda a: a >= RICH)
    _condition(page, "0.0", "ge", RICH)
    expect(page.locator("#nc-0-0")).to_have_text(_shown(len(rich)))
    expect(page.locator("#nc-0")).to_have_text(_shown(len(rich)))  # the OR of one so far
    _condition(page, "0.1", "lt", POOR)
    poor = _ids(hq_before, lambda a: a < POOR)
    expect(page.locator("#nc-0-1")).to_have_text(_shown(len(poor)))
    expect(page.locator("#nc-0")).to_have_text(_shown(len(rich | poor)))
    expect(page.locator("#live-count-value")).to_have_text(_shown(len(rich | poor)))
    _condition(page, "1.0", "lt", DUST)
    dust = _ids(hq_before, lambda a: a < DUST)
    expect(page.locator("#nc-1-0")).to_have_text(_shown(len(dust)))
    expect(page.locator("#nc-1")).to_have_text(_shown(len(hq_before) - len(dust)))
    expect(page.locator("#live-count-value")).to_have_text(_shown(len(hq_members)))
    assert len(hq_members) < len(rich | poor)  # the NOT takes some out

    page.click("#save-group")
    page.wait_for_url(re.compile(r".*/segments/\d+$"))
    gid = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#live-count-value")).to_have_text(_shown(len(hq_members)))
    assert page.locator("#tree [data-node='0.1'] input[name=value]").input_value() == str(POOR)

    # shared read-only with the broker through the share panel
    broker_name = served.users[str(Role.BROKER)][0]
    share = page.locator("#share-form")
    share.locator("input[name=user]").fill(broker_name)
    share.locator("select[name=access]").select_option("read")
    share.locator("button[type=submit]").click()
    shared = page.locator("#share-list tbody tr", has_text=broker_name)
    expect(shared).to_contain_text("只读")

    # the broker sees the group, only their own customers in it, and cannot change it
    broker_members = _members(broker_before)
    assert broker_members and broker_members < hq_members
    _sign_in(page, served, Role.BROKER)
    page.goto(f"{base}/segments")
    listed = page.locator("#segments tbody tr", has_text=NAME)
    expect(listed).to_contain_text("共享给我（只读）")
    assert listed.locator("td.num").inner_text() == _shown(len(broker_members))
    listed.locator("a").click()
    page.wait_for_url(re.compile(rf".*/segments/{gid}$"))
    expect(page.locator("#group-shared")).to_have_text("共享给我（只读）")
    expect(page.locator("#live-count-value")).to_have_text(_shown(len(broker_members)))
    assert f"{len(broker_members):,}" in page.inner_text("#members-table .table-foot")
    shown = set(page.locator("#members-table tbody tr td:first-child a").all_inner_texts())
    assert shown and shown <= broker_members
    listed_all = page.request.get(f"{base}/api/segments/{gid}/members?page_size=200")
    assert listed_all.ok, listed_all.text()
    assert {r["customer_id"] for r in listed_all.json()["data"]} == broker_members
    for editing in ("#save-group", "[data-add]", "[data-remove]", "#share-form"):
        assert page.locator(editing).count() == 0, editing
    assert page.locator(f"form[action='/segments/{gid}/delete']").count() == 0
    csrf = page.locator("#builder input[name=csrf_token]").input_value()
    refused = page.request.post(
        f"{base}/segments/{gid}",
        form={
            "csrf_token": csrf,
            "name": "改名",
            "node": "0|leaf",
            "field": "total_assets_t",
            "op": "ge",
            "value": "0",
        },
    )
    assert refused.status == 403
    assert page.request.get(f"{base}/api/segments/{gid}").json()["name"] == NAME

    # the next date published, the groups refreshed before and after it, as the daily run does
    from brokerlens.pipeline import run_pipeline
    from brokerlens.publish import publish

    settings = load_settings(home=served.home)
    assert refresh_group_members(open_store(settings), settings) >= 1
    run_pipeline(settings, as_of=days[-1])
    assert publish(settings).as_of_date == days[-1]
    assert refresh_group_members(open_store(settings), settings) >= 1
    dispose_engines()
    hq_after, broker_after = (
        _members(_assets(served, Role.HQ_MARKETING)),
        _members(_assets(served, Role.BROKER)),
    )
    before, after = days[-2].isoformat(), days[-1].isoformat()
    assert hq_after - hq_members and hq_members - hq_after  # some enter, some leave

    # the history page: entered / left per date, and who on the newest date
    _sign_in(page, served, Role.HQ_MARKETING)
    page.goto(f"{base}/segments/{gid}")
    page.click("#link-history")
    page.wait_for_url(re.compile(rf".*/segments/{gid}/history$"))
    assert _history(page) == {
        before: (len(hq_members), 0, len(hq_members)),
        after: (len(hq_after - hq_members), len(hq_members - hq_after), len(hq_after)),
    }
    changes = _changes(page)
    assert changes == {c: "entered" for c in hq_after - hq_members} | {
        c: "left" for c in hq_members - hq_after
    }
    assert "总资产" in page.inner_text("#group-change-rows")  # why, in the condition's words

    # the broker's history holds only the broker's customers
    _sign_in(page, served, Role.BROKER)
    page.goto(f"{base}/segments/{gid}/history")
    assert _history(page) == {
        before: (len(broker_members), 0, len(broker_members)),
        after: (
            len(broker_after - broker_members),
            len(broker_members - broker_after),
            len(broker_after),
        ),
    }
    assert set(_changes(page)) == broker_after ^ broker_members

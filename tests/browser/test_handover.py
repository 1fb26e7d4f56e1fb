"""A departing broker's book handed over in a real browser, on a home of its own (the shared one
stays as the other browser tests expect it): the administrator cannot disable the broker's
account while the book is left; the branch manager previews and requests the handover of the
whole book to a colleague in another branch; head office approves it in 待审批; the colleague's
customer list now shows those customers and the departing broker's is empty; then the account
is disabled."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from brokerlens.auth import get_user
from brokerlens.auth.principal import Role
from brokerlens.auth.users import add_user
from brokerlens.config import load_settings
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.schema import relationships, serving, snapshots, staff
from browser.conftest import Served
from browser.conftest import serving as serve_home
from support.brokerage import Brokerage, published_home

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COLLEAGUE = ("colleague", "Tongshi-pw-19x")


def _day(db: sa.Engine) -> Any:
    with db.connect() as connection:
        return connection.execute(
            sa.select(snapshots.c.as_of_date).join(
                serving, serving.c.snapshot_id == snapshots.c.snapshot_id
            )
        ).scalar_one()


def _book(db: sa.Engine, staff_id: str) -> set[str]:
    day = _day(db)
    r = relationships
    with db.connect() as connection:
        return set(
            connection.execute(
                sa.select(r.c.customer_id).where(
                    r.c.staff_id == staff_id,
                    r.c.start_date <= day,
                    sa.or_(r.c.end_date.is_(None), r.c.end_date > day),
                )
            ).scalars()
        )


def _colleague(db: sa.Engine, giver: str) -> str:
    """A broker outside the departing broker's team, who gets an account."""
    with db.connect() as connection:
        team = connection.execute(sa.select(staff.c.unit_id).where(staff.c.staff_id == giver))
        found = connection.execute(
            sa.select(staff.c.staff_id)
            .where(
                staff.c.position == "broker",
                staff.c.leave_date.is_(None),
                staff.c.unit_id != team.scalar(),
            )
            .order_by(staff.c.staff_id)
            .limit(1)
        ).scalar_one()
    return str(found)


@pytest.fixture(scope="module")
def handover_home(
    small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, str, str]]:
    from brokerlens.ingest import ingest_inbox
    from brokerlens.pipeline import run_pipeline

    home = tmp_path_factory.mktemp("handover") / "home"
    settings = load_settings(home=home)
    assert ingest_inbox(settings, small_brokerage.inbox).exit_code == 0
    run_pipeline(settings)
    users = published_home(home)
    db = open_store(settings)
    giver = str(get_user(db, users[str(Role.BROKER)][0]).staff_id)
    colleague = _colleague(db, giver)
    add_user(
        db,
        username=COLLEAGUE[0],
        display_name="同事",
        role=Role.BROKER,
        password=COLLEAGUE[1],
        staff_id=colleague,
    )
    users["colleague"] = COLLEAGUE
    dispose_engines()
    with serve_home(home, users, home.parent) as served:
        yield served, giver, colleague


def _sign_in(page: Any, served: Served, who: str) -> None:
    page.context.clear_cookies()
    username, password = served.users[who]
    page.goto(f"{served.base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))


def _disable(page: Any, served: Served, username: str) -> None:
    _sign_in(page, served, str(Role.ADMIN))
    page.goto(f"{served.base_url}/users")
    row = page.locator("#users tr", has_text=username)
    row.locator(f"form[action='/users/{username}/disable'] button").click()
    page.wait_for_load_state()


def test_a_departing_broker_s_book_goes_to_a_colleague(
    page: Any, handover_home: tuple[Served, str, str]
) -> None:
    served, giver, colleague = handover_home
    db = open_store(load_settings(home=served.home))
    book = _book(db, giver)
    assert book and not book & _book(db, colleague)
    departing = served.users[str(Role.BROKER)][0]

    _disable(page, served, departing)  # refused: the book is left
    assert "名下仍有客户" in page.inner_text("[role=alert]")
    assert get_user(db, departing).active

    _sign_in(page, served, str(Role.BRANCH_MANAGER))
    page.click("#nav-handovers")
    page.wait_for_url(re.compile(r".*/handovers$"))
    page.fill("input[name=giver_id]", giver)
    page.fill("input[name=receiver_id]", colleague)
    page.fill("textarea[name=reason]", "离职移交")
    page.click("#preview-handover")
    page.wait_for_selector("#handover-preview")
    assert page.inner_text("#preview-count") == str(len(book))
    shown = {
        page.locator("#preview-customers tbody tr").nth(i).get_attribute("data-customer")
        for i in range(page.locator("#preview-customers tbody tr").count())
    }
    assert shown <= book and len(shown) == min(200, len(book))  # the first 200 listed
    page.click("#request-handover")
    page.wait_for_url(re.compile(r".*/handovers/\d+$"))
    assert page.get_attribute("#handover-detail", "data-status") == "pending"
    approval = page.get_attribute("#handover-approval", "href")
    assert _book(db, giver) == book  # nothing moved before the approval

    _sign_in(page, served, str(Role.HQ_MARKETING))  # the colleague is in another branch
    page.goto(f"{served.base_url}{approval}")
    page.fill("#approval-comment", "同意")
    page.click("#approve")
    page.wait_for_selector("#approval-effect")
    assert page.get_attribute("#approval-status", "data-status") == "approved"

    _sign_in(page, served, "colleague")
    for customer in sorted(book)[:3]:
        page.goto(f"{served.base_url}/customers?search={customer}")
        assert customer in page.inner_text("#customer-table")
    _sign_in(page, served, str(Role.BROKER))
    page.goto(f"{served.base_url}/customers")
    assert "共 0 位客户" in page.inner_text("#customer-table")

    _disable(page, served, departing)
    assert not get_user(db, departing).active

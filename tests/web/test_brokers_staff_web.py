"""Staff and unit pages over the published small brokerage (issue 19 part E): the page and its
slots, the JSON, scope per role (404 out of scope, 403 for the administrator), the audit rows,
and the links from /org."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from brokerlens.bench.brokers_staff import run_steps, staff_with_books
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log, relationships, snapshots, staff, users
from web.conftest import Published, SignedIn

SLOTS = ("history", "handover", "income", "kpi", "book", "risk")


def _one(published: Published, sql: sa.Select[tuple[str]]) -> str:
    with open_store(published.settings).connect() as connection:
        return str(connection.execute(sql).scalar_one())


def _staff_of(published: Published, role: str) -> str:
    username = published.users[role][0]
    return _one(published, sa.select(users.c.staff_id).where(users.c.username == username))


def _another_broker(published: Published, but: str) -> str:
    return _one(
        published,
        sa.select(staff.c.staff_id)
        .where(staff.c.position == "broker", staff.c.staff_id != but)
        .order_by(staff.c.staff_id)
        .limit(1),
    )


def _held_on_served_date(published: Published, staff_id: str) -> int:
    with open_store(published.settings).connect() as connection:
        served = connection.execute(
            sa.select(sa.func.max(snapshots.c.as_of_date)).where(snapshots.c.status == "served")
        ).scalar_one()
        assert isinstance(served, dt.date)
        return int(
            connection.execute(
                sa.select(sa.func.count(sa.distinct(relationships.c.customer_id))).where(
                    relationships.c.staff_id == staff_id,
                    relationships.c.start_date <= served,
                    sa.or_(relationships.c.end_date.is_(None), relationships.c.end_date > served),
                )
            ).scalar_one()
        )


def test_the_page_has_the_head_and_every_slot(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    broker = _staff_of(published, "broker")
    me = sign_in("hq_marketing")
    page = me.client.get(f"/staff/{broker}")
    assert page.status_code == 200, page.text[:2000]
    for slot in SLOTS:
        assert f'hx-get="/staff/{broker}/{slot}"' in page.text
    assert 'id="staff-manager"' in page.text and "/units/" in page.text
    book = me.client.get(f"/staff/{broker}/book", headers={"HX-Request": "true"})
    assert book.status_code == 200 and 'data-chart="staff-trend"' in book.text
    risk = me.client.get(f"/staff/{broker}/risk", headers={"HX-Request": "true"})
    assert risk.status_code == 200 and 'id="risk-measures"' in risk.text
    alone = me.client.get(f"/staff/{broker}/book")
    assert alone.status_code == 303 and alone.headers["location"].endswith("#staff-book")


def test_the_book_counts_the_customers_the_ledger_gives(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    broker = _staff_of(published, "broker")
    me = sign_in("hq_marketing")
    data = me.client.get(f"/api/staff/{broker}/book").json()
    assert data["book"]["customers"] == _held_on_served_date(published, broker) > 0
    assert sum(t["customers"] for t in data["book"]["tiers"]) == data["book"]["customers"]
    assert data["book"]["trend"][-1]["day"] == data["served"]


def test_a_broker_sees_their_own_page_only(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    mine = _staff_of(published, "broker")
    other = _another_broker(published, mine)
    me = sign_in("broker")
    assert me.client.get(f"/staff/{mine}").status_code == 200
    for path in (f"/staff/{other}", f"/staff/{other}/book", f"/api/staff/{other}/risk"):
        assert me.client.get(path, headers={"HX-Request": "true"}).status_code == 404, path
    flags = me.client.get("/api/broker-risk?all_measures=true").json()
    assert {line["staff_id"] for line in flags["data"]} <= {mine}


def test_the_administrator_sees_no_staff_page(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    broker = _staff_of(published, "broker")
    assert sign_in("admin").client.get(f"/api/staff/{broker}").status_code == 403


def test_units_for_their_managers(sign_in: Callable[[str], SignedIn], published: Published) -> None:
    username = published.users["branch_manager"][0]
    branch = _one(published, sa.select(users.c.unit_id).where(users.c.username == username))
    me = sign_in("branch_manager")
    page = me.client.get(f"/units/{branch}")
    assert page.status_code == 200, page.text[:2000]
    assert 'id="unit-book"' in page.text and 'id="unit-staff"' in page.text
    data = me.client.get(f"/api/units/{branch}").json()
    assert data["book"]["customers"] > 0 and data["staff"]
    hq = sign_in("hq_marketing").client.get("/api/units/U00000")
    assert hq.status_code == 200
    assert sign_in("branch_manager").client.get("/units/U00000").status_code == 404


def test_org_links_staff_to_their_pages(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    broker = _staff_of(published, "broker")
    unit = _one(published, sa.select(staff.c.unit_id).where(staff.c.staff_id == broker))
    page = sign_in("hq_marketing").client.get(f"/org?unit_id={unit}")
    assert f'href="/staff/{broker}"' in page.text and f'href="/units/{unit}"' in page.text


@pytest.mark.parametrize("path", ["/staff/{id}", "/api/staff/{id}"])
def test_each_view_is_audited(
    path: str, sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    broker = _staff_of(published, "broker")
    me = sign_in("team_lead")
    assert me.client.get(path.format(id=broker)).status_code == 200
    with open_store(published.settings).connect() as connection:
        last = connection.execute(
            sa.select(audit_log.c.username, audit_log.c.action, audit_log.c.detail)
            .order_by(audit_log.c.audit_id.desc())
            .limit(1)
        ).one()
    assert (last.username, last.action) == (me.username, "staff_view")
    assert last.detail == {"staff_id": broker}


def test_the_steps_rerun_and_the_probe_finds_staff(published: Published) -> None:
    line = run_steps(published.home)
    assert "staff book" in line and "broker risk" in line and "rows" in line
    found = staff_with_books(published.home, seed=1)
    with open_store(published.settings).connect() as connection:
        known = set(connection.execute(sa.select(staff.c.staff_id)).scalars())
    assert found and set(found) <= known
    assert staff_with_books(published.home, seed=1) == found  # the same seed, the same staff

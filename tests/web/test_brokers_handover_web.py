"""客户移交 through the API and the pages on the shared published store: head office previews
and requests a handover between two brokers (neither a demo user nor in the demo broker's team,
so the other tests' scopes stay as they were), a second head office user approves it in 待审批,
and the staff slot, the list and the ledger problems answer; a refused field is said beside
it; a broker may not hand over, nor see another broker's slot. (The browser test has the
branch manager and region manager do it, on a home of its own.)"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from brokerlens.auth.principal import Role
from brokerlens.auth.users import add_user, get_user
from brokerlens.store import open_store
from brokerlens.store.schema import relationships, staff
from web.conftest import Published, SignedIn


def _two_brokers(published: Published) -> tuple[str, str]:
    """Two brokers, neither a demo user nor in the demo broker's team, the first with customers
    on the served date (so the other tests' scopes stay as they were)."""
    db = open_store(published.settings)
    demo = get_user(db, published.users[str(Role.BROKER)][0]).staff_id
    with db.connect() as connection:
        team = connection.execute(sa.select(staff.c.unit_id).where(staff.c.staff_id == demo))
        demo_team = team.scalar()
        brokers = connection.execute(
            sa.select(staff.c.staff_id)
            .where(
                staff.c.position == "broker",
                staff.c.leave_date.is_(None),
                staff.c.unit_id != demo_team,
            )
            .order_by(staff.c.staff_id)
        ).scalars()
        free = [str(s) for s in brokers]
        held = set(
            connection.execute(
                sa.select(relationships.c.staff_id).where(relationships.c.end_date.is_(None))
            ).scalars()
        )
    giver = next(s for s in free if s in held)
    return giver, next(s for s in free if s != giver)


def _second_hq(published: Published, sign_in: Callable[[str], SignedIn]) -> SignedIn:
    """Another head office user (nobody decides their own request)."""
    db = open_store(published.settings)
    add_user(
        db,
        username="hq_second",
        display_name="总部二",
        role=Role.HQ_MARKETING,
        password="Second-hq-9x",
    )
    published.users["hq_second"] = ("hq_second", "Second-hq-9x")
    return sign_in("hq_second")


def test_a_handover_requested_approved_and_seen(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    giver, receiver = _two_brokers(published)
    manager = sign_in("hq_marketing")
    body = {"giver_id": giver, "receiver_id": receiver}
    seen = manager.client.post("/api/handovers/preview", json=body, headers=manager.headers())
    assert seen.status_code == 200, seen.text
    preview = seen.json()
    assert preview["count"] >= 1 and preview["giver_id"] == giver
    # the run kept the statements' income of the served month: at least the month to date
    labels = {"last_complete_month": "上一完整月", "month_to_date": "本月至今"}
    assert preview["commission_basis"] in labels and Decimal(preview["commission"]) >= 0
    page = manager.client.post("/handovers/preview", data={"csrf_token": manager.csrf, **body})
    assert page.status_code == 200 and 'id="handover-preview"' in page.text
    assert labels[preview["commission_basis"]] in page.text
    assert f'id="preview-count">{preview["count"]}<' in page.text
    bad = manager.client.post(
        "/handovers/preview",
        data={"csrf_token": manager.csrf, "giver_id": giver, "receiver_id": giver},
    )
    assert bad.status_code == 422 and 'data-field="receiver_id"' in bad.text
    made = manager.client.post("/handovers", data={"csrf_token": manager.csrf, **body})
    assert made.status_code == 303
    handover_id = int(made.headers["location"].rsplit("/", 1)[1])
    shown = manager.client.get(f"/handovers/{handover_id}")
    assert 'data-status="pending"' in shown.text
    one = manager.client.get(f"/api/handovers/{handover_id}").json()
    assert one["status"] == "pending" and len(one["customer_ids"]) == preview["count"]
    slot = manager.client.get(f"/staff/{giver}/handover")
    assert slot.status_code == 200 and 'id="start-handover"' in slot.text

    region = _second_hq(published, sign_in)
    decided = region.client.post(
        f"/api/approvals/{one['request_id']}/approve",
        json={"comment": "同意"},
        headers=region.headers(),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    after = region.client.get(f"/api/handovers/{handover_id}").json()
    assert after["status"] == "applied" and after["moved"] >= preview["count"]
    left = region.client.get(f"/api/staff/{giver}/handover").json()
    assert left["customers"] == 0
    assert 'id="staff-handover-empty"' in region.client.get(f"/staff/{giver}/handover").text
    listed = region.client.get("/api/handovers").json()["data"]
    assert handover_id in [h["handover_id"] for h in listed]
    assert 'id="handovers"' in region.client.get("/handovers").text

    broker = sign_in("broker")
    refused = broker.client.post("/api/handovers/preview", json=body, headers=broker.headers())
    assert refused.status_code == 403
    assert broker.client.get(f"/api/staff/{giver}/handover").status_code == 404


def test_ledger_problems_answer_in_scope(sign_in: Callable[[str], SignedIn]) -> None:
    hq = sign_in("hq_marketing")
    everyone = hq.client.get("/api/ledger/problems").json()
    assert everyone["as_of"] is not None and everyone["total"] >= len(everyone["data"])
    assert hq.client.get("/ledger/problems").status_code == 200
    broker = sign_in("broker")
    mine = broker.client.get("/api/ledger/problems").json()
    assert mine["total"] <= everyone["total"]
    page = broker.client.get("/ledger/problems?role=developer")
    assert page.status_code == 200 and 'id="ledger-roles"' in page.text

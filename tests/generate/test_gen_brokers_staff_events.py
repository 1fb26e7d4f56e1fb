"""Issue 19's organisation events in the generator (generate/org_events.py): team leads who
leave with reports, cross-branch transfers with or without the book; in the feeds and the
ground truth, drawn from their own random stream."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import gen_checks as checks
import numpy as np
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from brokerlens.generate import GenerateOptions, generate, org_events
from brokerlens.generate.org import BROKER, TEAM_LEAD, build_org
from brokerlens.generate.relations import Relations, initial
from brokerlens.generate.tables import NULL_INT

DAY = dt.date(2025, 3, 3)
BIZ = 20_150


def _world(seed: int = 3) -> tuple[org_events.Org, Relations]:
    rng = np.random.default_rng(seed)
    org = build_org(rng, 3000, BIZ - 10)
    n = 3000
    branch = rng.integers(0, len(org.branch_units), n)
    rel = Relations(n)
    initial(rel, org, branch, np.full(n, BIZ - 100), np.zeros(n, bool), rng)
    return org, rel


def test_a_lead_leaving_hands_the_reports_to_a_successor(monkeypatch: pytest.MonkeyPatch) -> None:
    org, rel = _world()
    leads = np.flatnonzero(org.staff_position == TEAM_LEAD)
    reports = {int(lead): set(np.flatnonzero(org.staff_manager == lead).tolist()) for lead in leads}
    monkeypatch.setattr(org_events, "LEAD_LEAVES_P", 1.0)
    events = org_events.OrgEvents()
    opened, closed = np.ones(3000, bool), np.zeros(3000, bool)
    changed, _ = org_events.leads_leave(
        org, rel, opened, closed, BIZ, np.random.default_rng(1), events, DAY
    )
    assert len(events.rows) == len(leads)
    for row in events.rows:
        lead = int(str(row["staff_id"])[1:])
        successor = int(str(row["successor_id"])[1:])
        assert org.staff_leave[lead] == BIZ and org.staff_leave[successor] == NULL_INT
        assert org.staff_position[successor] == TEAM_LEAD
        assert org.staff_unit[successor] == org.staff_unit[lead]
        moved = set(np.flatnonzero(org.staff_manager == successor).tolist())
        assert moved == reports[lead] and row["reports_moved"] == len(moved)
        assert {lead, successor} | moved <= set(changed)


@pytest.mark.parametrize("with_book", [True, False])
def test_a_transfer_moves_the_broker_with_or_without_the_book(
    with_book: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    org, rel = _world()
    monkeypatch.setattr(org_events, "TRANSFER_P", 0.3)
    monkeypatch.setattr(org_events, "WITH_BOOK_P", 1.0 if with_book else 0.0)
    before = rel.staff.copy()
    open_before = int((rel.end == NULL_INT).sum())
    branch_of = {int(u): b for b, u in enumerate(org.branch_units.tolist())}
    events = org_events.OrgEvents()
    closed, opened = np.zeros(3000, bool), np.ones(3000, bool)
    moved, touched = org_events.transfers(
        org, rel, opened, closed, BIZ, np.random.default_rng(2), events, DAY
    )
    assert events.rows and len(moved) == len(events.rows)
    for row in events.rows:
        broker = int(str(row["staff_id"])[1:])
        assert org.staff_position[broker] == BROKER
        lead = int(org.staff_manager[broker])
        assert (
            org.staff_position[lead] == TEAM_LEAD and org.staff_unit[broker] == org.staff_unit[lead]
        )
        new_branch = branch_of[int(org.unit_parent[org.staff_unit[broker]])]
        old_branch = branch_of[int(org.unit_parent[int(str(row["from_unit_id"])[1:])])]
        assert new_branch != old_branch
        live = (rel.staff == broker) & (rel.end == NULL_INT)
        if with_book:
            assert live.sum() == row["customers"] > 0
        else:
            # what stays is a shared customer whose other broker's book the lead already took
            assert live.sum() < row["customers"]
            ended = np.flatnonzero((before == broker) & (rel.end[: len(before)] == BIZ))
            assert len(ended) == row["customers"] > 0
    if with_book:
        assert not touched and int((rel.end == NULL_INT).sum()) == open_before


def _generate(out: Path, monkeypatch: pytest.MonkeyPatch, p: float) -> Path:
    monkeypatch.setattr(org_events, "LEAD_LEAVES_P", p)
    monkeypatch.setattr(org_events, "TRANSFER_P", p)
    generate(GenerateOptions(out=out, customers=2500, days=8, start=DAY, seed=19))
    return out


def _csv(out: Path, day: str, feed: str) -> list[dict[str, object]]:
    path = out / day / f"{feed}.csv"
    if not path.exists():
        return []
    return pcsv.read_csv(path).to_pylist()


def test_events_are_in_the_feeds_and_the_ground_truth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _generate(tmp_path / "busy", monkeypatch, 0.08)
    checks.check_contract(out)  # every row delivered refers to a customer already delivered
    truth = pq.read_table(out / "_ground_truth" / "org_events.parquet").to_pylist()
    kinds = {row["event"] for row in truth}
    assert kinds == {"team_lead_left", "transfer_with_book", "transfer_without_book"}
    for row in truth:
        day = row["biz_date"].isoformat()
        staff_rows = {r["staff_id"]: r for r in _csv(out, day, "staff")}
        if row["event"] == "team_lead_left":
            assert str(staff_rows[row["staff_id"]]["leave_date"]) == day
            assert staff_rows[row["successor_id"]]["position"] == "team_lead"
            reports = [r for r in staff_rows.values() if r["manager_id"] == row["successor_id"]]
            assert len(reports) >= row["reports_moved"]  # a transfer may join them the same day
        else:
            assert staff_rows[row["staff_id"]]["unit_id"] == row["to_unit_id"]
        if row["event"] == "transfer_without_book" and row["customers"]:
            ended = [
                r
                for r in _csv(out, day, "relationships")
                if r["staff_id"] == row["staff_id"] and str(r["end_date"]) == day
            ]
            assert len(ended) == row["customers"]


def test_the_events_leave_the_rest_of_a_seed_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = _generate(tmp_path / "quiet", monkeypatch, 0.0)
    busy = _generate(tmp_path / "busy", monkeypatch, 0.08)
    days = sorted(p.name for p in quiet.iterdir() if p.name.startswith("20"))
    for day in days:
        for feed in ("trades", "daily_assets", "customers", "product_trades", "fund_transfers"):
            a, b = quiet / day / f"{feed}.csv", busy / day / f"{feed}.csv"
            assert a.exists() == b.exists(), (day, feed)
            if a.exists():
                assert a.read_bytes() == b.read_bytes(), (day, feed)


def test_a_book_left_behind_is_delivered_only_for_customers_already_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org, rel = _world()
    monkeypatch.setattr(org_events, "TRANSFER_P", 0.3)
    monkeypatch.setattr(org_events, "WITH_BOOK_P", 0.0)
    opened = np.arange(3000) % 2 == 0  # odd customers open later: none of their rows is out
    rows_before = len(rel.cust)
    events = org_events.OrgEvents()
    closed = np.zeros(3000, bool)
    _, touched = org_events.transfers(
        org, rel, opened, closed, BIZ, np.random.default_rng(2), events, DAY
    )
    delivered = np.concatenate(touched) if touched else np.zeros(0, np.int64)
    assert len(delivered) and opened[rel.cust[delivered]].all()
    for row in events.rows:
        broker = int(str(row["staff_id"])[1:])
        later = np.flatnonzero(
            ~opened[rel.cust[:rows_before]] & (rel.end[:rows_before] == NULL_INT)
        )
        moved_in_place = later[rel.staff[later] == org.staff_manager[broker]]
        assert (rel.start[moved_in_place] < BIZ).all()  # the same row, not a new one

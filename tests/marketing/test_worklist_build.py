"""The work list step on a generated brokerage: the file, the owner rule, the budget, the
states (snoozed, done, dismissed), follow-ups and campaign items from the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from brokerlens.errors import ConfigError
from brokerlens.marketing.worklist.build import WORKLIST_SCHEMA
from brokerlens.marketing.worklist.config import load_config
from brokerlens.pipeline.single import run_single_step
from brokerlens.store.compliance_schema import callbacks, complaints
from brokerlens.store.marketing_schema import (
    campaign_members,
    campaigns,
    service_records,
    work_item_states,
)
from brokerlens.warehouse.layout import WarehouseLayout
from marketing.conftest import WorklistHome

NOW = dt.datetime(2025, 3, 20, 9, 0, tzinfo=dt.UTC)


def _rows(home: WorklistHome) -> list[dict[str, Any]]:
    path = WarehouseLayout(home.settings.warehouse_dir).worklist_file(home.as_of)
    return pq.read_table(path).to_pylist()


def _rebuild(home: WorklistHome) -> list[dict[str, Any]]:
    run_single_step(home.settings, "work list", as_of=home.as_of)
    return _rows(home)


def _state(db: sa.Engine, home: WorklistHome, row: dict[str, Any], **values: Any) -> None:
    with db.begin() as connection:
        connection.execute(
            sa.insert(work_item_states).values(
                as_of_date=values.pop("as_of_date", home.as_of),
                staff_id=row["staff_id"],
                customer_id=row["customer_id"],
                username="broker",
                at=NOW,
                **values,
            )
        )


def test_the_run_writes_every_brokers_ranked_list(worklist_home: WorklistHome) -> None:
    table = pq.read_table(
        WarehouseLayout(worklist_home.settings.warehouse_dir).worklist_file(worklist_home.as_of)
    )
    assert table.schema.equals(WORKLIST_SCHEMA)
    rows = table.to_pylist()
    assert rows and "brokers" in worklist_home.note and "unassigned" in worklist_home.note
    keys = [(r["staff_id"], r["rank"]) for r in rows]
    assert keys == sorted(keys)
    by_staff: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_staff.setdefault(r["staff_id"], []).append(r)
    for mine in by_staff.values():
        assert [r["rank"] for r in mine] == list(range(1, len(mine) + 1))
        scores = [r["score"] for r in mine]
        assert scores == sorted(scores, reverse=True)
        assert [r["in_budget"] for r in mine] == [r["rank"] <= 20 for r in mine]
    for r in rows:
        assert len(r["kinds"]) == len(r["reasons"]) == len(r["reasons_en"]) >= 1
        assert 0 <= r["score"] <= 100 and 0 <= r["urgency"] <= 1 and 0 <= r["value"] <= 1
    # one row per broker and customer: a customer's items are grouped
    assert len({(r["staff_id"], r["customer_id"]) for r in rows}) == len(rows)


def test_a_birthday_names_the_days_never_the_date(worklist_home: WorklistHome) -> None:
    rows = _rows(worklist_home)
    assert "birth_date" not in WORKLIST_SCHEMA.names
    birthdays = [
        r["reasons"][r["kinds"].index("birthday")] for r in rows if "birthday" in r["kinds"]
    ]
    for text in birthdays:
        assert "生日" in text and "-" not in text


def test_snoozed_customers_leave_the_list_until_the_date(
    worklist_home: WorklistHome, clean_store: sa.Engine
) -> None:
    row = _rows(worklist_home)[0]
    _state(
        clean_store,
        worklist_home,
        row,
        status="snoozed",
        kinds=row["kinds"],
        snooze_until=worklist_home.as_of + dt.timedelta(days=3),
    )
    after = _rebuild(worklist_home)
    mine = [r for r in after if r["staff_id"] == row["staff_id"]]
    assert row["customer_id"] not in {r["customer_id"] for r in mine}
    assert [r["rank"] for r in mine] == list(range(1, len(mine) + 1))


def test_done_kinds_cool_down_and_other_kinds_stay(
    worklist_home: WorklistHome, clean_store: sa.Engine
) -> None:
    row = next(r for r in _rows(worklist_home) if len(r["kinds"]) >= 2)
    done, kept = row["kinds"][0], row["kinds"][1:]
    _state(
        clean_store,
        worklist_home,
        row,
        status="done",
        kinds=[done],
        as_of_date=worklist_home.as_of - dt.timedelta(days=2),
    )
    again = next(
        r
        for r in _rebuild(worklist_home)
        if (r["staff_id"], r["customer_id"]) == (row["staff_id"], row["customer_id"])
    )
    assert done not in again["kinds"] and set(kept) <= set(again["kinds"])


def test_a_cooldown_ends(worklist_home: WorklistHome, clean_store: sa.Engine) -> None:
    row = _rows(worklist_home)[0]
    cooldown = load_config(worklist_home.settings).cooldown_days
    _state(
        clean_store,
        worklist_home,
        row,
        status="dismissed",
        kinds=row["kinds"],
        reason="not now",
        as_of_date=worklist_home.as_of - dt.timedelta(days=cooldown + 1),
    )
    pairs = {(r["staff_id"], r["customer_id"]) for r in _rebuild(worklist_home)}
    assert (row["staff_id"], row["customer_id"]) in pairs


def test_a_follow_up_is_an_item_until_done(
    worklist_home: WorklistHome, clean_store: sa.Engine
) -> None:
    row = _rows(worklist_home)[-1]
    with clean_store.begin() as connection:
        record_id = connection.execute(
            sa.insert(service_records)
            .values(
                customer_id=row["customer_id"],
                staff_id=row["staff_id"],
                user_id=1,
                username="broker",
                contact_at=NOW,
                channel="phone",
                purpose="service",
                content="asked about bonds",
                result="reached",
                next_step="send the bond list",
                next_date=worklist_home.as_of,
                created_at=NOW,
                updated_at=NOW,
            )
            .returning(service_records.c.record_id)
        ).scalar_one()
    kind = f"follow_up:{record_id}"
    found = next(r for r in _rebuild(worklist_home) if kind in r["kinds"])
    assert (found["staff_id"], found["customer_id"]) == (row["staff_id"], row["customer_id"])
    assert "send the bond list" in found["reasons"][found["kinds"].index(kind)]
    assert found["rank"] <= row["rank"]  # a promised step raises the row
    _state(clean_store, worklist_home, found, status="done", kinds=[kind], record_id=record_id)
    later = worklist_home.as_of  # still within the cooldown, but handled for good anyway
    assert later and not any(kind in r["kinds"] for r in _rebuild(worklist_home))


def _callback(db: sa.Engine, customer_id: str, due: dt.date, **values: Any) -> None:
    with db.begin() as connection:
        connection.execute(
            sa.insert(callbacks).values(
                customer_id=customer_id,
                kind=values.pop("kind", "new_account"),
                source_ref=values.pop("source_ref", "2025-01-01"),
                created_on=dt.date(2025, 1, 2),
                due_date=due,
                status=values.pop("status", "pending"),
                attempts=values.pop("attempts", 0),
                created_by="run",
                keep_until=dt.date(2020, 1, 2),  # past: the test may delete it
                **values,
            )
        )


def test_the_brokers_customers_call_backs_are_items(
    worklist_home: WorklistHome, clean_store: sa.Engine
) -> None:
    ids = list(dict.fromkeys(r["customer_id"] for r in reversed(_rows(worklist_home))))
    late, missed, fine, done = ids[:4]
    as_of = worklist_home.as_of
    try:
        _callback(clean_store, late, as_of - dt.timedelta(days=3))  # overdue, not tried
        _callback(clean_store, missed, as_of + dt.timedelta(days=9), attempts=2)  # not reached
        _callback(clean_store, fine, as_of + dt.timedelta(days=9))  # due later: none
        _callback(clean_store, done, as_of - dt.timedelta(days=3), status="completed")
        found = {
            r["customer_id"]: r["reasons"][r["kinds"].index("callback_due")]
            for r in _rebuild(worklist_home)
            if "callback_due" in r["kinds"]
        }
    finally:
        with clean_store.begin() as connection:
            connection.execute(sa.delete(callbacks))
    assert found == {
        late: "回访已逾期 3 天：请提醒客户接听回访电话",
        missed: "回访未接通（已拨 2 次）：请协助核实客户联系方式",
    }


def test_treatment_members_of_a_running_campaign_are_items(
    worklist_home: WorklistHome, clean_store: sa.Engine
) -> None:
    rows = _rows(worklist_home)
    treated, held_out, contacted = rows[0], rows[1], rows[2]
    t = worklist_home.as_of
    with clean_store.begin() as connection:
        campaign_id = connection.execute(
            sa.insert(campaigns)
            .values(
                name="春季理财",
                goal="product_purchase",
                source_kind="segment",
                source_id="1",
                window_start=t - dt.timedelta(days=5),
                window_end=t + dt.timedelta(days=10),
                channel="phone",
                holdout_share=0.1,
                seed=1,
                status="launched",
                owner_user_id=1,
                created_by="hq",
                created_at=NOW,
            )
            .returning(campaigns.c.campaign_id)
        ).scalar_one()
        for row, grp, contacted_on in (
            (treated, "treatment", None),
            (held_out, "holdout", None),
            (contacted, "treatment", t),
        ):
            connection.execute(
                sa.insert(campaign_members).values(
                    campaign_id=campaign_id,
                    customer_id=row["customer_id"],
                    grp=grp,
                    branch_id=row["branch_id"],
                    staff_id=row["staff_id"],
                    contacted_on=contacted_on,
                )
            )
    kind = f"campaign:{campaign_id}"
    with_item = {
        (r["staff_id"], r["customer_id"]) for r in _rebuild(worklist_home) if kind in r["kinds"]
    }
    assert with_item == {(treated["staff_id"], treated["customer_id"])}


def test_the_budget_is_set_per_branch(worklist_home: WorklistHome, clean_store: sa.Engine) -> None:
    rows = _rows(worklist_home)
    config = worklist_home.settings.home / "marketing" / "worklist.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("budget:\n  default: 2\n", "utf-8")
    after = _rebuild(worklist_home)
    assert len(after) == len(rows)
    assert [r["in_budget"] for r in after] == [r["rank"] <= 2 for r in after]
    # a branch's own budget: the brokers of the branches given it work through 4 rows a day
    branches = sorted({r["branch_id"] for r in after})
    listed = "".join(f"    {b}: 4\n" for b in branches)
    config.write_text(f"budget:\n  default: 2\n  branches:\n{listed}", "utf-8")
    again = _rebuild(worklist_home)
    for staff in {r["staff_id"] for r in again}:
        mine = [r for r in again if r["staff_id"] == staff]
        assert sum(r["in_budget"] for r in mine) == min(len(mine), 4)


def test_a_bad_settings_file_names_the_file_and_the_field(
    worklist_home: WorklistHome, clean_store: sa.Engine
) -> None:
    config = worklist_home.settings.home / "marketing" / "worklist.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("weights:\n  urgency: 0.9\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(worklist_home.settings)
    assert "worklist.yaml" in str(caught.value) and "weights" in str(caught.value)
    config.write_text("urgency:\n  gossip: 0.5\n", "utf-8")
    with pytest.raises(ConfigError, match="gossip"):
        load_config(worklist_home.settings)
    config.write_text("budget: [\n", "utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(worklist_home.settings)


def test_open_complaints_in_the_store_are_items_until_closed(
    worklist_home: WorklistHome, clean_store: sa.Engine
) -> None:
    row = _rows(worklist_home)[-1]
    t = worklist_home.as_of
    values = {
        "complaint_id": "W90000001",
        "customer_id": row["customer_id"],
        "branch_id": row["branch_id"],
        "source": "workbench",
        "channel": "phone",
        "category": "服务态度",
        "opened": t - dt.timedelta(days=2),
        "status": "open",
        "sla_due": t + dt.timedelta(days=3),
        "escalation": 0,
        "created_by": "broker",
        "created_at": NOW,
        "updated_at": NOW,
        "keep_until": dt.date(2000, 1, 1),  # past: the test may delete it again
    }
    with clean_store.begin() as connection:
        connection.execute(sa.insert(complaints).values(**values))
    try:
        found = next(r for r in _rebuild(worklist_home) if "complaint" in r["kinds"])
        assert (found["staff_id"], found["customer_id"]) == (row["staff_id"], row["customer_id"])
        assert (
            found["reasons"][found["kinds"].index("complaint")] == "投诉处理中（服务态度），已 2 天"
        )
        with clean_store.begin() as connection:
            connection.execute(
                sa.update(complaints)
                .where(complaints.c.complaint_id == "W90000001")
                .values(status="closed", closed=t)
            )
        assert not any("complaint" in r["kinds"] for r in _rebuild(worklist_home))
    finally:
        with clean_store.begin() as connection:
            connection.execute(
                sa.delete(complaints).where(complaints.c.complaint_id == "W90000001")
            )

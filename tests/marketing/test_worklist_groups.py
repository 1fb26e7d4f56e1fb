"""Work items from customer groups (issue 25): a work-list rule names a group; the customers who
entered it on the newest refresh on or before T become work items with the group's reason.

On a copy of the session's generated brokerage (run with the work list step): published, an HQ
user's dynamic group refreshed twice (on T-1, then, with a lower threshold, on T), then the work
list step of T lists the entrants under their brokers."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from brokerlens.access import create_segment, refresh_group_members, update_segment
from brokerlens.access.snapshot import clear_cache
from brokerlens.access.users import acting_principal
from brokerlens.auth import create_demo_users
from brokerlens.auth.principal import Role
from brokerlens.config import Settings, load_settings
from brokerlens.pipeline.single import run_single_step
from brokerlens.publish import publish
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.schema import snapshots
from brokerlens.warehouse.layout import WarehouseLayout
from marketing.conftest import WorklistHome


def _serve_on(db: sa.Engine, day: dt.date) -> None:
    clear_cache()
    with db.begin() as c:
        c.execute(snapshots.update().where(snapshots.c.status == "served").values(as_of_date=day))
    clear_cache()


@pytest.fixture
def published_copy(worklist_home: WorklistHome, tmp_path: Path) -> Iterator[Settings]:
    shutil.copytree(worklist_home.settings.home, tmp_path / "home")
    settings = load_settings(home=tmp_path / "home")
    publish(settings, as_of=worklist_home.as_of)
    yield settings
    clear_cache()
    dispose_engines()


def test_entrants_of_a_named_group_become_work_items_with_its_reason(
    worklist_home: WorklistHome, published_copy: Settings
) -> None:
    settings, t = published_copy, worklist_home.as_of
    db = open_store(settings)
    demo = create_demo_users(db)
    hq = acting_principal(db, next(u.username for u in demo if u.role == Role.HQ_MARKETING))
    with db.connect() as c:
        table = c.execute(
            sa.select(snapshots.c.table_name).where(snapshots.c.status == "served")
        ).scalar_one()
        assets = sorted(
            (
                float(v)
                for v in c.execute(sa.text(f"SELECT total_assets_t FROM {table}")).scalars()
                if v is not None
            ),
            reverse=True,
        )
    top, next_ = assets[4], assets[24]  # the top 5, then the top 25
    group = create_segment(
        db, hq, "高净值观察", [{"field": "total_assets_t", "op": "ge", "value": top}]
    )
    (settings.home / "marketing").mkdir(exist_ok=True)
    (settings.home / "marketing" / "worklist.yaml").write_text(
        f"groups:\n  - group: {group.segment_id}\n    change: entered\n", encoding="utf-8"
    )

    _serve_on(db, t - dt.timedelta(days=1))
    assert refresh_group_members(db, settings) == 1  # T-1: the top 5 enter
    _serve_on(db, t)
    run_single_step(settings, "work list", as_of=t)  # before T's refresh: T-1's changes
    rows = pq.read_table(WarehouseLayout(settings.warehouse_dir).worklist_file(t)).to_pylist()
    kind = f"group:{group.segment_id}"
    earlier = {
        r["customer_id"]: r["reasons"][r["kinds"].index(kind)] for r in rows if kind in r["kinds"]
    }
    assert earlier and all("1 天前" in text for text in earlier.values())

    update_segment(
        db,
        hq,
        group.segment_id,
        conditions=[{"field": "total_assets_t", "op": "ge", "value": next_}],
    )
    refresh_group_members(db, settings)  # T: the next 20 enter
    run_single_step(settings, "work list", as_of=t)
    rows = pq.read_table(WarehouseLayout(settings.warehouse_dir).worklist_file(t)).to_pylist()
    found = {r["customer_id"]: r for r in rows if kind in r["kinds"]}
    entered = {c for c, v in _top(db, table, next_, top)}
    assert found and set(found) <= entered and not set(found) & set(earlier)
    for r in found.values():
        i = r["kinds"].index(kind)
        assert r["reasons"][i].startswith("进入客户群「高净值观察」：")
        assert "total_assets_t ge" in r["reasons"][i] and ": true" in r["reasons"][i]
        assert r["reasons_en"][i].startswith("entered group “高净值观察”: ")


def _top(db: sa.Engine, table: str, low: float, high: float) -> list[tuple[str, float]]:
    with db.connect() as c:
        return [
            (str(r[0]), float(r[1]))
            for r in c.execute(
                sa.text(
                    f"SELECT customer_id, total_assets_t FROM {table} "
                    "WHERE total_assets_t >= :low AND total_assets_t < :high"
                ),
                {"low": low, "high": high},
            )
        ]

"""A campaign over 500,000 customers on SQLite (issue 17: frozen and split <= 10 s, its outcome
report <= 5 s): the hand-built published store grown to 500,000 customers with a broker each,
served from its columnar copy as a publish leaves it, then launched by head office and
reported on. The seconds are printed (`-s`) for the note."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import sqlalchemy as sa

from access.builders import AS_OF, TABLE, World, build_world
from access.columnar_support import use_columnar, write_columnar
from brokerlens.access import Condition, create_segment
from brokerlens.access.campaigns import (
    CampaignInput,
    campaign_report,
    create_campaign,
    launch_campaign,
)
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import load_settings
from brokerlens.publish.bulk import load_in_batches
from brokerlens.store.marketing_schema import campaign_members
from brokerlens.store.schema import relationships, snapshots

N = 500_000
STAFF = ["S1", "S2", "S3", "S4"]
BRANCHES = [("B1", "R1"), ("B2", "R1"), ("B3", "R2")]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    clear_cache()
    yield grown(tmp_path_factory.mktemp("scale") / "home")
    clear_cache()


def grown(home: Path) -> World:
    """The hand-built store plus N customers, each with a servicer, served columnar."""
    world = build_world(load_settings(home=home))
    ids = [f"X{i:07d}" for i in range(N)]
    rng = np.random.default_rng(1)
    branch = rng.integers(0, len(BRANCHES), N)
    table = sa.Table(TABLE, sa.MetaData(), autoload_with=world.engine)
    names = [c.name for c in table.columns]
    values = {
        "customer_id": ids,
        "name": ["客户"] * N,
        "branch_id": [BRANCHES[b][0] for b in branch],
        "region_id": [BRANCHES[b][1] for b in branch],
        "total_assets_t": rng.uniform(0, 2_000_000, N).round(2).tolist(),
    }
    columns = {
        n: pa.array(values[n] if n in values else [None] * N, pa.string())
        if n not in ("total_assets_t",)
        else pa.array(values[n], pa.float64())
        for n in names
    }
    load_in_batches(world.engine, table, pa.table(columns).to_batches(100_000))
    start = dt.date(2024, 1, 1).isoformat()
    rel = pa.table(
        {
            "customer_id": pa.array(ids),
            "staff_id": pa.array([STAFF[i % len(STAFF)] for i in range(N)]),
            "role": pa.array(["servicer"] * N),
            "start_date": pa.array([start] * N),
            "end_date": pa.array([None] * N, pa.string()),
            "share_pct": pa.array([100.0] * N),
        }
    )
    load_in_batches(world.engine, relationships, rel.to_batches(100_000))
    with world.engine.begin() as connection:
        connection.execute(
            snapshots.update().where(snapshots.c.table_name == TABLE).values(rows=N + 10)
        )
    use_columnar(world, write_columnar(world, home / "profile_2.parquet"))
    clear_cache()
    return world


def test_launch_and_report_over_500k(big: World) -> None:
    hq = big.who("hq")
    everyone = [Condition(field="total_assets_t", op="ge", value=0)]
    segment = create_segment(big.engine, hq, "everyone", everyone)
    made = create_campaign(
        big.engine,
        big.settings,
        hq,
        CampaignInput(
            name="规模测试",
            goal="trade",
            window_start=AS_OF,
            window_end=AS_OF + dt.timedelta(days=30),
            segment_id=segment.segment_id,
        ),
    )
    began = time.perf_counter()
    done = launch_campaign(big.engine, big.settings, hq, made.campaign_id)
    launch_s = time.perf_counter() - began
    assert done.members >= N and done.holdout == round(done.members * 0.1)
    with big.engine.begin() as connection:  # some conversions, so the report has work to do
        connection.execute(
            campaign_members.update()
            .where(campaign_members.c.customer_id.like("X%3"))
            .values(converted_on=AS_OF)
        )
    began = time.perf_counter()
    report = campaign_report(big.engine, big.settings, hq, made.campaign_id)
    report_s = time.perf_counter() - began
    print(f"\n500k campaign on SQLite: launch {launch_s:.2f} s, report {report_s:.2f} s")
    assert report.total.t_converted + report.total.h_converted == N // 10
    assert {b.key for b in report.brokers} >= set(STAFF)
    # the targets are 10 s and 5 s (`brokerlens bench`, a quiet machine); a shared test machine
    # gets twice that before this fails
    assert launch_s <= 20 and report_s <= 10

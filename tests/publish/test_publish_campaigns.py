"""Publishing T's campaign outcomes: a member's conversion and first contact dates are set only
where still empty (a date once known never moves), on both stores; no file, nothing."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.publish.campaigns import publish_campaign_outcomes
from brokerlens.store import open_store
from brokerlens.store.marketing_schema import campaign_members, campaigns
from brokerlens.warehouse.layout import WarehouseLayout

T = dt.date(2025, 3, 20)
D = dt.date


def _campaign(db: sa.Engine) -> None:
    with db.begin() as connection:
        connection.execute(
            campaigns.insert().values(
                campaign_id=1,
                name="x",
                goal="trade",
                source_kind="segment",
                source_id="1",
                window_start=D(2025, 3, 1),
                window_end=D(2025, 3, 31),
                channel="phone",
                holdout_share=0.5,
                seed=1,
                status="launched",
                owner_user_id=1,
                created_by="hq",
                created_at=dt.datetime.now(dt.UTC),
                members=3,
                treatment=2,
                holdout=1,
            )
        )
        # every row with every key: an executemany takes the first row's keys
        none = {"converted_on": None, "contacted_on": None}
        connection.execute(
            campaign_members.insert(),
            [
                {"campaign_id": 1, "customer_id": "C1", "grp": "treatment", **none},
                {
                    "campaign_id": 1,
                    "customer_id": "C2",
                    "grp": "treatment",
                    "converted_on": D(2025, 3, 2),
                    "contacted_on": D(2025, 3, 1),
                },
                {"campaign_id": 1, "customer_id": "C3", "grp": "holdout", **none},
            ],
        )


def _outcomes(settings: Settings) -> None:
    path = WarehouseLayout(settings.warehouse_dir).outcomes_file(T)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "campaign_id": pa.array([1, 1, 1], pa.int64()),
            "customer_id": ["C1", "C2", "C3"],
            "staff_id": ["S1", "S1", None],
            "converted_on": pa.array([D(2025, 3, 5), D(2025, 3, 6), None], pa.date32()),
            "contacted_on": pa.array([D(2025, 3, 4), D(2025, 3, 4), D(2025, 3, 9)], pa.date32()),
            "feed_contacts": pa.array([1, 1, 2], pa.int32()),
        }
    )
    pq.write_table(table, path)


def test_publish_fills_only_empty_dates(store_settings: Settings) -> None:
    db = open_store(store_settings)
    _campaign(db)
    assert publish_campaign_outcomes(db, store_settings, T) == 0  # no file yet
    _outcomes(store_settings)
    assert publish_campaign_outcomes(db, store_settings, T) == 1
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(
                campaign_members.c.customer_id,
                campaign_members.c.converted_on,
                campaign_members.c.contacted_on,
            ).order_by(campaign_members.c.customer_id)
        ).all()
        as_of = connection.execute(sa.select(campaigns.c.outcomes_as_of)).scalar_one()
    assert [tuple(r) for r in rows] == [
        ("C1", D(2025, 3, 5), D(2025, 3, 4)),
        ("C2", D(2025, 3, 2), D(2025, 3, 1)),  # already known: kept
        ("C3", None, D(2025, 3, 9)),
    ]
    assert as_of == T
    assert publish_campaign_outcomes(db, store_settings, T) == 0  # a re-publish changes nothing

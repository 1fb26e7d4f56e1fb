"""`brokerlens sql` over the store's marketing tables: work_items with their status, campaign
members with `converted`, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.marketing.worklist.build import WORKLIST_SCHEMA, write_worklist
from brokerlens.store import open_store
from brokerlens.store.marketing_schema import campaign_members, campaigns, work_item_states
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.query import run_query
from brokerlens.warehouse.store_tables import add_store_tables, named_tables
from marketing.conftest import WorklistHome

T = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 6, 30, 10, 0, tzinfo=dt.UTC)


def _worklist_row(staff: str, customer: str, rank: int) -> dict[str, object]:
    return {
        "as_of_date": T,
        "staff_id": staff,
        "branch_id": "B1",
        "customer_id": customer,
        "name": "张三",
        "rank": rank,
        "score": 80.0 - rank,
        "urgency": 0.9,
        "value": 0.5,
        "total_assets": 1e5,
        "kinds": ["churn"],
        "reasons": ["流失概率 63%"],
        "reasons_en": ["churn probability 63%"],
        "in_budget": True,
        "offer_product_id": None,
        "offer_product_name": None,
        "offer_reason": None,
    }


def test_work_items_carry_the_latest_state_and_members_their_conversion(
    store_settings: Settings,
) -> None:
    rows = [_worklist_row("S1", "C1", 1), _worklist_row("S1", "C2", 2)]
    warehouse = WarehouseLayout(store_settings.warehouse_dir)
    write_worklist(warehouse, T, pa.Table.from_pylist(rows, schema=WORKLIST_SCHEMA))
    db = open_store(store_settings)
    with db.begin() as connection:
        for status, at in (("snoozed", NOW), ("done", NOW + dt.timedelta(hours=1))):
            connection.execute(
                sa.insert(work_item_states).values(
                    as_of_date=T,
                    staff_id="S1",
                    customer_id="C1",
                    status=status,
                    kinds=["churn"],
                    username="broker",
                    at=at,
                )
            )
        campaign_id = connection.execute(
            sa.insert(campaigns)
            .values(
                name="x",
                goal="deposit",
                source_kind="segment",
                source_id="1",
                window_start=T,
                window_end=T,
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
        connection.execute(
            sa.insert(campaign_members),
            [
                {
                    "campaign_id": campaign_id,
                    "customer_id": "C1",
                    "grp": "treatment",
                    "converted_on": T,
                },
                {
                    "campaign_id": campaign_id,
                    "customer_id": "C2",
                    "grp": "holdout",
                    "converted_on": None,
                },
            ],
        )
    conn = duckdb.connect()
    query = (
        "SELECT w.customer_id, w.status, w.kinds, m.grp, m.converted FROM work_items w "
        "JOIN campaign_members m USING (customer_id) ORDER BY w.customer_id"
    )
    assert named_tables(query) == {"work_items", "campaign_members"}
    add_store_tables(conn, store_settings, named_tables(query))
    assert conn.execute(query).fetchall() == [
        ("C1", "done", ["churn"], "treatment", True),
        ("C2", "open", ["churn"], "holdout", False),
    ]
    assert pq.read_table(warehouse.worklist_file(T)).num_rows == 2


def test_sql_reads_the_store_tables_by_name(worklist_home: WorklistHome) -> None:
    result = run_query(
        worklist_home.settings,
        "SELECT status, count(*) AS n, min(rank) AS top FROM work_items GROUP BY status",
    )
    assert result.columns == ["status", "n", "top"]
    assert [r[0] for r in result.rows] == ["open"] and result.rows[0][2] == 1
    for table in ("service_records", "campaigns", "campaign_members", "care_messages"):
        assert run_query(worklist_home.settings, f"SELECT count(*) FROM {table}").rows == [(0,)]

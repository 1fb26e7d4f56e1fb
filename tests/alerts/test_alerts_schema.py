"""The alerts tables: the migration builds what the code declares, on SQLite and PostgreSQL,
and the store refuses a second row for one customer, alert and date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from brokerlens.config import Settings
from brokerlens.store import open_store
from brokerlens.store.alerts_schema import alerts
from brokerlens.store.schema import metadata


def test_migration_matches_the_declared_alert_tables(store_settings: Settings) -> None:
    db = open_store(store_settings)
    with db.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in diff if "alert" in str(d)] == []


def test_one_row_per_customer_alert_and_date(store_settings: Settings) -> None:
    db = open_store(store_settings)
    row = {
        "as_of_date": date(2026, 3, 2),
        "customer_id": "C1",
        "branch_id": "B1",
        "alert_id": "fund_movement",
        "explanation": {"figures": {"transfer_out_t": 80000.0}},
        "created_at": datetime(2026, 3, 2, 18, tzinfo=UTC),
    }
    with db.begin() as connection:
        connection.execute(alerts.insert(), [row])
        status = connection.execute(sa.select(alerts.c.status)).scalar_one()
    assert status == "new"
    with pytest.raises(sa.exc.IntegrityError), db.begin() as connection:
        connection.execute(alerts.insert(), [row])

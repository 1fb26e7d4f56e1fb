"""The store migrates itself on first use, on SQLite and on PostgreSQL, and again is a no-op."""

from __future__ import annotations

import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.store import open_store, upgrade
from brokerlens.store.schema import metadata


def test_open_store_creates_every_table(store_settings: Settings) -> None:
    db = open_store(store_settings)
    names = set(sa.inspect(db).get_table_names())
    assert set(metadata.tables) <= names


def test_upgrade_twice_keeps_data(store_settings: Settings) -> None:
    db = open_store(store_settings)
    with db.begin() as connection:
        connection.execute(
            sa.text("insert into org_units (unit_id, unit_type, name) values ('U1', 'hq', '总部')")
        )
    upgrade(store_settings)
    with db.connect() as connection:
        assert connection.execute(sa.text("select name from org_units")).scalar_one() == "总部"

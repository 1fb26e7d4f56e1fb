"""Migration 0019 (issue 25): a store at 0018 with a saved segment upgrades; the segment becomes
a dynamic group, static members and shares can be written (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from brokerlens.config import Settings, load_settings
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.db import store_engine
from brokerlens.store.migrate import alembic_config
from brokerlens.store.schema import segment_shares, segment_static_members, segments
from support.store import pg_schema

WHEN = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.UTC)


def _upgrade_from_0018(settings: Settings) -> None:
    db = store_engine(settings)
    with db.begin() as connection:
        config = alembic_config(settings.store_url)
        config.attributes["connection"] = connection  # type: ignore[attr-defined]
        command.upgrade(config, "0018")  # type: ignore[arg-type]
        connection.execute(
            sa.text(
                "insert into users (user_id, username, display_name, role, permissions,"
                " password_hash, active, failed_logins, must_change_password, created_at,"
                " language) values (1, 'u1', '用户', 'broker', '[]', 'x', true, 0, false,"
                " :when, 'zh'), (2, 'u2', '同事', 'broker', '[]', 'x', true, 0, false, :when,"
                " 'zh')"
            ),
            {"when": WHEN},
        )
        connection.execute(
            sa.text(
                "insert into segments (segment_id, name, owner_user_id, visibility, conditions,"
                " created_at, updated_at) values (5, '老分组', 1, 'private', '[]', :when, :when)"
            ),
            {"when": WHEN},
        )
    db = open_store(settings)  # to head
    with db.begin() as connection:
        assert connection.execute(sa.text("select version_num from alembic_version")).all() == [
            ("0019",)
        ]
        row = connection.execute(sa.select(segments.c.name, segments.c.kind)).one()
        assert tuple(row) == ("老分组", "dynamic")
        connection.execute(
            segment_static_members.insert().values(
                segment_id=5, customer_id="C001", added_by=1, added_at=WHEN
            )
        )
        connection.execute(
            segment_shares.insert().values(
                segment_id=5, user_id=2, can_edit=True, shared_by=1, shared_at=WHEN
            )
        )
        with pytest.raises(sa.exc.IntegrityError), connection.begin_nested():
            connection.execute(  # one row per group and customer
                segment_static_members.insert().values(
                    segment_id=5, customer_id="C001", added_by=1, added_at=WHEN
                )
            )
    with db.connect() as connection:
        assert connection.execute(sa.select(segment_shares.c.can_edit)).scalar_one() is True


def test_upgrade_from_0018_on_sqlite(tmp_path: Path) -> None:
    try:
        _upgrade_from_0018(load_settings(home=tmp_path / "home"))
    finally:
        dispose_engines()


def test_upgrade_from_0018_on_postgresql(tmp_path: Path) -> None:
    with pg_schema("mig0019") as url:
        _upgrade_from_0018(load_settings(home=tmp_path / "home", database_url=url))

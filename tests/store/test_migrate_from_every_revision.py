"""A store made by any earlier release upgrades to the newest schema with its rows kept
(issue 24), on SQLite and on PostgreSQL.

For each revision before head: the store is migrated to exactly that revision, one row is
written into every table it has then (each column filled with a value of its type: text with
Chinese characters, dates, times, JSON, a foreign key pointing at the row of its table), the
store is opened as the application opens it (`open_store`: to head), and every row is read back
through the application's own table definitions (`brokerlens.store` schemas, with their type
conversions) with each value as written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from brokerlens.auth.principal import Permission, Role
from brokerlens.auth.users import list_users
from brokerlens.config import Settings, load_settings
from brokerlens.store import (
    alerts_schema,
    brokers_handover_schema,
    brokers_statements_schema,
    brokers_tree_schema,
    compliance_schema,
    dispose_engines,
    knowledge_schema,
    marketing_schema,
    notices_schema,
    open_store,
    points_schema,
    suitability_schema,
    training_schema,
)
from brokerlens.store.db import store_engine
from brokerlens.store.migrate import alembic_config
from brokerlens.store.schema import metadata
from support.store import pg_schema

# every schema module's tables join `metadata` (as the migrations' env.py has them)
SCHEMAS = (
    alerts_schema,
    brokers_handover_schema,
    brokers_statements_schema,
    brokers_tree_schema,
    compliance_schema,
    knowledge_schema,
    marketing_schema,
    notices_schema,
    points_schema,  # issue 23
    suitability_schema,
    training_schema,  # issue 23
)
SCRIPTS = ScriptDirectory.from_config(alembic_config("sqlite://"))  # type: ignore[arg-type]
HEADS = set(SCRIPTS.get_heads())
EARLIER = sorted(r.revision for r in SCRIPTS.walk_revisions() if r.revision not in HEADS)
WHEN = dt.datetime(2025, 3, 14, 9, 30, 15)
DAY = dt.date(2025, 3, 14)


def test_every_earlier_revision_is_covered() -> None:
    # the chain as shipped: 0001..0007, then 0008 / 0009 / 0010 side by side, merged by 0013;
    # then issue 23's parts side by side on 0013 (points 0014, the knowledge base 0015,
    # training 0016, notices 0017), merged by 0018; issue 25's groups 0019
    parts = ("0013", "0014", "0015", "0016", "0017", "0018")
    assert [*(f"{n:04d}" for n in range(1, 11)), *parts] == EARLIER
    assert {"0019"} == HEADS


# Values the application parses (not only stores): a user it can sign in.
MEANINGFUL = {("users", "role"): "broker", ("users", "permissions"): ["reveal_pii"]}


def _value(table: sa.Table, column: sa.Column[Any], number: int) -> Any:
    if (table.name, column.name) in MEANINGFUL:
        return MEANINGFUL[table.name, column.name]
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):  # BigInteger, SmallInteger too
        return 7000 + number
    if isinstance(kind, sa.Float):
        return 1234.5 + number
    if isinstance(kind, sa.DateTime):
        return WHEN
    if isinstance(kind, sa.Date):
        return DAY
    if isinstance(kind, sa.JSON):
        return {"值": [1, "二", None], "n": number}
    text = f"{table.name}.{column.name} 中文'\"%"
    length = getattr(kind, "length", None)
    return text[-length:] if length else text


def _rows_for(db: sa.Engine) -> dict[str, dict[str, Any]]:
    """One row for every table the store has now, foreign keys pointing at their table's row."""
    reflected = sa.MetaData()
    reflected.reflect(db)
    rows: dict[str, dict[str, Any]] = {}
    with db.begin() as connection:
        for number, table in enumerate(reflected.sorted_tables):
            if table.name == "alembic_version" or table.name not in metadata.tables:
                continue  # a full-text index's own tables (kb_fts*): kept by triggers
            row = {c.name: _value(table, c, number) for c in table.columns}
            for fk in table.foreign_keys:
                target = fk.column
                if target.table.name == table.name:  # a parent in the same table: none
                    row[fk.parent.name] = None if fk.parent.nullable else row[target.name]
                else:
                    row[fk.parent.name] = rows[target.table.name][target.name]
            connection.execute(table.insert().values(row))
            rows[table.name] = row
    return rows


def _plain(value: Any) -> Any:
    """A value as compared: times in UTC without the zone (SQLite keeps none)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _upgrade_keeps_rows(settings: Settings, revision: str) -> None:
    db = store_engine(settings)
    with db.begin() as connection:
        config = alembic_config(settings.store_url)
        config.attributes["connection"] = connection  # type: ignore[attr-defined]
        command.upgrade(config, revision)  # type: ignore[arg-type]
    written = _rows_for(db)
    assert written, revision

    db = open_store(settings)  # to head, as the application opens an older store
    with db.connect() as connection:
        version = connection.execute(sa.text("select version_num from alembic_version")).all()
        assert {v for (v,) in version} == HEADS
        for name, row in written.items():
            table = metadata.tables[name]  # the application's definition of it
            got = connection.execute(sa.select(table)).mappings().all()
            assert len(got) == 1, (revision, name)
            assert {k: _plain(got[0][k]) for k in row} == row, (revision, name)
    # ... and through the code that reads them: the user of the old store is one of today's
    (user,) = list_users(db)
    assert user.username == written["users"]["username"]
    assert user.role == Role.BROKER and user.permissions == {Permission.REVEAL_PII}


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrade_from_revision_keeps_rows_on_sqlite(revision: str, tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    try:
        _upgrade_keeps_rows(settings, revision)
    finally:
        dispose_engines()


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrade_from_revision_keeps_rows_on_postgresql(revision: str, tmp_path: Path) -> None:
    # a schema of its own in the test database, dropped afterwards
    with pg_schema(f"mig{revision}") as url:
        settings = load_settings(home=tmp_path / "home", database_url=url)
        _upgrade_keeps_rows(settings, revision)

"""Fresh stores for tests, copied from a store migrated once per test process.

Most tests start from an empty, migrated store: SQLite in a new home, or a PostgreSQL database of
their own. Running the 19 Alembic migrations for each took 0.3 s (SQLite) to 1 s (PostgreSQL) of
a test's setup, over thousands of tests. Instead the first store of a process is migrated for
real (`brokerlens.store.migrate.upgrade`) and kept as a template: a new SQLite store is a copy of
the template's file; a PostgreSQL test gets a database created `TEMPLATE` the migrated one. What
a test then sees is the same schema and rows the migrations made. The migrations themselves are
tested from every revision on both stores (tests/store/test_migrate_from_every_revision.py),
which call Alembic directly and so never take these copies.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from brokerlens.config import Settings, load_settings
from brokerlens.store import db as store_db
from brokerlens.store import dispose_engines, migrate

_real_upgrade = migrate.upgrade
_sqlite_template: Path | None = None
_pg_template: str | None = None


def _forget(url: str) -> None:
    """Close and drop the process's engine of `url` (a template must have no connection)."""
    engine = store_db._engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def sqlite_template() -> Path:
    """A SQLite store migrated to head (once per process), its WAL checkpointed into the file."""
    global _sqlite_template
    if _sqlite_template is None or not _sqlite_template.is_file():
        folder = Path(tempfile.mkdtemp(prefix="brokerlens-template-"))
        atexit.register(shutil.rmtree, folder, True)
        settings = load_settings(home=folder)
        _real_upgrade(settings)
        _forget(settings.store_url)
        path = Path(sa.make_url(settings.store_url).database or "")
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _sqlite_template = path
    return _sqlite_template


def upgrade(settings: Settings) -> None:
    """`migrate.upgrade` for tests: a SQLite store not made yet is the template's copy."""
    url = sa.make_url(settings.store_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        target = Path(url.database)
        if not target.exists() and not Path(f"{target}-wal").exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sqlite_template(), target)
            migrate._migrated.add(settings.store_url)
            return
    _real_upgrade(settings)


def install() -> None:
    migrate.upgrade = upgrade


def _admin(pg_url: str) -> sa.Engine:
    return sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")


def _drop(pg_url: str, name: str) -> None:
    admin = _admin(pg_url)
    with admin.connect() as connection:  # FORCE: a pooled connection may linger
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _database_url(pg_url: str, name: str) -> str:
    return sa.make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def pg_template(pg_url: str) -> str:
    """The name of a PostgreSQL database migrated to head (once per process; dropped at exit)."""
    global _pg_template
    if _pg_template is None:
        name = f"tmpl_{uuid.uuid4().hex[:12]}"
        admin = _admin(pg_url)
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        atexit.register(_drop, pg_url, name)
        url = _database_url(pg_url, name)
        _real_upgrade(load_settings(home=Path(tempfile.gettempdir()), database_url=url))
        _forget(url)
        _pg_template = name
    return _pg_template


@contextmanager
def pg_migrated(pg_url: str, prefix: str = "t") -> Iterator[str]:
    """The URL of a new PostgreSQL database with the migrated schema, dropped on leaving."""
    template = pg_template(pg_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _admin(pg_url)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    url = _database_url(pg_url, name)
    migrate._migrated.add(url)
    try:
        yield url
    finally:
        dispose_engines()
        migrate._migrated.discard(url)
        _drop(pg_url, name)

"""Operational stores for tests: a SQLite file, and a real PostgreSQL in a schema of its own.

PostgreSQL is expected at 127.0.0.1:5432 (database `test`, user `postgres`), or wherever
BROKERLENS_TEST_DATABASE_URL points. Absent, the PostgreSQL cases fail under CI and are
skipped elsewhere, saying why (support.needs).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from brokerlens.config import Settings, load_settings
from brokerlens.store import dispose_engines
from support.fresh_stores import pg_migrated
from support.needs import missing

PG_URL = os.environ.get(
    "BROKERLENS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


def require_postgres() -> None:
    try:
        db = sa.create_engine(PG_URL)
        with db.connect() as connection:
            connection.execute(sa.text("select 1"))
        db.dispose()
    except Exception as exc:
        missing(f"PostgreSQL at {PG_URL} (see README): {exc.__class__.__name__}: {exc}")


@contextmanager
def pg_schema(prefix: str = "t") -> Iterator[str]:
    """A URL whose connections live in a fresh PostgreSQL schema, dropped on leaving.

    Fails (CI) or skips when PostgreSQL is not reachable; see `require_postgres`."""
    require_postgres()
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{joiner}options=-csearch_path%3D{schema}"
    finally:
        dispose_engines()  # pooled connections would hold locks the DROP waits for
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def pg_database(prefix: str = "t") -> Iterator[str]:
    """The URL of a fresh PostgreSQL database (on PG_URL's server), dropped on leaving: for
    what a schema cannot stand in for, like a database copied with `CREATE DATABASE ...
    TEMPLATE`. Fails (CI) or skips when PostgreSQL is not reachable; see `require_postgres`."""
    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as connection:  # FORCE: a killed run's connection may linger
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL database with the store's schema (a copy of one migrated
    once per process: support.fresh_stores), dropped afterwards."""
    require_postgres()
    with pg_migrated(PG_URL) as url:
        yield url


@pytest.fixture(scope="session")
def pg_session_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for the whole test session: for a store that is costly to fill (a
    published brokerage) and only read, or written in ways tests tolerate, afterwards."""
    with pg_schema("ts") as url:
        yield url


def settings_for(backend: str, home: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "sqlite":
        return load_settings(home=home)
    url = request.getfixturevalue("pg_store_url")
    return load_settings(home=home, database_url=url)


@pytest.fixture(params=BACKENDS)
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings with an empty store, once on SQLite and once on PostgreSQL."""
    settings = settings_for(request.param, tmp_path / "home", request)
    yield settings
    dispose_engines()


@contextmanager
def scope_reader(kind: str, db: sa.Engine) -> Iterator[str]:
    """The served scope read from the profile's columnar copy ("columnar"), or from the store's
    table ("store": the snapshots' columnar paths hidden meanwhile, then restored)."""
    from brokerlens.access.snapshot import clear_cache
    from brokerlens.store.schema import snapshots

    if kind == "columnar":
        yield kind
        return
    with db.begin() as connection:
        saved = connection.execute(
            sa.select(snapshots.c.snapshot_id, snapshots.c.columnar_path)
        ).all()
        assert any(path for _, path in saved)
        connection.execute(snapshots.update().values(columnar_path=None))
    clear_cache()
    try:
        yield kind
    finally:
        with db.begin() as connection:
            for snapshot_id, path in saved:
                connection.execute(
                    snapshots.update()
                    .where(snapshots.c.snapshot_id == snapshot_id)
                    .values(columnar_path=path)
                )
        clear_cache()


@contextmanager
def published_copy(home: Path, store_dir: Path) -> Iterator[tuple[Settings, sa.Engine]]:
    """A loaded brokerage's home run and published into a store of its own (SQLite in
    `store_dir`): the settings and the store, caches cleared around."""
    from brokerlens.access.snapshot import clear_cache
    from brokerlens.pipeline.run import run_pipeline
    from brokerlens.publish import publish
    from brokerlens.store import open_store

    settings = load_settings(home=home, database_url=f"sqlite:///{store_dir / 'store.db'}")
    run_pipeline(load_settings(home=home))
    publish(settings)
    clear_cache()
    try:
        yield settings, open_store(settings)
    finally:
        clear_cache()
        dispose_engines()

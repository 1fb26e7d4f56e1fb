"""Connections to the operational store: a SQLite file in the home, or PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError

from brokerlens.config import Settings
from brokerlens.errors import ConfigError


def is_sqlite(db: Engine) -> bool:
    return db.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers keep the served snapshot while a publish writes the next one.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MB
    cursor.execute("PRAGMA mmap_size=4294967296")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


_engines: dict[str, Engine] = {}

# Connections kept per process: more than a serve worker's request threads (serve_threads) and
# the daily job's streams use at once, since a connection beyond the kept ones is closed when
# returned. With 10 kept, a server under load opened and closed a PostgreSQL connection (a new
# server process) or a SQLite one (its pragmas, a cold page cache) for most requests.
# PostgreSQL's max_connections (docs/postgresql/brokerlens.conf) counts the workers' pools.
POOL_SIZE = 20
POOL_OVERFLOW = 10


def _engine_for(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = _new_engine(url)
    return _engines[url]


def _new_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"BROKERLENS_DATABASE_URL {url!r} is not a database URL",
            hint="write it like postgresql+psycopg://user@host:5432/dbname",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        db = create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        event.listen(db, "connect", _sqlite_pragmas)
        return db
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"unsupported database {parsed.get_backend_name()!r} in BROKERLENS_DATABASE_URL",
            hint="use PostgreSQL (postgresql+psycopg://...) or leave it unset for SQLite",
        )
    parsed = with_driver(parsed)
    try:
        db = create_engine(parsed, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    except NoSuchModuleError as exc:
        raise ConfigError(f"no driver for {parsed.drivername}: {exc}") from None
    _ping_when_idle(db)
    return db


# A pooled PostgreSQL connection is pinged before use only when it has been idle this long: a
# ping on every checkout (pool_pre_ping) cost two of a 360's seven round trips and ~40% of its
# time under load, while a connection the server dropped (a restart, an idle timeout) is one
# that sat unused.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(db: Engine) -> None:
    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("checked_in", 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            db.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool then retries with a new connection
            raise DisconnectionError(f"a pooled connection was dead: {exc}") from exc

    event.listen(db, "connect", checked_in)  # a new connection needs no ping
    event.listen(db, "checkin", checked_in)
    event.listen(db, "checkout", checkout)


def with_driver(parsed: URL) -> URL:
    """A bare postgresql:// URL names psycopg (3), the driver installed with brokerlens."""
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def store_engine(settings: Settings) -> Engine:
    """The engine for the settings' store (one per URL per process). Does not migrate."""
    return _engine_for(settings.store_url)


def fill_pool(db: Engine, connections: int) -> None:
    """Open `connections` pooled connections at once and return them to the pool (a serving
    worker before its first request: a new PostgreSQL connection starts a server process)."""
    opened = []
    try:
        for _ in range(min(connections, POOL_SIZE)):
            connection = db.connect()
            opened.append(connection)
            connection.exec_driver_sql("SELECT 1")
    finally:
        for connection in opened:
            connection.close()


def dispose_engines(*, forget: bool = True) -> None:
    """Close every pooled connection (tests, and before a process forks); `forget=False` keeps
    the engines, whose pools open connections again when next used."""
    for db in _engines.values():
        db.dispose()
    if forget:
        _engines.clear()

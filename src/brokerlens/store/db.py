"""Connections to the operational store: a SQLite file in the home, or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

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
        db = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(db, "connect", _sqlite_pragmas)
        return db
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"unsupported database {parsed.get_backend_name()!r} in BROKERLENS_DATABASE_URL",
            hint="use PostgreSQL (postgresql+psycopg://...) or leave it unset for SQLite",
        )
    parsed = with_driver(parsed)
    try:
        return create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True)
    except NoSuchModuleError as exc:
        raise ConfigError(f"no driver for {parsed.drivername}: {exc}") from None


def with_driver(parsed: URL) -> URL:
    """A bare postgresql:// URL names psycopg (3), the driver installed with brokerlens."""
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def store_engine(settings: Settings) -> Engine:
    """The engine for the settings' store (one per URL per process). Does not migrate."""
    return _engine_for(settings.store_url)


def dispose_engines(*, forget: bool = True) -> None:
    """Close every pooled connection (tests, and before a process forks); `forget=False` keeps
    the engines, whose pools open connections again when next used."""
    for db in _engines.values():
        db.dispose()
    if forget:
        _engines.clear()

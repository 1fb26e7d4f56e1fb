"""Alembic migrations, run from code: `open_store` brings the store to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, make_url

from brokerlens.config import Settings
from brokerlens.store.db import store_engine

MIGRATIONS = Path(__file__).parent / "migrations"
_migrated: set[str] = set()


def alembic_config(url: str) -> object:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(settings: Settings) -> None:
    """Migrate the store to head (idempotent)."""
    db = store_engine(settings)
    with db.begin() as connection:
        config = alembic_config(settings.store_url)
        config.attributes["connection"] = connection  # type: ignore[attr-defined]
        command.upgrade(config, "head")  # type: ignore[arg-type]
    _migrated.add(settings.store_url)


def open_store(settings: Settings) -> Engine:
    """The store's engine, migrated to the newest schema once per process."""
    if settings.store_url not in _migrated:
        upgrade(settings)
    return store_engine(settings)


def store_if_present(settings: Settings) -> Engine | None:
    """The migrated store, or None when it is a SQLite file not made yet: a run step that reads
    the store (states, campaigns, treatments) never creates it, so `run --no-publish` leaves a
    home without a store as it found it."""
    url = make_url(settings.store_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return None
    return open_store(settings)

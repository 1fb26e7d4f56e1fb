"""A small brokerage whose days cross a month's end (2025-03-25 .. 2025-04-08), run and
published, for the commission statements' tests (issue 19 C): March is complete (settleable),
April is a preview. Built once per session; each test that settles gets a store of its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from brokerlens.config import Settings, load_settings

SEED = 20261122
START = dt.date(2025, 3, 25)
MARCH = dt.date(2025, 3, 1)
APRIL = dt.date(2025, 4, 1)
SECOND_HQ = "hq_settler2"  # a second holder of settle_commission, to decide adjustments
PASSWORD = "Statements-2025!"

_BUILT: dict[str, Path] = {}


@dataclass(frozen=True)
class StatementsStore:
    settings: Settings
    db: sa.Engine
    users: dict[str, tuple[str, str]]  # role -> (username, password)


def statements_home(factory: pytest.TempPathFactory) -> Path:
    """Generate, ingest and run the brokerage once per session (the home: lake and warehouse)."""
    from brokerlens.generate import GenerateOptions, generate
    from brokerlens.ingest import ingest_inbox
    from brokerlens.pipeline import run_pipeline

    if "home" in _BUILT:
        return _BUILT["home"]
    root = factory.mktemp("statements")
    inbox, home = root / "inbox", root / "home"
    generate(GenerateOptions(out=inbox, customers=300, days=10, start=START, seed=SEED))
    settings = load_settings(home=home)
    assert ingest_inbox(settings, inbox).exit_code == 0
    run_pipeline(settings)
    _BUILT["home"] = home
    return home


def published_store(home: Path, store_dir: Path, url: str | None = None) -> StatementsStore:
    """The home published into a fresh store (SQLite in `store_dir`, or `url`) with the demo
    users and a second head office user."""
    from brokerlens.access.snapshot import clear_cache
    from brokerlens.auth import create_demo_users
    from brokerlens.auth.principal import Role
    from brokerlens.auth.users import add_user
    from brokerlens.publish import publish
    from brokerlens.store import open_store

    settings = load_settings(home=home, database_url=url or f"sqlite:///{store_dir / 'store.db'}")
    publish(settings)
    clear_cache()
    db = open_store(settings)
    users = {str(u.role): (u.username, u.password or "") for u in create_demo_users(db)}
    add_user(
        db, username=SECOND_HQ, display_name="第二结算人", role=Role.HQ_MARKETING, password=PASSWORD
    )
    users["hq_marketing_2"] = (SECOND_HQ, PASSWORD)
    return StatementsStore(settings, db, users)

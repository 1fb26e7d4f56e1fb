"""A generated and loaded brokerage, as the session fixture `small_brokerage` hands it out;
and the same brokerage published, as the web and browser tests serve it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from brokerlens.config import Settings, load_settings
from support.built_once import copy_of
from support.points import long_lived_points


@dataclass(frozen=True)
class Brokerage:
    inbox: Path
    settings: Settings


def published_copy(
    factory: pytest.TempPathFactory, small: Brokerage
) -> tuple[Path, dict[str, tuple[str, str]]]:
    """This worker's own copy of the small brokerage loaded, run and published, with one demo
    user per role (built once per session, support/built_once.py): its home and role ->
    (username, password). The web tests' and the browser tests' brokerage."""
    root = copy_of(factory, "published_small", lambda root: _publish(root, small))
    users = json.loads((root / "users.json").read_text("utf-8"))
    return root / "home", {role: (name, password) for role, (name, password) in users.items()}


def _publish(root: Path, small: Brokerage) -> None:
    from brokerlens.ingest import ingest_inbox
    from brokerlens.pipeline import run_pipeline

    settings = load_settings(home=root / "home")
    assert ingest_inbox(settings, small.inbox).exit_code == 0
    long_lived_points(settings)  # issue 23: the 2025 awards still count today
    run_pipeline(settings)
    users = published_home(settings.home)
    (root / "users.json").write_text(json.dumps(users), "utf-8")


def published_home(home: Path) -> dict[str, tuple[str, str]]:
    """Publish a computed home and make its demo users: role -> (username, password)."""
    from brokerlens.auth import create_demo_users
    from brokerlens.publish import publish
    from brokerlens.store import dispose_engines, open_store

    settings = load_settings(home=home)
    publish(settings)
    demo = create_demo_users(open_store(settings))
    dispose_engines()
    return {str(u.role): (u.username, u.password or "") for u in demo}

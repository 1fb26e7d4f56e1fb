"""The web tests' `published` brokerage again, served from PostgreSQL.

Tests in this folder see `published` (and through it `app_client`, `sign_in`,
`other_client`) backed by a PostgreSQL schema of its own, built once per session and dropped
at its end. The lake, profile and catalog are copied from the SQLite brokerage rather than
computed again: only the store differs, and the second backend costs one publish.
"""

from __future__ import annotations

import shutil

import pytest

from brokerlens.config import load_settings
from support.store import pg_session_schema_url  # noqa: F401  (fixture)
from web.conftest import Published


@pytest.fixture(scope="session")
def published(
    published: Published,
    pg_session_schema_url: str,  # noqa: F811  (the fixture imported above)
    tmp_path_factory: pytest.TempPathFactory,
) -> Published:
    """Overrides the parent folder's `published`, which it receives as `published`."""
    from brokerlens.auth import create_demo_users
    from brokerlens.publish import publish
    from brokerlens.store import dispose_engines, open_store

    home = tmp_path_factory.mktemp("web_pg") / "home"
    # The SQLite store stays behind: with database_url set it would be ignored anyway.
    shutil.copytree(published.home, home, ignore=shutil.ignore_patterns("brokerlens.db*"))
    settings = load_settings(home=home, database_url=pg_session_schema_url)
    publish(settings)
    demo = create_demo_users(open_store(settings))
    dispose_engines()
    users = {str(u.role): (u.username, u.password or "") for u in demo}
    return Published(settings, users, home)

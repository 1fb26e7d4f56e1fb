"""A published small brokerage with one demo user per role, and signed-in TestClients.

Built once per session: generate -> ingest -> run_pipeline -> publish -> create_demo_users.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient; the project pins httpx (the bench uses it).
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

from brokerlens.config import Settings, load_settings
from brokerlens.store import dispose_engines, open_store
from support.brokerage import Brokerage, published_copy
from support.store import scope_reader


@dataclass(frozen=True)
class Published:
    settings: Settings
    users: dict[str, tuple[str, str]]  # role -> (username, password)
    home: Path


@pytest.fixture(scope="session")
def published(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Published:
    home, users = published_copy(tmp_path_factory, small_brokerage)
    return Published(load_settings(home=home), users, home)


@pytest.fixture(params=["columnar", "store"])
def reader(request: pytest.FixtureRequest, published: Published) -> Iterator[str]:
    """Lists, counts and exports answered from the columnar copy publish wrote (as served), or
    from the store's profile table (the copy unset for the test, then set back)."""
    db = open_store(published.settings)
    try:
        with scope_reader(request.param, db) as kind:
            yield kind
    finally:
        if request.param == "store":
            dispose_engines()


@pytest.fixture
def app_client(published: Published) -> Iterator[TestClient]:
    from brokerlens.store import dispose_engines
    from brokerlens.web.app import create_app

    with TestClient(create_app(published.settings), follow_redirects=False) as client:
        yield client
    dispose_engines()


@dataclass
class SignedIn:
    client: TestClient
    csrf: str
    username: str

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


@pytest.fixture
def sign_in(app_client: TestClient, published: Published) -> Callable[[str], SignedIn]:
    """Sign the (one) client in as the demo user of a role; returns it with its CSRF token."""

    def login(role: str) -> SignedIn:
        username, password = published.users[role]
        response = app_client.post("/api/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return SignedIn(app_client, response.json()["csrf_token"], username)

    return login


@pytest.fixture
def other_client(published: Published) -> Iterator[Callable[[str], SignedIn]]:
    """Independent clients (own cookie jars), for comparing two users side by side."""
    from brokerlens.web.app import create_app

    clients: list[TestClient] = []

    def make(role: str) -> SignedIn:
        client = TestClient(create_app(published.settings), follow_redirects=False)
        client.__enter__()
        clients.append(client)
        username, password = published.users[role]
        response = client.post("/api/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return SignedIn(client, response.json()["csrf_token"], username)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def clients(published: Published) -> Iterator[Callable[[], TestClient]]:
    """Fresh, signed-out clients with their own cookie jars (say, two browsers of one user)."""
    from brokerlens.web.app import create_app

    made: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(create_app(published.settings), follow_redirects=False)
        client.__enter__()
        made.append(client)
        return client

    yield make
    for client in made:
        client.__exit__(None, None, None)

"""`brokerlens user ...` as an administrator meets it, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from auth.org_rows import seed_org
from brokerlens.auth import DEMO_PASSWORD, list_users, login
from brokerlens.config import Settings
from brokerlens.store import open_store
from support.cli import brokerlens

Run = Callable[..., subprocess.CompletedProcess[str]]


def _runner(home: Path, database_url: str | None) -> Run:
    env = {"BROKERLENS_DATABASE_URL": database_url or ""}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = ["--home", str(home), "user", *args]
        if stdin is None:
            return brokerlens(*argv, env=env)
        # support.cli.brokerlens takes no input; the same call with a password on stdin.
        return subprocess.run(
            [sys.executable, "-m", "brokerlens", *argv],
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200", **env},
            timeout=120,
        )

    return run


@pytest.fixture
def user_cli(store_settings: Settings) -> Run:
    return _runner(store_settings.home, store_settings.database_url)


def test_add_list_disable_enable_reset(store_settings: Settings, user_cli: Run) -> None:
    args = ["add", "alice", "--role", "hq_marketing", "--name", "Alice", "--password-stdin"]
    done = user_cli(*args, stdin="Correct-horse-9\n")
    assert done.returncode == 0, done.stderr
    assert "added user alice" in done.stdout
    engine = open_store(store_settings)
    ticket = login(engine, "alice", "Correct-horse-9", ip="127.0.0.1")
    assert ticket.principal.display_name == "Alice"
    generated = user_cli("add", "bob", "--role", "admin", "--generate")
    assert generated.returncode == 0, generated.stderr
    assert "shown once" in generated.stdout
    listed = user_cli("list")
    assert listed.returncode == 0
    assert "alice" in listed.stdout and "bob" in listed.stdout and "$argon2" not in listed.stdout
    assert "must change password" in listed.stdout
    assert user_cli("disable", "alice").returncode == 0
    assert "disabled" in user_cli("list").stdout
    assert user_cli("enable", "alice").returncode == 0
    reset = user_cli("reset", "alice")
    assert reset.returncode == 0, reset.stderr
    temporary = reset.stdout.strip().splitlines()[-1]
    assert login(engine, "alice", temporary, ip="127.0.0.1").must_change_password


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    run = _runner(tmp_path, None)  # the messages do not depend on the store's backend
    cases = [
        (["add", "carol", "--role", "boss"], "Correct-horse-9\n", "role 'boss' is unknown"),
        (["add", "carol", "--role", "admin"], "short\n", "at least 10 characters"),
        (["add", "carol", "--role", "broker"], "Correct-horse-9\n", "needs a staff_id"),
        (["disable", "nobody"], None, "no user 'nobody'"),
        (["demo"], None, "brokerlens run"),
    ]
    for args, stdin, message in cases:
        done = run(*args, *(["--password-stdin"] if stdin else []), stdin=stdin)
        assert done.returncode == 2, (args, done.stdout)
        assert message in done.stderr
        assert "Traceback" not in done.stderr


def test_demo_prints_users_and_how_to_sign_in(store_settings: Settings, user_cli: Run) -> None:
    seed_org(open_store(store_settings))
    done = user_cli("demo")
    assert done.returncode == 0, done.stderr
    assert "demo_broker" in done.stdout and DEMO_PASSWORD in done.stdout
    assert "http://127.0.0.1:8000" in done.stdout
    assert user_cli("demo").returncode == 0
    assert len(list_users(open_store(store_settings))) == 8

"""`brokerlens user ...` as an administrator meets it, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from auth.org_rows import seed_org
from brokerlens.access import AuditQuery, Role, search_audit
from brokerlens.access.users import acting_principal
from brokerlens.auth import DEMO_PASSWORD, list_users, login
from brokerlens.config import Settings
from brokerlens.store import open_store
from support.cli import brokerlens

Run = Callable[..., subprocess.CompletedProcess[str]]


def _runner(home: Path, database_url: str | None) -> Run:
    env = {"BROKERLENS_DATABASE_URL": database_url or ""}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return brokerlens("--home", str(home), "user", *args, env=env, stdin=stdin or "")

    return run


@pytest.fixture
def user_cli(store_settings: Settings) -> Run:
    return _runner(store_settings.home, store_settings.database_url)


def test_add_list_disable_enable_reset(store_settings: Settings, user_cli: Run) -> None:
    # the bootstrap: the first administrator is added without --user, and only that one
    first = user_cli("add", "root", "--role", "admin", "--password-stdin", stdin="Admin-horse-99\n")
    assert first.returncode == 0, first.stderr
    args = ["add", "alice", "--role", "hq_marketing", "--name", "Alice", "--password-stdin"]
    refused = user_cli(*args, stdin="Correct-horse-9\n")
    assert refused.returncode == 2 and "adding a user needs --user ADMIN" in refused.stderr
    second = user_cli(
        "add", "toor", "--role", "admin", "--password-stdin", stdin="Admin-horse-99\n"
    )
    assert second.returncode == 2 and "an administrator exists" in second.stderr
    done = user_cli(*args, "--user", "root", stdin="Correct-horse-9\n")
    assert done.returncode == 0, done.stderr
    assert "added user alice" in done.stdout
    db = open_store(store_settings)
    ticket = login(db, "alice", "Correct-horse-9", ip="127.0.0.1")
    assert ticket.principal.display_name == "Alice"
    generated = user_cli("add", "bob", "--role", "admin", "--generate", "--user", "root")
    assert generated.returncode == 0, generated.stderr
    assert "shown once" in generated.stdout
    listed = user_cli("list", "--user", "root")
    assert listed.returncode == 0
    assert "alice" in listed.stdout and "bob" in listed.stdout and "$argon2" not in listed.stdout
    assert "must change password" in listed.stdout
    assert user_cli("disable", "alice", "--user", "root").returncode == 0
    assert "disabled" in user_cli("list", "--user", "root").stdout
    gone = user_cli("list", "--user", "alice")  # a disabled user acts nowhere
    assert gone.returncode == 2 and "'alice' is disabled" in gone.stderr
    assert user_cli("enable", "alice", "--user", "root").returncode == 0
    # bob's password is temporary: he acts nowhere before changing it; alice is no admin
    for user, message in (("bob", "must change the password"), ("alice", "manage_users")):
        barred = user_cli("disable", "root", "--user", user)
        assert barred.returncode == 2 and message in barred.stderr, barred.stderr
    reset = user_cli("reset", "alice", "--user", "root")
    assert reset.returncode == 0, reset.stderr
    temporary = reset.stdout.strip().splitlines()[-1]
    assert login(db, "alice", temporary, ip="127.0.0.1").must_change_password
    for command in ("disable", "enable", "reset"):
        bare = user_cli(command, "alice")
        assert bare.returncode == 2 and "Missing option '--user'" in bare.stderr
    admin = acting_principal(db, "root")
    trail = search_audit(db, dataclasses.replace(admin, role=Role.COMPLIANCE), AuditQuery())
    changes = [r for r in trail.rows if r["action"].startswith("user_")]
    seen = [(r["action"], r["username"], r["detail"]["username"]) for r in changes]
    assert seen[::-1] == [
        ("user_create", "root", "root"),
        ("user_create", "root", "alice"),
        ("user_create", "root", "bob"),
        ("user_disable", "root", "alice"),
        ("user_enable", "root", "alice"),
        ("user_reset", "root", "alice"),
    ]
    assert changes[-1]["detail"]["bootstrap"] is True
    assert all(temporary not in str(r["detail"]) for r in trail.rows)


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    run = _runner(tmp_path, None)  # the messages do not depend on the store's backend

    def refused(cases: list[tuple[list[str], str | None, str]]) -> None:
        for args, stdin, message in cases:
            done = run(*args, *(["--password-stdin"] if stdin else []), stdin=stdin)
            assert done.returncode == 2, (args, done.stdout)
            assert message in done.stderr
            assert "Traceback" not in done.stderr

    refused(
        [
            (["add", "root", "--role", "admin"], "short\n", "at least 10 characters"),
            (["add", "carol", "--role", "broker"], "Correct-horse-9\n", "needs --user ADMIN"),
            (["add", "carol", "--role", "admin", "--user", "root"], None, "no user 'root'"),
            (["demo"], None, "brokerlens run"),
        ]
    )
    made = run("add", "root", "--role", "admin", "--password-stdin", stdin="Admin-horse-99\n")
    assert made.returncode == 0, made.stderr
    as_root = ["--user", "root"]
    refused(
        [
            (["add", "carol", "--role", "boss", *as_root], "Correct-horse-9\n", "role 'boss'"),
            (["add", "carol", "--role", "admin", *as_root], "short\n", "at least 10 characters"),
            (["add", "carol", "--role", "broker", *as_root], "Correct-horse-9\n", "staff_id"),
            (["disable", "nobody", *as_root], None, "no user 'nobody'"),
            (["disable", "root", "--user", "nobody"], None, "no user 'nobody'"),
            (["list"], None, "Missing option '--user'"),
            (["demo"], None, "needs --user ADMIN"),
            (["demo", *as_root], None, "brokerlens run"),
        ]
    )


def test_demo_prints_users_and_how_to_sign_in(store_settings: Settings, user_cli: Run) -> None:
    seed_org(open_store(store_settings))
    done = user_cli("demo")
    assert done.returncode == 0, done.stderr
    assert "demo_broker" in done.stdout and DEMO_PASSWORD in done.stdout
    assert "http://127.0.0.1:8000" in done.stdout
    assert user_cli("demo").returncode == 0  # nothing changes: no --user needed
    assert len(list_users(open_store(store_settings))) == len(Role)
    refused = user_cli("demo", "--reset")  # an administrator exists now
    assert refused.returncode == 2 and "needs --user ADMIN" in refused.stderr
    assert user_cli("demo", "--reset", "--user", "demo_admin").returncode == 0
    db = open_store(store_settings)
    admin = acting_principal(db, "demo_admin")
    trail = search_audit(db, dataclasses.replace(admin, role=Role.COMPLIANCE), AuditQuery())
    seen = sorted((r["action"], r["username"], r["detail"]["username"]) for r in trail.rows)
    names = sorted(u.username for u in list_users(db))
    assert seen == sorted(
        [("user_create", "demo_admin", n) for n in names]
        + [("user_reset", "demo_admin", n) for n in names]
    )
    assert all(r["detail"]["demo"] for r in trail.rows)

"""`brokerlens worklist show|done|snooze|dismiss|completion --user U` on SQLite and PostgreSQL,
over the hand-built world (access/builders.py) and its list file (support/worklist.py): the
commands act as the named user (their scope, their audit rows), bad options are messages
naming the option, never tracebacks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from access.builders import AS_OF, World, build_world
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import Settings
from brokerlens.console import console, err_console
from brokerlens.store.marketing_schema import service_records
from brokerlens.store.schema import audit_log
from support.worklist import world_rows, write_worklist

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    clear_cache()
    built = build_world(store_settings)
    write_worklist(store_settings, AS_OF, world_rows(AS_OF))
    yield built
    clear_cache()


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`brokerlens --home HOME worklist *args` in-process, on the world's store."""
    from brokerlens.cli.main import run

    monkeypatch.setattr(console, "_width", 250)
    monkeypatch.setattr(err_console, "_width", 250)
    if world.settings.database_url:
        monkeypatch.setenv("BROKERLENS_DATABASE_URL", world.settings.database_url)
    else:
        monkeypatch.delenv("BROKERLENS_DATABASE_URL", raising=False)

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        argv = ["brokerlens", "--home", str(world.settings.home), "worklist", *args]
        monkeypatch.setattr(sys, "argv", argv)
        code: int | str | None = 0
        try:
            run()
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, int(code or 0), out, err)

    return call


def _actions(world: World, username: str) -> list[str]:
    with world.engine.connect() as connection:
        return [
            str(a)
            for a in connection.execute(
                sa.select(audit_log.c.action)
                .where(audit_log.c.username == username)
                .order_by(audit_log.c.audit_id)
            ).scalars()
        ]


def test_show_acts_as_the_user_in_their_scope(cli: Cli, world: World) -> None:
    mine = cli("show", "--user", "broker2")
    assert mine.returncode == 0, mine.stderr
    assert "C002" in mine.stdout and "C003" in mine.stdout and "C009" not in mine.stdout
    assert "2 in today's budget (open 2); 2 in all" in mine.stdout
    every = cli("show", "--all", "--kind", "churn", "--user", "hq", "--staff", "S2")
    assert every.returncode == 0 and "C009" in every.stdout and "C002" not in every.stdout
    refused = cli("show", "--user", "broker", "--staff", "S2")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr + refused.stdout
    assert "no broker 'S2'" in refused.stderr + refused.stdout
    assert _actions(world, "broker2") == ["view_worklist"]


def test_done_snooze_dismiss_and_completion(cli: Cli, world: World) -> None:
    missing = cli("done", "C002", "--user", "broker2", "--channel", "phone", "--result", "x")
    assert missing.returncode != 0 and "--content" in missing.stderr + missing.stdout
    bad = cli(
        "done", "C002", "--user", "broker2", "--channel", "pigeon", "--result", "reached",
        "--content", "电话",
    )  # fmt: skip
    assert bad.returncode != 0 and "channel" in bad.stderr + bad.stdout
    done = cli(
        "done", "C002", "--user", "broker2", "--channel", "phone", "--result", "reached",
        "--content", "电话沟通活动",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "C002: done, contact logged as service record" in done.stdout
    with world.engine.connect() as connection:
        record = connection.execute(sa.select(service_records)).mappings().one()
    # the item's campaign kind makes it a marketing contact for campaign 7
    assert (record["purpose"], record["username"]) == ("marketing", "broker2")
    late = cli("snooze", "C003", "--user", "broker2", "--until", "2025-09-01")
    assert late.returncode != 0 and "until" in late.stderr + late.stdout
    assert cli("snooze", "C003", "--user", "broker2", "--until", "2025-03-20").returncode == 0
    no_reason = cli("dismiss", "C003", "--user", "broker2", "--reason", " ")
    assert no_reason.returncode != 0 and "reason" in no_reason.stderr + no_reason.stdout
    shown = cli("show", "--user", "broker2").stdout
    assert "done" in shown and "snoozed to 2025-03-20" in shown
    assert cli("completion", "--user", "broker2").returncode != 0  # a broker: refused
    team = cli("completion", "--user", "lead")
    assert team.returncode == 0, team.stderr
    cells = [[c.strip() for c in line.split("│") if c.strip()] for line in team.stdout.splitlines()]
    s2 = next(c for c in cells if c and c[0] == "S2")
    assert s2[2:8] == ["2", "1", "1", "0", "0", "50%"]
    assert _actions(world, "broker2")[-4:] == [
        "log_contact",
        "worklist_done",
        "worklist_snoozed",
        "view_worklist",
    ]

"""`brokerlens callbacks list|show|attempt|assign|schedule|report|quota|purge --user U` over the
hand-built published store of the access tests (SQLite: the service's stores are tested on both
in tests/access): a manual task scheduled, listed, shown with its script, a call refused with
the field named (exit 2), then recorded; the report and quota; a purge inside retention
refused naming the date."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from access.builders import World, build_world
from brokerlens.access.records import BEIJING
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import Settings
from brokerlens.store.schema import audit_log
from support.cli import brokerlens

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    clear_cache()
    yield build_world(store_settings)
    clear_cache()


@pytest.fixture
def cli(world: World) -> Run:
    env = {"BROKERLENS_DATABASE_URL": world.settings.database_url or ""}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return brokerlens("--home", str(world.settings.home), "callbacks", *args, env=env)

    return run


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_a_manual_call_back_from_schedule_to_result(world: World, cli: Run) -> None:
    today = dt.datetime.now(BEIJING).date()
    due = (today + dt.timedelta(days=3)).isoformat()
    made = cli("schedule", "C004", "--user", "compliance", "--due", due, "--reason", "客户来电")
    assert made.returncode == 0, made.stderr
    callback_id = made.stdout.split()[1].rstrip(":")
    listed = cli("list", "--user", "compliance", "--kind", "manual")
    assert listed.returncode == 0 and "C004" in listed.stdout and "3 days left" in listed.stdout
    shown = cli("show", callback_id, "--user", "compliance")
    assert "customer_confirmed" in shown.stdout and "no=否*" in shown.stdout
    bad = cli("attempt", callback_id, "--user", "compliance", "--outcome", "reached")
    assert bad.returncode == 2 and "answers.customer_confirmed" in bad.stderr
    done = cli(
        "attempt",
        callback_id,
        "--user",
        "compliance",
        "--outcome",
        "reached",
        "--answer",
        "customer_confirmed=yes",
        "--note",
        "已核实",
    )
    assert done.returncode == 0 and "now completed (reached)" in done.stdout
    report = cli("report", "--user", "compliance", "--year", str(today.year))
    assert report.returncode == 0 and "1 call-backs made" in report.stdout
    quota = cli("quota", "--user", "compliance", "--year", str(today.year))
    assert quota.returncode == 0 and "B1" in quota.stdout and "3 branches" in quota.stdout
    refused = cli("purge", "--user", "compliance", "--before", today.isoformat())
    assert refused.returncode != 0 and "retention" in refused.stderr
    assert str(today.replace(year=today.year + 3) - dt.timedelta(days=1)) in refused.stderr
    with world.engine.connect() as connection:
        actions = set(
            connection.execute(
                sa.select(audit_log.c.action).where(audit_log.c.username == "compliance")
            ).scalars()
        )
    assert {"create_callback", "view_callbacks", "view_callback", "callback_attempt"} <= actions

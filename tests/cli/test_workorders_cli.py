"""`brokerlens workorders ...` as the named user, on the hand-built store: a branch manager gives
a broker a work order about the broker's customer; the broker lists, starts and finishes it; a
cancel needs a note; another broker's refusal."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Iterator

import pytest

from access.builders import World, build_world
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import Settings
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
        return brokerlens("--home", str(world.settings.home), "workorders", *args, env=env)

    return run


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_create_start_done_and_refusals(world: World, cli: Run) -> None:
    due = str(dt.date.today() + dt.timedelta(days=5))
    made = cli(
        "create", "--user", "branch", "--title", "核实联系方式", "--assignee", "broker",
        "--customer", "C001", "--due", due,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "work order 1 open: '核实联系方式' for broker" in made.stdout
    listed = cli("list", "--user", "broker")
    assert listed.returncode == 0 and "核实联系方式" in listed.stdout
    assert "1 work order(s)" in listed.stderr
    assert cli("start", "1", "--user", "broker").returncode == 0
    no_note = cli("cancel", "1", "--user", "broker")
    assert no_note.returncode == 2 and "note" in no_note.stderr
    done = cli("done", "1", "--user", "broker", "--note", "已核实")
    assert done.returncode == 0 and "work order 1 done" in done.stdout
    other = cli("start", "1", "--user", "broker2")
    assert other.returncode == 2 and "no work order 1" in other.stderr

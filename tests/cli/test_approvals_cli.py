"""`brokerlens approvals ...` as the named user, on the hand-built store: a branch manager's
`alerts set` is a request (nothing changes), head office lists and shows it, the requester may
not decide it, a rejection needs a comment, the approval puts the thresholds in force."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest

from access.builders import World, build_world
from brokerlens.access.snapshot import clear_cache
from brokerlens.alerts import load_alerts, thresholds_for
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
        return brokerlens("--home", str(world.settings.home), *args, env=env)

    return run


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_a_threshold_request_approved_from_the_command_line(world: World, cli: Run) -> None:
    asked = cli(
        "alerts", "set", "no_trade", "min_days=20", "--branch", "B1", "--user", "branch", "--yes"
    )
    assert asked.returncode == 0, asked.stderr
    assert "approval request 1 made by branch: nothing changes" in asked.stdout
    assert thresholds_for(load_alerts(world.settings), "no_trade", "B1")["min_days"] == 30.0
    listed = cli("approvals", "list", "--user", "hq")
    assert listed.returncode == 0 and "alert_thresholds" in listed.stdout
    assert "1 request(s)" in listed.stderr
    shown = cli("approvals", "show", "1", "--user", "hq")
    assert "Applies to: B1" in shown.stdout and "30 → 20" in shown.stdout
    own = cli("approvals", "approve", "1", "--user", "branch")
    assert own.returncode == 2 and "someone else decides it" in own.stderr
    bare = cli("approvals", "reject", "1", "--user", "hq")
    assert bare.returncode == 2 and "comment" in bare.stderr and "Traceback" not in bare.stderr
    done = cli("approvals", "approve", "1", "--user", "hq", "--comment", "同意")
    assert done.returncode == 0, done.stderr
    assert "request 1 (alert_thresholds) approved by hq" in done.stdout
    assert "version 1" in done.stdout
    assert thresholds_for(load_alerts(world.settings), "no_trade", "B1")["min_days"] == 20.0

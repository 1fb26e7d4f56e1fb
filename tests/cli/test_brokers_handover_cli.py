"""`brokerlens handover ...` and `brokerlens ledger problems` as the named user, on the hand-built
store (tests/access/builders.py): the branch manager previews and requests S1's book for S2,
the region manager approves it in 待审批, S1 holds nothing left; the refusals say why."""

from __future__ import annotations

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
        return brokerlens("--home", str(world.settings.home), *args, env=env)

    return run


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_preview_request_approve_and_what_is_left(cli: Run) -> None:
    seen = cli("handover", "preview", "--user", "branch", "--giver", "S1", "--to", "S2")
    assert seen.returncode == 0, seen.stderr
    assert "C001" in seen.stdout and "C002" in seen.stdout
    assert "2 customers, 2 relationships" in seen.stdout and "decided by B1" in seen.stdout
    asked = cli(
        "handover", "request", "--user", "branch", "--giver", "S1", "--to", "S2",
        "--reason", "离职",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    assert "handover 1 pending: S1 -> S2" in asked.stdout and "approval request 1" in asked.stdout
    listed = cli("handover", "list", "--user", "region")
    assert listed.returncode == 0 and "1 handover(s)" in listed.stderr
    approved = cli("approvals", "approve", "1", "--user", "region", "--comment", "同意")
    assert approved.returncode == 0, approved.stderr
    shown = cli("handover", "show", "1", "--user", "branch")
    assert "handover 1 applied by region" in shown.stdout and "C001 C002" in shown.stdout
    left = cli("handover", "left", "S1", "--user", "branch")
    assert left.returncode == 0 and "S1 holds from 2025-03-14: nothing" in left.stdout
    problems = cli("ledger", "problems", "--user", "hq")
    assert problems.returncode == 0 and "0 problem(s) in scope" in problems.stderr


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_refusals_say_why(cli: Run) -> None:
    broker = cli("handover", "preview", "--user", "broker", "--giver", "S1", "--to", "S2")
    assert broker.returncode == 2 and "manage_org" in broker.stderr
    same = cli("handover", "preview", "--user", "branch", "--giver", "S1", "--to", "S1")
    assert same.returncode == 2 and "receiver_id" in same.stderr
    bad_date = cli(
        "handover", "request", "--user", "branch", "--giver", "S1", "--to", "S2",
        "--date", "2025-13-01",
    )  # fmt: skip
    assert bad_date.returncode == 2 and "--date" in bad_date.stderr
    bad_role = cli(
        "handover", "preview", "--user", "branch", "--giver", "S1", "--to", "S2", "--role", "boss"
    )
    assert bad_role.returncode == 2 and "roles" in bad_role.stderr

"""`brokerlens org ...` as a named user on a hand-built organisation: the tree as of two dates,
a refused move with its reason, a move asked and approved through `brokerlens approvals`, the
difference with the feed, and the member's history."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest

from access.brokers_tree_world import TreeWorld, build_tree_world
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import Settings
from support.cli import brokerlens

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def tw(store_settings: Settings) -> Iterator[TreeWorld]:
    clear_cache()
    yield build_tree_world(store_settings)
    clear_cache()


@pytest.fixture
def cli(tw: TreeWorld) -> Run:
    env = {"BROKERLENS_DATABASE_URL": tw.settings.database_url or ""}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return brokerlens("--home", str(tw.settings.home), *args, env=env)

    return run


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_org_tree_move_approve_diff_and_history(cli: Run) -> None:
    before = cli("org", "tree", "--user", "branch1", "--as-of", "2025-01-15")
    assert before.returncode == 0, before.stderr
    assert "韩梅梅" in before.stdout and "周新人" not in before.stdout
    after = cli("org", "tree", "--user", "branch1", "--as-of", "2025-02-15")
    assert "周新人" in after.stdout and "1 skipping a level in the feed" in after.stderr
    refused = cli(
        "org", "move", "S1", "--user", "branch1", "--manager", "M1", "--from", "2025-03-01"
    )
    assert refused.returncode == 2 and "level 1" in refused.stderr and "level 3" in refused.stderr
    asked = cli("org", "move", "S1", "--user", "branch1", "--manager", "L2", "--from", "2025-03-01")
    assert asked.returncode == 0, asked.stderr
    assert "request 1 (broker_tree_change) pending" in asked.stdout
    assert "a manager of B1 or above decides" in asked.stderr
    shown = cli("approvals", "show", "1", "--user", "region1")
    assert shown.returncode == 0 and "李组长 (L2)" in shown.stdout
    done = cli("approvals", "approve", "1", "--user", "region1", "--comment", "同意")
    assert done.returncode == 0, done.stderr
    diff = cli("org", "diff", "--user", "hq", "--as-of", "2025-03-01")
    assert diff.returncode == 0 and "manager_id" in diff.stdout and "L2" in diff.stdout
    assert "2 difference(s)" in diff.stderr
    history = cli("org", "history", "S1", "--user", "hq")
    assert history.returncode == 0 and "tree_move" in history.stdout
    out_of_scope = cli("org", "history", "S1", "--user", "branch2")
    assert out_of_scope.returncode == 2 and "no staff member 'S1'" in out_of_scope.stderr

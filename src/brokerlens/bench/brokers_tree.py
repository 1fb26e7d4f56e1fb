"""Bench stage `broker tree` of the suite `brokers` (issue 19 part A), runnable over a home whose
lake is ingested: the organisation's versions of the newest loaded date are loaded into the store
(as publish does), then the broker tree is timed in the process as head office (the whole firm)
and as the manager of the largest branch, with the differences with the feed and one staff
member's history. `python -m brokerlens.bench.brokers_tree --home HOME` prints the seconds of
each (the stage's own time includes starting Python)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from brokerlens.access.broker_tree import broker_tree, tree_differences
from brokerlens.access.org_versions import branch_of, staff_on, units_on
from brokerlens.access.staff_history import staff_history
from brokerlens.auth.principal import Principal, Role
from brokerlens.bench.harness import BenchPlan, Stage, register_stage
from brokerlens.config import load_settings
from brokerlens.console import console
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.publish.org_history import publish_org_history
from brokerlens.store import open_store
from brokerlens.warehouse import open_warehouse

BRANCH_TARGET = 0.3  # seconds: the tree of a branch, like a page
FIRM_TARGET = 2.0  # seconds: the whole firm's tree (head office)


def _timed(label: str, call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    seconds = time.perf_counter() - started
    console.print(f"{label}: {seconds:.3f} s", markup=False)
    return seconds


def _largest_branch(db: sa.Engine, day: Any) -> tuple[str | None, str | None]:
    """The branch with most staff as of `day`, and one of its brokers."""
    with db.connect() as connection:
        units = units_on(connection, day)
        members = staff_on(connection, day, columns=("staff_id", "unit_id", "position"))
    counts: dict[str, int] = {}
    broker: dict[str, str] = {}
    for row in members.values():
        branch = branch_of(row["unit_id"], units)
        if branch is not None:
            counts[branch] = counts.get(branch, 0) + 1
            if row["position"] == "broker":
                broker.setdefault(branch, row["staff_id"])
    if not counts:
        return None, None
    top = max(sorted(counts), key=lambda b: counts[b])
    return top, broker.get(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.brokers_tree")
    parser.add_argument("--home", type=Path, required=True)
    args = parser.parse_args(argv)
    settings = load_settings(home=args.home)
    day = max(read_catalog(LakeLayout(settings.lake_dir)).dates)
    db = open_store(settings)
    duck = open_warehouse(settings, lock_down=False)
    try:
        _timed("org versions into the store", lambda: publish_org_history(db, duck, day))
    finally:
        duck.close()
    hq = Principal(user_id=0, username="bench_tree", display_name="bench", role=Role.HQ_MARKETING)
    branch, broker = _largest_branch(db, day)
    manager = Principal(
        user_id=0,
        username="bench_tree",
        display_name="bench",
        role=Role.BRANCH_MANAGER,
        unit_id=branch,
    )
    whole = broker_tree(db, hq, day)
    console.print(f"{whole.members:,} members as of {day}; branch {branch}", markup=False)
    firm = _timed("broker tree, whole firm", lambda: broker_tree(db, hq, day))
    own = _timed(f"broker tree, branch {branch}", lambda: broker_tree(db, manager, day))
    own = max(own, _timed("differences, branch", lambda: tree_differences(db, manager, day)))
    if broker is not None:
        own = max(own, _timed(f"history of {broker}", lambda: staff_history(db, hq, broker)))
    console.print(
        f"slowest: firm {firm:.3f} s (target <= {FIRM_TARGET} s), branch {own:.3f} s "
        f"(target <= {BRANCH_TARGET} s)",
        markup=False,
    )
    return 0 if firm <= FIRM_TARGET and own <= BRANCH_TARGET else 1


def _probe(plan: BenchPlan) -> list[str]:
    home = str(plan.workdir / "home")
    return [sys.executable, "-m", "brokerlens.bench.brokers_tree", "--home", home]


register_stage(
    "brokers",
    Stage("broker tree", _probe, "3M: a branch <= 0.3 s, the firm <= 2 s"),
)


if __name__ == "__main__":
    raise SystemExit(main())

"""`brokerlens campaigns ...` as the named user, on the hand-built published store (both
stores): create from a segment, launch, list, show, report, export the members; a broker is
refused; the audit names the acting user."""

from __future__ import annotations

import csv
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import World, build_world
from brokerlens.access import Condition, create_segment
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
        return brokerlens("--home", str(world.settings.home), "campaigns", *args, env=env)

    return run


def test_create_launch_report_export(world: World, cli: Run, tmp_path: Path) -> None:
    rich = [Condition(field="total_assets_t", op="ge", value=100_000)]
    segment = create_segment(world.engine, world.who("hq"), "rich", rich, visibility="unit")
    made = cli(
        "create", "--user", "hq", "--name", "春季入金", "--goal", "deposit",
        "--segment", str(segment.segment_id), "--start", "2025-03-17", "--end", "2025-04-30",
        "--holdout", "0.5", "--seed", "3", "--threshold-yuan", "50000",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "campaign 1 '春季入金': draft" in made.stdout
    launched = cli("launch", "1", "--user", "hq")
    assert launched.returncode == 0, launched.stderr
    assert "6 members (3 treatment, 3 holdout)" in launched.stderr
    again = cli("launch", "1", "--user", "hq")
    assert again.returncode != 0 and "launched" in again.stderr
    listed = cli("list", "--user", "branch")
    assert listed.returncode == 0 and "春季入金" in listed.stdout
    shown = cli("show", "1", "--user", "hq")
    assert "threshold (yuan): 50000.0" in shown.stdout
    report = cli("report", "1", "--user", "branch")
    assert report.returncode == 0, report.stderr
    assert "按营业部 by branch" in report.stdout and "上海营业部" in report.stdout
    out = tmp_path / "members.csv"
    exported = cli("members", "1", "--user", "branch", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(out.read_text("utf-8").lstrip("\ufeff").splitlines()))
    assert {r[0] for r in rows[1:]} == {"C001", "C002", "C004", "C005"}  # B1's, not C006/C009
    with world.engine.connect() as connection:
        actions = connection.execute(
            sa.select(audit_log.c.username, audit_log.c.action).order_by(audit_log.c.audit_id)
        ).all()
    assert ("hq", "campaign_launch") in actions and ("branch", "export") in actions


def test_a_broker_may_not_create(world: World, cli: Run) -> None:
    refused = cli(
        "create", "--user", "broker", "--name", "x", "--goal", "trade", "--segment", "1",
        "--start", "2025-03-17", "--end", "2025-03-20",
    )  # fmt: skip
    assert refused.returncode != 0 and "branch/region manager" in refused.stderr
    bad = cli(
        "create", "--user", "hq", "--name", "x", "--goal", "trade", "--segment", "1",
        "--start", "2025-13-01", "--end", "2025-03-20",
    )  # fmt: skip
    assert bad.returncode != 0 and "--start" in bad.stderr and "Traceback" not in bad.stderr

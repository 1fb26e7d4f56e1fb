"""`brokerlens complaints file|list|assign|resolve|show|summary --user U` on SQLite and
PostgreSQL, over the hand-built published store of the access tests: the acting user's scope
and permissions, a refused field named (exit 2), the audit rows under the user's name."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import World, build_world
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import Settings
from brokerlens.store.compliance_schema import callbacks
from brokerlens.store.schema import audit_log
from support.cli import brokerlens

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    clear_cache()
    yield build_world(store_settings)
    clear_cache()


@pytest.fixture
def complaints_cli(world: World) -> Run:
    env = {"BROKERLENS_DATABASE_URL": world.settings.database_url or ""}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return brokerlens("--home", str(world.settings.home), "complaints", *args, env=env)

    return run


def _actions(world: World, username: str) -> list[str]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log.c.action)
                .where(audit_log.c.username == username)
                .order_by(audit_log.c.audit_id)
            ).scalars()
        )


def test_a_complaint_from_intake_to_the_summary(
    world: World, complaints_cli: Run, tmp_path: Path
) -> None:
    refused = complaints_cli(
        "file", "C001", "--user", "broker", "--category", "天气", "--content", "x"
    )
    assert refused.returncode == 2 and "category" in refused.stderr + refused.stdout
    outside = complaints_cli(
        "file", "C007", "--user", "broker", "--category", "服务态度", "--content", "态度差"
    )
    assert outside.returncode != 0 and "C007" in outside.stderr + outside.stdout
    filed = complaints_cli(
        "file", "C001", "--user", "broker", "--category", "服务态度", "--content", "态度差"
    )
    assert filed.returncode == 0, filed.stderr
    assert "filed complaint W00000001 (workbench) of C001: 服务态度, open" in filed.stdout
    listed = complaints_cli("list", "--user", "branch")
    assert listed.returncode == 0 and "W00000001" in listed.stdout
    denied = complaints_cli("assign", "W00000001", "--user", "broker", "--to", "branch")
    assert denied.returncode != 0 and "complaints permission" in denied.stderr + denied.stdout
    assigned = complaints_cli("assign", "W00000001", "--user", "compliance", "--to", "branch")
    assert assigned.returncode == 0 and "processing" in assigned.stdout
    resolved = complaints_cli(
        "resolve", "W00000001", "--user", "branch", "--resolution", "已致歉", "--satisfaction", "5"
    )
    assert resolved.returncode == 0, resolved.stderr
    assert "closed" in resolved.stdout and "call-back" in resolved.stdout
    with world.engine.connect() as connection:
        assert connection.execute(sa.select(callbacks.c.source_ref)).scalars().all() == [
            "W00000001"
        ]
    shown = complaints_cli("show", "W00000001", "--user", "broker")
    assert shown.returncode == 0 and "resolution: 已致歉 (satisfaction 5)" in shown.stdout
    out = tmp_path / "summary.csv"
    year = str(dt.date.today().year)
    summary = complaints_cli("summary", "--user", "compliance", "--year", year, "--out", str(out))
    assert summary.returncode == 0, summary.stderr
    assert f"due to the regulator by {int(year) + 1}-04-30" in summary.stdout
    assert "服务态度" in out.read_text(encoding="utf-8")
    assert _actions(world, "broker") == ["file_complaint", "view_complaint"]
    assert _actions(world, "compliance") == [
        "assign_complaint",
        "view_complaint_summary",
        "export",
    ]

"""`brokerlens kpi ...` as a named user on the hand-built store and KPI month
(access/kpi_builders.py): rankings within the user's scope, a staff member's scores and the
customers behind a metric, the refusals said without a traceback, and a scheme change previewed,
asked for and approved by another head office user from the command line."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from access.builders import World, build_world
from access.kpi_builders import SCHEME, write_kpi_month
from brokerlens.access.snapshot import clear_cache
from brokerlens.auth.principal import Role
from brokerlens.brokers.kpi.schemes import active_version
from brokerlens.config import Settings
from brokerlens.store.schema import users
from support.cli import brokerlens

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    clear_cache()
    built = build_world(store_settings)
    write_kpi_month(built)
    yield built
    clear_cache()


@pytest.fixture
def cli(world: World) -> Run:
    env = {"BROKERLENS_DATABASE_URL": world.settings.database_url or ""}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return brokerlens("--home", str(world.settings.home), *args, env=env)

    return run


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_rankings_and_a_staff_member_from_the_command_line(cli: Run) -> None:
    ranked = cli("kpi", "scores", "--user", "branch", "--month", "2025-03")
    assert ranked.returncode == 0, ranked.stderr
    assert "KPI 2025-03 as of 2025-03-14" in ranked.stdout
    assert "S2" in ranked.stdout and "S3" in ranked.stdout and "S4" not in ranked.stdout
    own = cli("kpi", "show", "S1", "--user", "broker")
    assert own.returncode == 0, own.stderr
    assert "total 44.00" in own.stdout and "branch 3/3" in own.stdout
    drill = cli("kpi", "show", "S1", "--user", "broker", "--metric", "net_commission")
    assert drill.returncode == 0, drill.stderr
    assert "C002" in drill.stdout and "C006" not in drill.stdout
    assert "1 outside your scope" in drill.stdout
    other = cli("kpi", "show", "S2", "--user", "broker")
    assert other.returncode == 2 and "no staff member 'S2'" in other.stderr
    month = cli("kpi", "scores", "--user", "hq", "--month", "March")
    assert month.returncode == 2 and "month" in month.stderr and "Traceback" not in month.stderr


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_a_scheme_change_previewed_asked_and_approved(
    world: World, cli: Run, tmp_path: Path
) -> None:
    with world.engine.begin() as connection:
        connection.execute(
            users.insert().values(
                username="hq2",
                display_name="Hq2",
                role=str(Role.HQ_MARKETING),
                permissions=[],
                password_hash="x",
                active=True,
                failed_logins=0,
                must_change_password=False,
                created_at=dt.datetime.now(dt.UTC),
                language="zh",
            )
        )
    edited = tmp_path / "edited.yaml"
    edited.write_text(
        SCHEME.replace("weight: 60", "weight: 20").replace("weight: 40", "weight: 80"), "utf-8"
    )
    preview = cli("kpi", "preview", str(edited), "--user", "hq")
    assert preview.returncode == 0, preview.stderr
    assert "2 of 4 staff move (1 up, 1 down)" in preview.stdout
    refused = cli("kpi", "preview", str(edited), "--user", "branch")
    assert refused.returncode == 2 and "edit_kpi" in refused.stderr
    asked = cli("kpi", "apply", str(edited), "--user", "hq", "--note", "new customers first")
    assert asked.returncode == 0, asked.stderr
    assert "request 1 waits" in asked.stdout
    assert active_version(world.settings) == "1"
    done = cli("approvals", "approve", "1", "--user", "hq2")
    assert done.returncode == 0, done.stderr
    assert active_version(world.settings) == "2"
    shown = cli("kpi", "schemes")
    assert "version 2" in shown.stdout and "new customers first" in shown.stdout
    assert cli("kpi", "schemes", "--version", "2").stdout == edited.read_text("utf-8")

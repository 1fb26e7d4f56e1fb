"""`brokerlens complaints file|list|assign|resolve|show|summary --user U` over the hand-built
published store of the access tests (SQLite; the service's own tests cover PostgreSQL): the
acting user's scope and permissions, a refused field named (exit 2, as a user runs it), the
audit rows under the user's name. In-process but for the exit code, to stay fast."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from access.builders import World, build_world
from brokerlens.access.snapshot import clear_cache
from brokerlens.cli import complaints as _complaints  # noqa: F401  (attaches `complaints`)
from brokerlens.cli.main import app
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, NotFound
from brokerlens.store.compliance_schema import callbacks
from brokerlens.store.schema import audit_log
from support.cli import brokerlens

pytestmark = pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    clear_cache()
    yield build_world(store_settings)
    clear_cache()


@pytest.fixture
def complaints_cli(world: World) -> Callable[..., Any]:
    def run(*args: str) -> Any:
        return CliRunner().invoke(app, ["--home", str(world.settings.home), "complaints", *args])

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


def test_a_refused_field_is_named_with_exit_2(world: World) -> None:
    refused = brokerlens(
        "--home", str(world.settings.home), "complaints", "file", "C001", "--user", "broker",
        "--category", "天气", "--content", "x",
    )  # fmt: skip
    assert refused.returncode == 2 and "category: must be one of" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_complaint_from_intake_to_the_summary(
    world: World, complaints_cli: Callable[..., Any], tmp_path: Path
) -> None:
    outside = complaints_cli(
        "file", "C007", "--user", "broker", "--category", "服务态度", "--content", "态度差"
    )
    assert isinstance(outside.exception, NotFound)
    filed = complaints_cli(
        "file", "C001", "--user", "broker", "--category", "服务态度", "--content", "态度差"
    )
    assert filed.exit_code == 0, filed.output
    assert "filed complaint W00000001 (workbench) of C001: 服务态度, open" in filed.output
    listed = complaints_cli("list", "--user", "branch")
    assert listed.exit_code == 0 and "1 complaints (open 1), page 1 of 1" in listed.output
    denied = complaints_cli("assign", "W00000001", "--user", "broker", "--to", "branch")
    assert isinstance(denied.exception, Forbidden)
    assigned = complaints_cli("assign", "W00000001", "--user", "compliance", "--to", "branch")
    assert assigned.exit_code == 0 and "processing" in assigned.output
    resolved = complaints_cli(
        "resolve", "W00000001", "--user", "branch", "--resolution", "已致歉", "--satisfaction", "5"
    )
    assert resolved.exit_code == 0, resolved.output
    assert "closed" in resolved.output and "call-back" in resolved.output
    with world.engine.connect() as connection:
        assert connection.execute(sa.select(callbacks.c.source_ref)).scalars().all() == [
            "W00000001"
        ]
    shown = complaints_cli("show", "W00000001", "--user", "broker")
    assert shown.exit_code == 0 and "resolution: 已致歉 (satisfaction 5)" in shown.output
    out = tmp_path / "summary.csv"
    year = str(dt.date.today().year)
    summary = complaints_cli("summary", "--user", "compliance", "--year", year, "--out", str(out))
    assert summary.exit_code == 0, summary.output
    assert f"due to the regulator by {int(year) + 1}-04-30" in summary.output
    assert "服务态度" in out.read_text(encoding="utf-8")
    assert _actions(world, "broker") == ["file_complaint", "view_complaint"]
    assert _actions(world, "compliance") == [
        "assign_complaint",
        "view_complaint_summary",
        "export",
    ]

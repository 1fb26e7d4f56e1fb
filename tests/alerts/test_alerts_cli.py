"""`brokerlens alerts list | set` as a user runs them: exit codes and what they print."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alert_rows import customer, write_indicators

from brokerlens.access import AuditQuery, search_audit
from brokerlens.access.users import acting_principal
from brokerlens.alerts import load_alerts, thresholds_for
from brokerlens.auth import add_user
from brokerlens.config import load_settings
from brokerlens.console import console, err_console
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.schema import org_units
from brokerlens.warehouse.layout import WarehouseLayout
from support.cli import brokerlens as brokerlens_process


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """Indicators of two customers in two branches; the store knows the branches, an HQ user
    (`amy`), a compliance user (`cleo`, who may not edit thresholds) and B1's manager (`bob`)."""
    settings = load_settings(home=tmp_path / "home")
    rows = [
        customer("C1", {"open_complaint_days": 20}, "B1"),
        customer("C2", {"open_complaint_days": 12}, "B2"),
    ]
    write_indicators(WarehouseLayout(settings.warehouse_dir), rows)
    db = open_store(settings)
    with db.begin() as connection:
        connection.execute(
            sa.insert(org_units),
            [
                {"unit_id": "HQ", "parent_id": None, "unit_type": "hq", "name": "总部"},
                {"unit_id": "B1", "parent_id": "HQ", "unit_type": "branch", "name": "一部"},
                {"unit_id": "B2", "parent_id": "HQ", "unit_type": "branch", "name": "二部"},
            ],
        )
    for name, role, unit in (
        ("amy", "hq_marketing", None),
        ("hal", "hq_marketing", None),  # approves amy's requests (never one's own)
        ("cleo", "compliance", None),
        ("bob", "branch_manager", "B1"),
    ):
        add_user(db, username=name, display_name=name, role=role, password="Correct-horse-9",
                 unit_id=unit)  # fmt: skip
    dispose_engines()
    return {"BROKERLENS_HOME": str(settings.home)}


@pytest.fixture
def brokerlens(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> object:
    """The in-process entry point (what the installed command runs), for speed."""
    from brokerlens.cli.main import run

    monkeypatch.setattr(console, "_width", 250)
    monkeypatch.setattr(err_console, "_width", 250)

    def call(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(sys, "argv", ["brokerlens", *args])
        code: int | str | None = 0
        try:
            run()
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, int(code or 0), out, err)

    return call


def test_the_installed_command_lists_the_alerts(home: dict[str, str]) -> None:
    shown = brokerlens_process("alerts", "list", env=home)
    assert shown.returncode == 0, shown.stderr
    assert "fund_movement" in shown.stdout and "min_amount=50000, min_share=0.5" in shown.stdout
    assert "threshold version 0" in shown.stdout


def test_set_shows_the_preview_then_saves(home: dict[str, str], brokerlens: Any) -> None:
    done = brokerlens(
        "alerts", "set", "open_complaint", "min_days=10", "--branch", "B2", "--yes",
        "--user", "amy", env=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "open_complaint 未结投诉 (branch B2): 0 customer(s) fire" in done.stdout
    assert "now, 1 with the new values" in done.stdout
    # a request: nothing in force until another head-office user approves it
    assert "approval request 1" in done.stdout
    settings = load_settings(home=Path(home["BROKERLENS_HOME"]))
    assert thresholds_for(load_alerts(settings), "open_complaint", "B2") != {"min_days": 10}
    dispose_engines()
    approved = brokerlens("approvals", "approve", "1", "--user", "hal", env=home)
    assert approved.returncode == 0, approved.stderr
    alert_set = load_alerts(settings)
    assert thresholds_for(alert_set, "open_complaint", "B2") == {"min_days": 10}
    db = open_store(settings)
    audited = search_audit(db, acting_principal(db, "cleo"), AuditQuery(action="alert_thresholds"))
    assert [r["username"] for r in audited.rows] == ["hal"]
    assert audited.rows[0]["detail"]["branch_id"] == "B2"
    dispose_engines()
    listed = brokerlens("alerts", "list", env=home)
    assert "B2: min_days=10" in listed.stdout


def test_set_asks_before_saving(home: dict[str, str]) -> None:
    declined = subprocess.run(
        [
            sys.executable,
            "-m",
            "brokerlens",
            "alerts",
            "set",
            "open_complaint",
            "min_days=10",
            "--user",
            "amy",
        ],
        input="n\n",
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **home},
        timeout=120,
    )
    assert declined.returncode != 0
    assert "2 with the new values" in declined.stdout
    assert load_alerts(load_settings(home=Path(home["BROKERLENS_HOME"]))).version == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["open_complaint", "min_dayz=10"], "unknown threshold 'min_dayz'"),
        (["open_complaint", "min_days=ten"], "threshold 'min_days': 'ten' is not a number"),
        (["open_complaint", "min_days"], "write a threshold as name=value"),
        (["no_such", "min_days=1"], "no alert 'no_such'"),
    ],
)
def test_bad_thresholds_are_refused_naming_them(
    home: dict[str, str], brokerlens: Any, args: list[str], message: str
) -> None:
    refused = brokerlens("alerts", "set", *args, "--yes", "--user", "amy", env=home)
    assert refused.returncode == 2
    assert message in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing option '--user'"),
        (["--user", "nobody"], "no user 'nobody'"),
        (["--user", "cleo"], "edit_alert_thresholds permission"),
        (["--user", "bob"], "you may not edit the thresholds of the defaults"),
        (["--user", "bob", "--branch", "B2"], "you may not edit the thresholds of branch B2"),
        (["--by", "amy"], "No such option: --by"),
    ],
)
def test_set_acts_as_a_user_who_may(
    home: dict[str, str], brokerlens: Any, args: list[str], message: str
) -> None:
    """Refused, with a message and no traceback, unless a user who may edit these thresholds."""
    refused = brokerlens("alerts", "set", "open_complaint", "min_days=10", "--yes", *args, env=home)
    assert refused.returncode == 2, refused.stdout
    assert message in refused.stderr and "Traceback" not in refused.stderr
    assert load_alerts(load_settings(home=Path(home["BROKERLENS_HOME"]))).version == 0
    mine = brokerlens(
        "alerts", "set", "open_complaint", "min_days=10", "--yes", "--user", "bob",
        "--branch", "B1", env=home,
    )  # fmt: skip
    assert mine.returncode == 0, mine.stderr

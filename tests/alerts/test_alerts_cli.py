"""`brokerlens alerts list | set` as a user runs them: exit codes and what they print."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alert_rows import customer, write_indicators

from brokerlens.alerts import load_alerts, thresholds_for
from brokerlens.config import load_settings
from brokerlens.console import console, err_console
from brokerlens.warehouse.layout import WarehouseLayout
from support.cli import brokerlens as brokerlens_process


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    settings = load_settings(home=tmp_path / "home")
    rows = [
        customer("C1", {"open_complaint_days": 20}, "B1"),
        customer("C2", {"open_complaint_days": 12}, "B2"),
    ]
    write_indicators(WarehouseLayout(settings.warehouse_dir), rows)
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
        "alerts", "set", "open_complaint", "min_days=10", "--branch", "B2", "--yes", "--by", "amy",
        env=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "open_complaint 未结投诉 (branch B2): 0 customer(s) fire" in done.stdout
    assert "now, 1 with the new values" in done.stdout
    assert "saved as threshold version 1" in done.stdout
    alert_set = load_alerts(load_settings(home=Path(home["BROKERLENS_HOME"])))
    assert thresholds_for(alert_set, "open_complaint", "B2") == {"min_days": 10}
    listed = brokerlens("alerts", "list", env=home)
    assert "B2: min_days=10" in listed.stdout


def test_set_asks_before_saving(home: dict[str, str]) -> None:
    declined = subprocess.run(
        [sys.executable, "-m", "brokerlens", "alerts", "set", "open_complaint", "min_days=10"],
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
    refused = brokerlens("alerts", "set", *args, "--yes", env=home)
    assert refused.returncode == 2
    assert message in refused.stderr and "Traceback" not in refused.stderr

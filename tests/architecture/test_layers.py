"""The layer contract (pyproject's [tool.importlinter]) holds, and it would catch a break."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "brokerlens",
        src / "brokerlens",
        ignore=shutil.ignore_patterns("__pycache__", "*.sql", "*.yaml", "static", "templates"),
    )
    return src


def test_the_layers_hold_on_the_source_tree() -> None:
    done = _lint(ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "brokerlens layers KEPT" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    # the warehouse reading the service layer: a lower layer importing a higher one
    views = src / "brokerlens" / "warehouse" / "views.py"
    views.write_text(views.read_text("utf-8") + "\nfrom brokerlens.access import audit  # noqa\n")
    done = _lint(src)
    assert done.returncode != 0
    assert "brokerlens layers BROKEN" in done.stdout
    assert "brokerlens.warehouse.views -> brokerlens.access" in done.stdout


def test_an_import_inside_a_function_counts_too(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    models = src / "brokerlens" / "models" / "days.py"
    models.write_text(
        models.read_text("utf-8")
        + "\n\ndef _late() -> None:\n    from brokerlens.churn import service  # noqa\n"
    )
    done = _lint(src)
    assert "brokerlens layers BROKEN" in done.stdout
    assert "brokerlens.models.days -> brokerlens.churn" in done.stdout


def test_a_circle_inside_a_package_breaks_the_contract(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    # daily.py is imported by lake.py; lake.py imported back closes a circle
    daily = src / "brokerlens" / "suitability" / "daily.py"
    circle = "\nfrom brokerlens.suitability import lake  # noqa\n"
    daily.write_text(daily.read_text("utf-8") + circle)
    done = _lint(src)
    assert "no circles between the modules of a package BROKEN" in done.stdout

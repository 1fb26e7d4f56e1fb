"""`brokerlens catalog ...` as a user runs it: a subprocess, its output and exit code."""

from __future__ import annotations

import sys
from pathlib import Path

from brokerlens.auth import add_user
from brokerlens.classify.loader import default_catalog_text, load_default_catalog
from brokerlens.config import load_settings
from brokerlens.store import dispose_engines, open_store
from support.cli import brokerlens


def _add_users(home: Path) -> None:
    """carol and erin (HQ marketing, edit_catalog) and dave (a compliance user, who may not
    ask for a catalog change)."""
    db = open_store(load_settings(home=home))
    for name, role in (("carol", "hq_marketing"), ("dave", "compliance"), ("erin", "hq_marketing")):
        add_user(db, username=name, display_name=name, role=role, password="Correct-horse-9")
    dispose_engines()


def _write_indicators(home: Path, rows: list[dict[str, object]]) -> None:
    # The row factory lives beside the classify tests; this directory is not on the path.
    sys.path.insert(0, str(Path(__file__).parents[1] / "classify"))
    from classify_rows import write_indicators

    write_indicators(load_settings(home=home), rows)


def test_check_preview_apply_history_show(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _write_indicators(
        home, [{"customer_id": "C1", "total_assets_t": 999_999.99}, {"customer_id": "C2"}]
    )
    _add_users(home)
    edited = tmp_path / "edited.yaml"
    edited.write_text(
        default_catalog_text().replace("total_assets_t >= 1000000", "total_assets_t >= 999999"),
        "utf-8",
    )
    env = {"BROKERLENS_HOME": str(home)}
    shipped = len(load_default_catalog().classifications)
    checked = brokerlens("catalog", "check", str(edited), env=env).stdout
    assert f"valid, {shipped} classifications" in checked
    preview = brokerlens("catalog", "preview", str(edited), env=env)
    assert preview.returncode == 0, preview.stderr
    assert "金算盘" in preview.stdout and "1 of 2 customers move" in preview.stdout
    for user, message in ((), "Missing option '--user'"), (("--user", "dave"), "edit_catalog"):
        refused = brokerlens("catalog", "apply", str(edited), "--yes", *user, env=env)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
    asked = brokerlens(
        "catalog", "apply", str(edited), "--yes", "--user", "carol", "--no-recompute", env=env
    )
    assert asked.returncode == 0, asked.stderr
    assert "approval request 1 made by carol" in asked.stdout  # a request: nothing applied yet
    applied = brokerlens("approvals", "approve", "1", "--user", "erin", env=env)
    assert applied.returncode == 0, applied.stderr
    assert "catalog version 1 active" in applied.stdout
    listed = brokerlens("catalog", "history", env=env)
    assert "erin" in listed.stdout and "active: 1" in listed.stdout
    shown = brokerlens("catalog", "show", "--version", "1", "-c", "service_level", env=env).stdout
    assert "total_assets_t >= 999999" in shown


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(default_catalog_text().replace("> 90", "> 90 -- sneaky"), "utf-8")
    result = brokerlens("catalog", "check", str(bad), env={"BROKERLENS_HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "classification 'stock_habit', rule 1" in result.stderr
    assert "Traceback" not in result.stderr
    missing = brokerlens("catalog", "preview", str(bad), env={"BROKERLENS_HOME": str(tmp_path)})
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    unpublished = brokerlens(
        "catalog", "why", "C1", "--user", "nobody", env={"BROKERLENS_HOME": str(tmp_path)}
    )
    assert unpublished.returncode == 2 and "no user 'nobody'" in unpublished.stderr

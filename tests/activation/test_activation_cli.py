"""`brokerlens activation list` as a user runs it: their scope, filters, the audited export and
clear messages for bad options."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from access.builders import World
from brokerlens.access import AuditQuery, search_audit
from brokerlens.config import Settings
from support.cli import brokerlens


def run(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {"BROKERLENS_DATABASE_URL": settings.database_url} if settings.database_url else {}
    done = brokerlens("--home", str(settings.home), "activation", "list", *args, env=env)
    return done.returncode, done.stdout, done.stderr


def test_list_in_the_users_scope(world: World) -> None:
    code, out, err = run(world.settings, "--user", "broker", "--limit", "5")
    assert code == 0, err
    assert "2 customers (dormant 1, empty 1)" in out
    assert "C001" in out and "C002" in out and "C003" not in out
    code, out, _ = run(world.settings, "--user", "hq", "--kind", "empty", "--branch", "B2")
    assert code == 0 and "C006" in out and "C009" not in out


def test_export_writes_every_row_and_is_audited(world: World, tmp_path: Path) -> None:
    target = tmp_path / "list.csv"
    code, out, err = run(
        world.settings, "--user", "branch", "--limit", "1", "--export", str(target)
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8")[1:])))
    assert [r["customer_id"] for r in rows] == ["C001", "C002", "C003", "C004", "C005", "C010"]
    assert "6 customers" in out
    entry = search_audit(world.engine, world.who("compliance"), AuditQuery(action="export")).rows
    assert entry[0]["username"] == "branch" and entry[0]["customer_count"] == 6


def test_bad_options_are_named(world: World) -> None:
    code, _, err = run(world.settings, "--user", "hq", "--kind", "sleepy")
    assert code != 0 and "--kind 'sleepy'" in err and "Traceback" not in err
    code, _, err = run(world.settings, "--user", "nobody")
    assert code != 0 and "no user 'nobody'" in err and "Traceback" not in err

"""`brokerlens segments show | preview | create | history | changes | members` as the named user
(issue 25), on the hand-built store (access/builders.py) served on two dates and refreshed twice:
the tree in words, each node's count, who entered and left and why (masked), members as of a
date; a bad node named by its path, a date not refreshed answered with the dates that exist."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import AS_OF, World
from access.columnar_support import serve_on
from brokerlens.access import refresh_group_members
from cli.segments_support import Run

LATER = AS_OF + dt.timedelta(days=1)
TREE = {
    "all": [
        {"field": "total_assets_t", "op": "ge", "value": 200_000},
        {
            "any": [
                {"field": "branch_id", "op": "eq", "value": "B1"},
                {"not": {"served_by_team": "T3"}},
            ]
        },
    ]
}


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_preview_create_show_and_bad_trees(cli: Run, tmp_path: Path) -> None:
    tree = tmp_path / "tree.json"
    tree.write_text(json.dumps(TREE), encoding="utf-8")
    code, out = cli("preview", "--user", "hq", "--tree", str(tree))
    assert code == 0, out
    # >= 200,000: C001 C002 C004 C006 C009; B1 or not served by T3: all but none of those
    assert "5 customers in your scope" in out
    assert "满足任一" in out and "不满足" in out and "total_assets_t ge 200000" in out
    assert "[conditions.all[1].any[1].not]" in out
    code, out = cli("preview", "--user", "broker", "--tree", json.dumps(TREE))
    assert code == 0 and "2 customers in your scope" in out, out  # C001 C002
    code, out = cli("create", "--user", "hq", "--name", "富裕", "--tree", str(tree))
    assert code == 0 and "5 customers in your scope now" in out, out
    gid = out.split("dynamic group ", 1)[1].split(":", 1)[0]
    code, out = cli("show", gid, "--user", "hq")
    assert code == 0, out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "全部满足 (all of)" in line)
    assert "    total_assets_t ge 200000" in lines[at + 1]  # indented below its group
    assert "满足任一" in lines[at + 2] and "      branch_id eq B1" in lines[at + 3]
    code, out = cli("show", gid, "--user", "broker")
    assert code != 0 and f"no segment {gid}" in out, out  # private to hq

    bad = {"any": [{"field": "total_assets_t", "op": "ge", "value": "lots"}]}
    code, out = cli("preview", "--user", "hq", "--tree", json.dumps(bad))
    assert code != 0 and "conditions.any[0].value" in out, out
    code, out = cli("create", "--user", "hq", "--name", "x", "--tree", json.dumps([bad]))
    assert code != 0 and "conditions[0].any[0].value" in out, out
    code, out = cli("preview", "--user", "hq", "--tree", "[{nope")
    assert code != 0 and "--tree: not valid JSON" in out, out
    code, out = cli("preview", "--user", "hq", "--tree", str(tmp_path / "missing.json"))
    assert code != 0 and "no such file" in " ".join(out.split()), out
    code, out = cli(
        "preview",
        "--user",
        "hq",
        "--tree",
        '[{"not": {"field": "phone", "op": "eq", "value": "13812345678"}}]',
    )
    assert code != 0 and "phone" in out, out  # a personal field needs reveal_pii


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_history_changes_and_members_after_two_refreshes(cli: Run, world: World) -> None:
    rich_b1 = json.dumps(
        [
            {"field": "total_assets_t", "op": "ge", "value": 200_000},
            {"field": "branch_id", "op": "eq", "value": "B1"},
        ]
    )
    code, out = cli(
        "create", "--user", "branch", "--name", "B1 富裕", "--tree", rich_b1, "--share-unit"
    )
    assert code == 0 and "(unit)" in out, out
    gid = out.split("dynamic group ", 1)[1].split(":", 1)[0]
    code, out = cli("changes", gid, "--user", "branch", "--date", str(AS_OF))
    assert code != 0 and "not been refreshed yet" in out, out
    refresh_group_members(world.engine, world.settings)  # AS_OF: C001 C002 C004
    serve_on(world, LATER, {"C002": 10.0, "C003": 900_000.0})
    refresh_group_members(world.engine, world.settings)  # LATER: C002 left, C003 entered
    refresh_group_members(world.engine, world.settings)  # the same date again: nothing doubled

    code, out = cli("history", gid, "--user", "branch")
    assert code == 0, out
    rows = [line.split() for line in out.splitlines() if line.strip()[:1] in "│|"]
    assert [str(AS_OF), "3", "0", "3"] in [[c for c in r if c not in "│|"] for r in rows], out
    assert [str(LATER), "1", "1", "3"] in [[c for c in r if c not in "│|"] for r in rows], out

    code, out = cli("changes", gid, "--user", "branch", "--date", str(LATER))
    assert code == 0, out
    assert "2 entered or left" in out and "C002" in out and "C003" in out
    assert "离开 left" in out and "true→false" in out and "进入 entered" in out
    assert "李四" in out and "13900001111" not in out  # the web's columns, no personal field
    code, out = cli("changes", gid, "--user", "broker", "--date", str(LATER))
    assert code == 0 and "1 entered or left" in out and "C003" not in out, out  # scope
    code, out = cli("changes", gid, "--user", "branch", "--date", "2025-03-20")
    assert code != 0, out
    assert "not a refreshed date" in out and f"{AS_OF}, {LATER}" in out

    code, out = cli("members", gid, "--user", "branch", "--as-of", str(LATER))
    assert code == 0 and "3 members" in out, out
    assert {"C001", "C003", "C004"} <= set(out.split()) and "C002" not in out.split()
    code, out = cli("members", gid, "--user", "branch", "--as-of", str(AS_OF))
    assert code == 0 and "C002" in out.split() and "C003" not in out.split(), out
    code, out = cli("members", gid, "--user", "branch", "--as-of", "2025-01-01")
    assert code != 0 and "before the first refresh" in out, out
    code, out = cli("members", gid, "--user", "branch", "--as-of", "14/03/2025")
    assert code != 0 and "--as-of" in out and "not a date" in out, out
    with world.engine.connect() as c:
        actions = c.execute(sa.text("SELECT action FROM audit_log ORDER BY 1")).scalars().all()
    assert "view_group_changes" in actions and "view_segment_members" in actions

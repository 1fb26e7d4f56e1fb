"""`brokerlens kb import|search|list|show --user U` over the hand-built published store of the
access tests (SQLite; the service's own tests cover PostgreSQL): Markdown files imported as
drafts or submitted for approval, found in Chinese once approved, what a user may not do said
with exit 2, the audit rows under the user's name. In-process but for one exit code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import World, build_world
from brokerlens.access.approvals import approve, list_approvals
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import Settings
from brokerlens.store.schema import audit_log
from support.cli import brokerlens, in_process

pytestmark = pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)

POLICY = """---
category: policies
tags: [开户, 适当性]
---
# 开户适当性管理办法

开户前须完成**风险测评**，并向客户揭示风险。
"""
SCRIPT = "# 新客户欢迎话术\n\n您好，欢迎成为我们的客户。基金定投可以帮助您长期积累。\n"


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    clear_cache()
    yield build_world(store_settings)
    clear_cache()


def _actions(world: World, username: str) -> list[str]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log.c.action).where(audit_log.c.username == username)
            ).scalars()
        )


def test_import_approve_search_list_show(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "知识"
    folder.mkdir()
    (folder / "policy.md").write_text(POLICY, encoding="utf-8")
    (folder / "script.md").write_text(SCRIPT, encoding="utf-8")
    home = str(world.settings.home)

    def run(*args: str) -> tuple[int, str]:
        return in_process(monkeypatch, capsys, "--home", home, "kb", *args)

    code, out = run("import", str(folder), "--user", "hq", "--category", "scripts", "--submit")
    assert code == 0, out
    assert "开户适当性管理办法 (policy.md), draft, request" in out and "2 articles imported" in out
    for request in list_approvals(world.engine, world.who("compliance")):
        approve(world.engine, world.settings, world.who("compliance"), request.request_id)

    code, out = run("search", "基金", "--user", "broker")
    assert code == 0 and "新客户欢迎话术" in out and "[基金]" in out, out
    assert "开户适当性管理办法" not in out
    code, out = run("list", "--user", "broker", "--category", "policies")
    assert code == 0 and "开户适当性管理办法" in out and "新客户欢迎话术" not in out, out
    code, out = run("list", "--user", "broker", "--tag", "适当性")
    assert "开户适当性管理办法" in out, out
    code, out = run("show", "1", "--user", "broker")
    assert code == 0 and "# 开户适当性管理办法" in out and "**风险测评**" in out, out
    assert "tags: 开户, 适当性" in out
    assert {"kb_search", "kb_view"} <= set(_actions(world, "broker"))
    assert {"kb_create", "approval_request"} <= set(_actions(world, "hq"))


def test_what_a_user_may_not_do_is_said_with_exit_2(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    note = tmp_path / "note.md"
    note.write_text(SCRIPT, encoding="utf-8")
    home = str(world.settings.home)
    code, out = in_process(
        monkeypatch, capsys, "--home", home, "kb", "import", str(note), "--user", "broker",
        "--category", "scripts",
    )  # fmt: skip
    assert code == 2 and "edit_kb" in out
    code, out = in_process(
        monkeypatch, capsys, "--home", home, "kb", "import", str(note), "--user", "hq"
    )
    assert code == 2 and "no category" in out
    code, out = in_process(
        monkeypatch, capsys, "--home", home, "kb", "list", "--user", "hq", "--status", "gone"
    )
    assert code == 2 and "status" in out
    refused = brokerlens("--home", home, "kb", "show", "99", "--user", "broker")
    assert refused.returncode == 2 and "no article 99" in refused.stderr
    assert "Traceback" not in refused.stderr

"""`brokerlens training import-questions|results|figures|lapses` against the published small
brokerage, acting as a named user: the same permissions, scope and audit as the web; a bad file
or option is a message naming the line or option, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from brokerlens.console import console, err_console
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log
from web.conftest import Published

GOOD = """- kind: 单选
  category: 命令行
  stem: 客户风险测评有效期一般为？
  options: [一年, 五年, 十年]
  answer: A
- kind: 判断
  category: 命令行
  stem: 可以替客户保管密码。
  answer: 错
"""


def _cli(
    published: Published,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> subprocess.CompletedProcess[str]:
    from brokerlens.cli.main import run

    monkeypatch.setattr(console, "_width", 250)
    monkeypatch.setattr(err_console, "_width", 250)
    monkeypatch.setattr(sys, "argv", ["brokerlens", "--home", str(published.home), *args])
    code: int | str | None = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, int(code or 0), out, err)


def _last_action(published: Published, username: str) -> str:
    with open_store(published.settings).connect() as connection:
        return str(
            connection.execute(
                sa.select(audit_log.c.action)
                .where(audit_log.c.username == username)
                .order_by(audit_log.c.audit_id.desc())
                .limit(1)
            ).scalar()
        )


def test_import_questions_all_or_nothing_as_the_user(
    published: Published,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    hq = published.users["hq_marketing"][0]
    good = tmp_path / "命令行题库.yaml"
    good.write_text(GOOD, encoding="utf-8")
    done = _cli(published, monkeypatch, capsys, "training", "import-questions", str(good),
                "--user", hq)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "imported 2 questions (命令行 2)" in done.stdout
    assert _last_action(published, hq) == "training_question_import"
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("answer: 错", "answer: 也许"), encoding="utf-8")
    refused = _cli(published, monkeypatch, capsys, "training", "import-questions", str(bad),
                   "--user", hq)  # fmt: skip
    assert refused.returncode == 2
    assert "bad.yaml, line 6, column 'answer'" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout
    broker = published.users["broker"][0]
    denied = _cli(published, monkeypatch, capsys, "training", "import-questions", str(good),
                  "--user", broker)  # fmt: skip
    assert denied.returncode == 2 and "manage_training" in denied.stderr
    missing = _cli(published, monkeypatch, capsys, "training", "import-questions",
                   str(tmp_path / "none.csv"), "--user", hq)  # fmt: skip
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_results_figures_and_lapses_in_the_user_s_scope(
    published: Published, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    manager = published.users["branch_manager"][0]
    for command in ("results", "figures", "lapses"):
        shown = _cli(published, monkeypatch, capsys, "training", command, "--user", manager)
        assert shown.returncode == 0, (command, shown.stderr)
        assert _last_action(published, manager) == f"training_{command}_view"
    lapses = _cli(published, monkeypatch, capsys, "training", "lapses", "--user", manager)
    assert "lapses as of" in lapses.stdout
    bad = _cli(published, monkeypatch, capsys, "training", "figures", "--level", "region",
               "--user", manager)  # fmt: skip
    assert bad.returncode == 2 and "level" in bad.stderr and "Traceback" not in bad.stderr
    call_center = published.users["call_center"][0]
    refused = _cli(published, monkeypatch, capsys, "training", "results", "--user", call_center)
    assert refused.returncode == 2 and "sees no staff" in refused.stderr

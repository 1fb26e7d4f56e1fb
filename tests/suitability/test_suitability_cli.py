"""`brokerlens suitability ...` as a user runs it: the entry point's exit code and output.

One test runs the installed command in a subprocess; the others call the same entry point
(`brokerlens.cli.main.run`) in-process, which is what the subprocess runs, to keep the suite fast.
The commands about one customer or check act as a workbench user (`--user`), so the hand-built
lake is run and published once, with an HQ user, a compliance user and a broker who serves
nobody.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from brokerlens.auth import add_user
from brokerlens.config import Settings, load_settings
from brokerlens.console import console, err_console
from brokerlens.pipeline import run_pipeline
from brokerlens.publish import publish
from brokerlens.store import dispose_engines, open_store
from support.cli import brokerlens as brokerlens_process

PASSWORD = "Correct-horse-9"


@pytest.fixture(scope="module")
def published_lake(suitability_lake: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-built lake, run and published, with its users; each test copies it."""
    home = tmp_path_factory.mktemp("suitability_published") / "home"
    shutil.copytree(suitability_lake.home, home)
    settings = load_settings(home=home)
    run_pipeline(settings)
    publish(settings)
    db = open_store(settings)
    for name, role, staff_id in (
        ("hqm", "hq_marketing", None),
        ("compliance", "compliance", None),
        ("broker", "broker", "S9"),  # serves nobody: every customer is out of scope
    ):
        add_user(db, username=name, display_name=name, role=role, password=PASSWORD,
                 staff_id=staff_id)  # fmt: skip
    dispose_engines()
    return home


@pytest.fixture
def home(published_lake: Path, tmp_path: Path) -> dict[str, str]:
    """A copy of the published lake's home, so that the store written here stays here."""
    own = tmp_path / "home"
    shutil.copytree(published_lake, own)
    return {"BROKERLENS_HOME": str(own)}


@pytest.fixture
def brokerlens(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> object:
    """`brokerlens(*args, env=...)` -> a CompletedProcess from the in-process entry point."""
    from brokerlens.cli.main import run

    monkeypatch.setattr(console, "_width", 200)
    monkeypatch.setattr(err_console, "_width", 200)

    def call(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(sys, "argv", ["brokerlens", *args])
        code: int | str | None = 0
        try:
            run()
        except SystemExit as exc:
            code = exc.code
        finally:
            dispose_engines()
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code or 0, out, err)

    return call


def test_the_installed_command(home: dict[str, str]) -> None:
    shown = brokerlens_process("suitability", "eligibility", "CMID", "--user", "hqm", env=home)
    assert shown.returncode == 0, shown.stderr
    assert "[missing] 20日日均资产 412,300 < 500,000" in shown.stdout
    refused = brokerlens_process("suitability", "confirm", "7", "--user", "hqm", env=home)
    assert refused.returncode == 2 and "no check 7" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_check_warn_confirm_sale_callbacks(home: dict[str, str], brokerlens: Any) -> None:
    checked = brokerlens(
        "suitability", "check", "CBAD", "P_EQ", "--record", "--user", "hqm", env=home
    )
    assert checked.returncode == 0, checked.stderr
    assert "CBAD -> product P_EQ 股票基金 (R4), purchase: mismatch" in checked.stdout
    assert "[mismatch] 风险等级 R4 中高风险 高于 C3 稳健型 可匹配的 R3" in checked.stdout
    assert "recorded as check 1 by hqm" in checked.stdout
    refused = brokerlens("suitability", "confirm", "1", "--user", "hqm", env=home)
    assert refused.returncode == 2
    assert "check 1: no risk warning was shown, so it cannot be confirmed" in refused.stderr
    assert "Traceback" not in refused.stderr
    for step in ("warn", "confirm", "sale"):
        done = brokerlens("suitability", step, "1", "--user", "hqm", env=home)
        assert done.returncode == 0, done.stderr
    assert "callback_scheduled, due" in done.stdout
    due = brokerlens("suitability", "callbacks", "--on", "2999-01-01", env=home)
    assert "高风险产品销售给普通投资者" in due.stdout


def test_eligibility_rescore_class_and_report(home: dict[str, str], brokerlens: Any) -> None:
    eligible = brokerlens("suitability", "eligibility", "CMID", "--user", "hqm", env=home)
    assert eligible.returncode == 0, eligible.stderr
    assert "[missing] 20日日均资产 412,300 < 500,000" in eligible.stdout
    assert "margin 融资融券: not_eligible (already open)" in eligible.stdout
    rescored = brokerlens("suitability", "rescore", env=home)
    assert "8 assessments re-scored as of 2025-03-07" in rescored.stdout
    assert "Q2 CBAD (B2) V2024.1 score: 55 -> 40" in rescored.stdout
    klass = brokerlens("suitability", "class", "CPRO", "--user", "hqm", env=home)
    assert (
        "CPRO: recorded professional, treated as professional; data shows ordinary" in klass.stdout
    )
    reported = brokerlens("suitability", "report", "--branch", "B1", env=home)
    assert "P_PRIV" in reported.stdout and "1,000,000.00" in reported.stdout
    asked = brokerlens(
        "suitability", "request-class", "CPRO", "to_ordinary", "--user", "hqm", env=home
    )
    assert "class request 1 recorded (to_ordinary); data shows ordinary" in asked.stdout
    hq_decides = brokerlens(
        "suitability", "decide-class", "1", "--approve", "--user", "hqm", env=home
    )
    assert hq_decides.returncode == 2 and "decide_investor_class" in hq_decides.stderr
    decided = brokerlens(
        "suitability", "decide-class", "1", "--approve", "--user", "compliance", env=home
    )
    assert "class request 1 approved by compliance" in decided.stdout, decided.stderr
    klass = brokerlens("suitability", "class", "CPRO", "--user", "hqm", env=home)
    assert "CPRO: recorded professional, treated as ordinary" in klass.stdout
    checked = brokerlens("suitability", "check", "CPRO", "P_PRIV", "--user", "hqm", env=home)
    assert "P_PRIV 私募基金 (R5), purchase: mismatch" in checked.stdout  # no longer matches all
    assert "[mismatch] 风险等级 R5 高风险 高于 C3 稳健型 可匹配的 R3" in checked.stdout
    assert "recorded" not in checked.stdout  # without --record: audited, not kept
    versions = brokerlens("suitability", "questionnaire", env=home)
    assert "V2021.2" in versions.stdout and "V2024.1" in versions.stdout


def _rows(out: str) -> dict[str, list[str]]:
    """The validity table's rows by customer (rich's box drawing aside)."""
    rows = [re.findall(r"[^\s│┃]+", line) for line in out.splitlines()]
    return {cells[1]: cells for cells in rows if len(cells) > 2 and cells[1].startswith("C")}


def test_validity_lists_the_expired_expiring_and_missing(
    home: dict[str, str], brokerlens: Any
) -> None:
    """As of the lake's last day (2025-03-07): COLD expired 6 days ago, CSOON expires in 13
    (within the rules' 30), CNONE was never assessed; the valid ones are not listed."""
    listed = brokerlens("suitability", "validity", env=home)
    assert listed.returncode == 0, listed.stderr
    assert _rows(listed.stdout) == {
        "COLD": ["B2", "COLD", "expired", "Q3", "2025-03-01", "-6"],
        "CSOON": ["B2", "CSOON", "expiring", "Q4", "2025-03-20", "13"],
        "CNONE": ["B2", "CNONE", "missing"],
    }
    narrow = brokerlens("suitability", "validity", "--expiring-days", "10", env=home)
    assert set(_rows(narrow.stdout)) == {"COLD", "CNONE"}  # 13 days left: valid within 10
    earlier = brokerlens("suitability", "validity", "--as-of", "2025-02-27", env=home)
    assert _rows(earlier.stdout)["COLD"][2:] == ["expiring", "Q3", "2025-03-01", "2"]
    other = brokerlens("suitability", "validity", "--branch", "B1", env=home)
    assert other.returncode == 0 and _rows(other.stdout) == {}  # all three are B2's
    bad = brokerlens("suitability", "validity", "--as-of", "2025-02-30", env=home)
    assert bad.returncode == 2 and "--as-of" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "CX", "P_EQ", "--user", "hqm"), "no customer 'CX'"),
        (("check", "CMID", "NOPE", "--user", "hqm"), "a permission: margin, chinext"),
        (("check", "CMID", "P_EQ", "--context", "sale", "--user", "hqm"), "context 'sale' is not"),
        (("check", "CMID", "P_EQ"), "Missing option '--user'"),
        (("check", "CMID", "P_EQ", "--user", "nobody"), "no user 'nobody'"),
        (("check", "CMID", "P_EQ", "--user", "broker"), "no customer 'CMID'"),  # out of scope
        (("check", "CMID", "P_EQ", "--by", "amy"), "No such option: --by"),
        (("eligibility", "CMID"), "Missing option '--user'"),
        (("warn", "42", "--user", "hqm"), "no check 42"),
        (
            ("request-class", "CMID", "upwards", "--user", "hqm"),
            "direction 'upwards' is not one of",
        ),
        (("questionnaire", "V9"), "questionnaire version 'V9' is unknown"),
    ],
)
def test_bad_input_gets_a_message_not_a_traceback(
    home: dict[str, str], brokerlens: Any, args: tuple[str, ...], message: str
) -> None:
    result = brokerlens("suitability", *args, env=home)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_questionnaire_check_names_the_problem(
    tmp_path: Path, home: dict[str, str], brokerlens: Any
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: V1\ntitle: t\nhorizon_question: q1\nclasses: {}\nquestions: []\n")
    result = brokerlens("suitability", "questionnaire", "--check", str(bad), env=home)
    assert result.returncode == 2
    assert f"{bad}: " in result.stderr and "field `questions`" in result.stderr

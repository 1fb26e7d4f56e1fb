"""No silent skip: what a test needs from outside the checkout fails it under CI and skips it
elsewhere (support/needs.py), and a run fails on a skip tests/skips-allowed.txt does not allow
(support/skips.py), with or without pytest-xdist workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import needs
from support.skips import load_allowed

TESTS = Path(__file__).resolve().parent

INNER = """
import pytest

def test_runs():
    assert 1 + 1 == 2

def test_allowed_skip():
    pytest.skip("needs: PostgreSQL at a test's address")

def test_refused_skip():
    pytest.skip("no suitable customer in today's data")
"""


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "1"])
def test_under_ci_a_missing_need_fails_the_test(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match=r"needs: PostgreSQL.*CI must provide it"):
        needs.missing("PostgreSQL at 127.0.0.1")


@pytest.mark.parametrize("value", [None, "", "false", "0", "yes-ish"])
def test_elsewhere_a_missing_need_skips_with_its_reason(
    value: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception) as skipped:
        needs.need_file(tmp_path / "absent.md", "a file the test reads")
    reason = str(skipped.value)
    assert reason.startswith("needs: ") and "absent.md does not exist" in reason
    assert any(p.search(reason) for p in load_allowed(TESTS / "skips-allowed.txt"))
    needs.need_file(tmp_path, "present: no skip")  # returns


def test_the_repositorys_allow_list_is_short_and_each_pattern_says_why() -> None:
    allowed = load_allowed(TESTS / "skips-allowed.txt")
    assert 1 <= len(allowed) <= 5
    assert not any(p.search("no suitable customer in today's data") for p in allowed)


def test_a_pattern_without_its_comment_is_refused(tmp_path: Path) -> None:
    listed = tmp_path / "allowed.txt"
    listed.write_text("# why\n^needs: \n\nno data\n", encoding="utf-8")
    with pytest.raises(pytest.UsageError, match=r"allowed\.txt:4: a pattern needs a comment"):
        load_allowed(listed)


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest on the inner files with the skip check alone (no other plugin: quick)."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nskips_allowed = allowed.txt\n", "utf-8")
    (tmp_path / "allowed.txt").write_text("# a server absent here\n^needs: \n", "utf-8")
    (tmp_path / "test_inner.py").write_text(INNER, encoding="utf-8")
    (tmp_path / "test_whole.py").write_text(
        'import pytest\npytest.skip("no data for this module", allow_module_level=True)\n',
        encoding="utf-8",
    )
    path = os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("CI", None)
    command = [sys.executable, "-m", "pytest", "-p", "support.skips", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, "-q", "-rs", *args], cwd=tmp_path, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize("workers", [[], ["-p", "xdist", "-n", "1"]], ids=["serial", "xdist"])
def test_an_unlisted_skip_fails_the_run_and_a_listed_one_does_not(
    workers: list[str], tmp_path: Path
) -> None:
    refused = _pytest(tmp_path, *workers)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "1 passed, 3 skipped" in refused.stdout
    bad = refused.stdout.split("skips not allowed")[1]
    assert "SKIP NOT ALLOWED test_inner.py::test_refused_skip: no suitable customer" in bad
    assert "SKIP NOT ALLOWED test_whole.py: no data for this module" in bad
    assert "test_allowed_skip" not in bad

    allowed = _pytest(tmp_path, *workers, "test_inner.py", "-k", "not refused")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "1 passed, 1 skipped" in allowed.stdout and "NOT ALLOWED" not in allowed.stdout

"""No silent skip: a run fails when a test is skipped for a reason the allow-list does not name.

The allow-list (`tests/skips-allowed.txt`, or the ini option `skips_allowed`, relative to the
rootdir) holds Python regular expressions, one a line, each searched in a skip's reason and each
right after a comment line saying why that skip is allowed; blank lines and comments aside.

Collected where every report arrives: in a run without workers, and on the pytest-xdist
controller (which receives each worker's reports; the workers themselves do not judge). The
hooks are imported by tests/conftest.py; `-p support.skips` loads them elsewhere."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

DEFAULT_LIST = "tests/skips-allowed.txt"
_SKIPS = pytest.StashKey[list[tuple[str, str]]]()


def load_allowed(path: Path) -> list[re.Pattern[str]]:
    """The patterns of an allow-list; a pattern without its comment line above is refused."""
    if not path.exists():
        raise pytest.UsageError(f"the list of allowed skips {path} does not exist")
    patterns: list[re.Pattern[str]] = []
    previous = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if text and not text.startswith("#"):
            if not previous.startswith("#"):
                raise pytest.UsageError(
                    f"{path}:{number}: a pattern needs a comment line above saying why"
                )
            try:
                patterns.append(re.compile(text))
            except re.error as exc:
                raise pytest.UsageError(
                    f"{path}:{number}: not a regular expression: {exc}"
                ) from exc
        previous = text
    return patterns


def skip_reason(longrepr: object) -> str:
    """The reason of a skipped report: its longrepr is (path, line, "Skipped: reason"), a list
    once it came from a pytest-xdist worker."""
    if isinstance(longrepr, Sequence) and not isinstance(longrepr, str) and len(longrepr) == 3:
        text = str(longrepr[2])
    else:
        text = str(longrepr)
    return text.removeprefix("Skipped: ")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("skips_allowed", "the list of allowed skip reasons", default=DEFAULT_LIST)


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # a pytest-xdist worker: its controller judges
        config.pluginmanager.register(SkipJudge(config), "brokerlens-skip-judge")


class SkipJudge:
    """Collects the skipped reports of a run, then fails it on one the allow-list refuses."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.skips: list[tuple[str, str]] = []

    def _record(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skips.append((report.nodeid, skip_reason(report.longrepr)))

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._record(report)

    @pytest.hookimpl(trylast=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._record(report)

    def refused(self) -> list[tuple[str, str]]:
        """The (test, reason) skips of this run that no pattern of the allow-list allows."""
        if not self.skips:
            return []
        listed = self.config.rootpath / str(self.config.getini("skips_allowed"))
        allowed = load_allowed(listed)
        return [(node, why) for node, why in self.skips if not any(p.search(why) for p in allowed)]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.refused() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        bad = self.refused()
        if not bad:
            return
        terminalreporter.section("skips not allowed", sep="=", red=True, bold=True)
        for nodeid, why in bad:
            terminalreporter.write_line(f"SKIP NOT ALLOWED {nodeid}: {why}")
        terminalreporter.write_line(
            f"{len(bad)} skip(s) whose reason {self.config.getini('skips_allowed')} does not "
            "allow: the run fails. Make the test run (a fixture; support/needs.py for a server "
            "or a file), or add a pattern there with a comment saying why."
        )

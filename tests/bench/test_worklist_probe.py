"""The bench's `worklist` serve probe against a real server: brokers' home pages over HTTP on the
small brokerage, published into a store of its own, with a work-list file for the served date
(support/worklist.py): it reports p50/p95/p99 and no error."""

from __future__ import annotations

import re

import pytest

from brokerlens.bench.serve_probe import main
from support.brokerage import Brokerage
from support.store import published_copy
from support.worklist import served_rows, worklist_in_place

pytestmark = pytest.mark.slow


def test_the_worklist_probe_times_brokers_home_pages(
    small_brokerage: Brokerage,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = small_brokerage.settings.home
    with published_copy(home, tmp_path_factory.mktemp("probe")) as (settings, _):
        assert settings.database_url
        monkeypatch.setenv("BROKERLENS_DATABASE_URL", settings.database_url)
        args = ["worklist", "--home", str(home), "--requests", "30", "--workers", "1"]
        as_of, rows = served_rows(settings)
        with worklist_in_place(settings, as_of, rows):
            assert main(args) == 0
        line = capsys.readouterr().out.strip().splitlines()[-1]
        assert re.fullmatch(
            r"worklist: 30 broker home pages \(\d+ brokers\), 0 errors, "
            r"p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms",
            line,
        ), line

"""The bench's `callbacks` serve probe against a real server: the call-back work list over HTTP
as a call-centre user on the small brokerage, published into a store of its own: it reports
p50/p95/p99 and no error."""

from __future__ import annotations

import re

import pytest

from brokerlens.bench.serve_probe import BENCH_CALLER, main
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.schema import audit_log
from support.brokerage import Brokerage
from support.store import published_copy

pytestmark = pytest.mark.slow


def test_the_callbacks_probe_times_the_call_back_work_list(
    small_brokerage: Brokerage,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = small_brokerage.settings.home
    with published_copy(home, tmp_path_factory.mktemp("probe")) as (settings, _):
        assert settings.database_url
        monkeypatch.setenv("BROKERLENS_DATABASE_URL", settings.database_url)
        args = ["callbacks", "--home", str(home), "--requests", "20", "--workers", "1"]
        assert main(args) == 0
        line = capsys.readouterr().out.strip().splitlines()[-1]
        assert re.fullmatch(
            r"callbacks: 20 work list pages, 0 errors, "
            r"p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms",
            line,
        ), line
        # every page was a read of the work list in the call-centre user's name
        with open_store(settings).connect() as connection:
            viewed = connection.execute(
                audit_log.select().where(
                    audit_log.c.username == BENCH_CALLER, audit_log.c.action == "view_callbacks"
                )
            ).all()
        dispose_engines()
        assert len(viewed) == 21  # the warm-up page and the 20 timed

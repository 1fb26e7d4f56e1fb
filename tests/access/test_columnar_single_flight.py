"""A question about the served file asked by many threads at once is computed once: the others
wait for that answer (a freshly started server gets the same list query several times a second
while it is still computing it). A failure reaches every waiter and is not kept."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from brokerlens.access import columnar
from brokerlens.access.render import Where


@pytest.fixture
def served(tmp_path):
    path = tmp_path / "11.parquet"
    duckdb.connect().execute(
        "COPY (SELECT printf('C%05d', i) AS customer_id, (i * 7919) % 1000 AS total_assets_t "
        f"FROM range(1000) t(i)) TO '{path}' (FORMAT parquet)"
    )
    return str(path)


def _slow_fetch(monkeypatch, release: threading.Event, asked: list[int], fail: bool = False):
    real = columnar._fetch_all

    def fetch(sql, params):
        asked.append(1)
        assert release.wait(30), "the test never released the query"
        if fail:
            raise duckdb.IOException("the disk went away")
        return real(sql, params)

    monkeypatch.setattr(columnar, "_fetch_all", fetch)


def test_eight_callers_at_once_share_one_query(served, monkeypatch):
    release, asked = threading.Event(), []
    _slow_fetch(monkeypatch, release, asked)
    where = Where("total_assets_t >= ?", [123.45])
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(columnar.count, served, where) for _ in range(8)]
        while not asked:  # the first caller is inside its query; the others arrive meanwhile
            threading.Event().wait(0.01)
        threading.Event().wait(0.2)
        release.set()
        answers = [f.result(timeout=30) for f in futures]
    expected = duckdb.connect().execute(
        f"SELECT count(*) FROM read_parquet('{served}') WHERE total_assets_t >= 123.45"
    )
    assert answers == [expected.fetchone()[0]] * 8
    assert len(asked) == 1
    assert columnar.count(served, where) == answers[0]  # kept: no query the ninth time
    assert len(asked) == 1


def test_a_failed_query_reaches_every_waiter_and_is_asked_again_next_time(served, monkeypatch):
    release, asked = threading.Event(), []
    _slow_fetch(monkeypatch, release, asked, fail=True)
    where = Where("total_assets_t >= ?", [678.9])
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(columnar.count, served, where) for _ in range(4)]
        while not asked:
            threading.Event().wait(0.01)
        threading.Event().wait(0.2)
        release.set()
        for future in futures:
            with pytest.raises(duckdb.IOException, match="disk went away"):
                future.result(timeout=30)
    assert len(asked) == 1
    monkeypatch.undo()
    assert columnar.count(served, where) > 0  # nothing kept from the failure

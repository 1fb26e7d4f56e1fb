"""A question about the served file asked by many threads at once is computed once: the others
wait for that answer (a freshly started server gets the same list query several times a second
while it is still computing it). A failure reaches every waiter and is not kept."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from access.columnar_support import thousand_customers
from brokerlens.access import columnar
from brokerlens.access.render import Where


@pytest.fixture
def served(tmp_path):
    return thousand_customers(tmp_path / "11.parquet")


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


def _forget_in_memory():
    with columnar._answers_lock:
        columnar._answers.clear()
        columnar._weights.clear()
        columnar._kept_rows = 0


def test_another_worker_reads_the_answer_from_the_served_files_answers(served, monkeypatch):
    asked = []
    real = columnar._fetch_all
    monkeypatch.setattr(columnar, "_fetch_all", lambda s, p: asked.append(1) or real(s, p))
    where = Where("total_assets_t >= ?", [321.5])
    order = "total_assets_t DESC, customer_id"
    first = (columnar.count(served, where), columnar.page_ids(served, where, order, 20, 0))
    assert len(asked) == 2
    _forget_in_memory()  # as a second worker process, or this one restarted, would start
    again = (columnar.count(served, where), columnar.page_ids(served, where, order, 20, 0))
    assert again == first and len(asked) == 2  # no query: read from the answers folder
    assert served + ".answers" in {str(p) for p in Path(served).parent.iterdir()}


def test_a_rewritten_served_file_is_asked_again(served, monkeypatch):
    where = Where("total_assets_t >= ?", [500])
    before = columnar.count(served, where)
    duckdb.connect().execute(  # the same name written again (a store reset): other rows
        f"COPY (SELECT printf('D%05d', i) AS customer_id, 999 AS total_assets_t "
        f"FROM range(10) t(i)) TO '{served}' (FORMAT parquet)"
    )
    _forget_in_memory()
    assert columnar.count(served, where) == 10 != before


def test_answers_of_a_served_file_no_longer_there_are_removed(served, tmp_path):
    columnar.count(served, Where("total_assets_t >= ?", [1]))
    old = Path(served + ".answers")
    assert old.is_dir()
    Path(served).unlink()  # publish dropped the retired snapshot's copy
    newer = tmp_path / "12.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT 'C1' AS customer_id, 5 AS total_assets_t) TO '{newer}' (FORMAT parquet)"
    )
    assert columnar.count(str(newer), Where("total_assets_t >= ?", [1])) == 1
    assert not old.exists()


def test_without_a_writable_answers_folder_the_answer_is_still_computed(served, monkeypatch):
    where = Where("total_assets_t >= ?", [999])
    Path(served + ".answers").write_text("not a folder")  # mkdir there fails, as read-only would
    assert columnar.count(served, where) == 1
    _forget_in_memory()
    # a folder nothing can be created in (root ignores permissions: a file stands in for it)
    monkeypatch.setattr(columnar, "served_answers_dir", lambda path: Path(served))
    assert columnar.count(served, where) == 1

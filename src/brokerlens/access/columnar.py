"""Lists and counts over the served profile's Parquet copy, read by DuckDB.

The store is a row store: a filter that keeps many customers reads every wide row. The columnar
copy (`Snapshot.columnar_path`, written by publish before the flip) is read instead when it is
set and the file exists. Scope, conditions, search and sort are the same expressions the store
runs (`conditions.compile_query`, staff roles' customer ids read on the store connection of the
same call), rendered for DuckDB (`render`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import suppress
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from brokerlens.access.render import Where
from brokerlens.access.snapshot import Snapshot
from brokerlens.atomic import atomic_file
from brokerlens.engine.sqltext import ident
from brokerlens.warehouse.served import parquet_source, served_answers_dir, served_profile_file

_duck: duckdb.DuckDBPyConnection | None = None
_duck_lock = threading.Lock()


def _connection() -> duckdb.DuckDBPyConnection:
    """The process's one DuckDB connection (in memory; callers take a cursor each)."""
    global _duck
    with _duck_lock:
        if _duck is None:
            duck = duckdb.connect(":memory:")
            # Footers read once per file, not per query.
            duck.execute("SET parquet_metadata_cache = true")
            duck.execute("SET enable_progress_bar = false")
            _duck = duck
        return _duck


# Answers over a served file, by (file, its mtime, statement, parameters). A served file never
# changes (each publish writes its own), and scope is resolved into the parameters (a
# reassignment changes them), so a hit is always the answer a fresh query would give. Only
# small answers (pages of ids, counts, a page's rows) are kept, per process, up to a number of
# rows in all (a wide profile row is ~100 values).
_CACHE_ROWS = 20_000
_answers: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_weights: dict[tuple[Any, ...], int] = {}
_answers_lock = threading.Lock()
_pending: dict[tuple[Any, ...], Future[Any]] = {}  # answers being computed, by key
_kept_rows = 0


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, list | tuple) else value


def _answer(path: str, sql: str, params: list[Any], compute: Callable[[], Any]) -> Any:
    question = (sql, _frozen(params))
    return remember(path, question, lambda: _shared(path, question, compute))


def _shared(path: str, question: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """The answer from the served file's answers folder (another worker, or this server before
    a restart, computed it), else computed and put there; one process computes it while the
    others wait on its lock. Only rows of plain values (ids, counts: what `_fetch_all` returns)
    are kept there, as JSON; other answers are computed."""
    try:
        stat = Path(path).stat()
        key = repr((stat.st_mtime_ns, stat.st_size, question)).encode()
        digest = hashlib.sha256(key).hexdigest()
        folder = served_answers_dir(path)
        lock = open(folder / f"{digest}.lock", "a")  # noqa: SIM115 (closed by the with below)
    except OSError:  # no folder this process may write (a read-only warehouse): just compute
        return compute()
    file = folder / f"{digest}.json"
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when closed (or the process dies)
        try:
            return [tuple(row) for row in json.loads(file.read_text("utf-8"))["rows"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # not there yet (or unreadable): compute it
        value = compute()
        if _plain_rows(value):
            with suppress(OSError), atomic_file(file) as scratch:
                scratch.write_text(json.dumps({"rows": value}), "utf-8")
        return value


def _plain_rows(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(row, tuple) and all(v is None or type(v) in _PLAIN for v in row) for row in value
    )


_PLAIN = (str, int, float, bool)


def remember(path: str, question: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """The answer to `question` about the served file `path`, computed once while kept.

    Computed once even when asked by several threads at once: the first computes, the others
    wait for its answer (or its error). On a freshly started server the same list query comes
    in several times a second; computing each arrival in parallel multiplied the cold work and
    the queue never drained."""
    global _kept_rows
    try:
        key = (path, Path(path).stat().st_mtime_ns, *question)
    except OSError:
        return compute()
    with _answers_lock:
        if key in _answers:
            _answers.move_to_end(key)
            return _answers[key]
        pending = _pending.get(key)
        owner = pending is None
        if pending is None:
            pending = _pending[key] = Future()
    if not owner:
        return pending.result()
    try:
        value = compute()
    except BaseException as exc:  # the waiters get it too; nothing is kept
        with _answers_lock:
            del _pending[key]
        pending.set_exception(exc)
        raise
    with _answers_lock:
        del _pending[key]
        if key not in _answers:
            _answers[key] = value
            _weights[key] = max(1, len(value)) if isinstance(value, list | dict) else 1
            _kept_rows += _weights[key]
        while _kept_rows > _CACHE_ROWS and len(_answers) > 1:
            old, _ = _answers.popitem(last=False)
            _kept_rows -= _weights.pop(old)
    pending.set_result(value)
    return value


def columnar_file(snapshot: Snapshot) -> str | None:
    """The snapshot's Parquet copy when recorded and present; None: read the store."""
    return served_profile_file(snapshot.columnar_path)


def _source(path: str) -> str:
    # The path is ours (the snapshot row publish wrote), never request text.
    return parquet_source(path)


def _columns(snapshot: Snapshot) -> str:
    return ", ".join(ident(n) for n in snapshot.names())


def _fetch_all(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    cursor = _connection().cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def count(path: str, where: Where) -> int:
    sql = f"SELECT count(*) FROM {_source(path)} WHERE {where.sql}"
    found = _answer(path, sql, where.params, lambda: _fetch_all(sql, where.params))
    return int(found[0][0]) if found else 0


def rows(
    path: str,
    snapshot: Snapshot,
    where: Where,
    order: str,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The matching rows, every column of the snapshot in its order (unmasked)."""
    sql = f"SELECT {_columns(snapshot)} FROM {_source(path)} WHERE {where.sql} ORDER BY {order}"
    params = list(where.params)
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    cursor = _connection().cursor()
    try:
        result = cursor.execute(sql, params)
        names = [d[0] for d in result.description or []]
        return [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    finally:
        cursor.close()


# A list page reads the ids of this many pages at once, kept together: a user paging on (or
# a hundred users on the morning's lists) costs one query per five pages. A top-N of 250
# costs what a top-N of 50 does; on a server just started, the cold queries of a busy minute
# were what queued (3M customers: 90 distinct pages, ~40 ms each, in every worker).
PAGES_AHEAD = 5


def page_ids(path: str, where: Where, order: str, limit: int, offset: int) -> list[str]:
    """The page's customer ids in order. Only the filter and sort columns are read: carrying
    every column through the top-N costs ~4x at 3 million rows; the caller fetches the page's
    rows by primary key."""
    sql = (
        f"SELECT customer_id FROM {_source(path)} WHERE {where.sql} ORDER BY {order} "
        "LIMIT ? OFFSET ?"
    )
    block = limit * PAGES_AHEAD
    start = offset - offset % block if block > 0 else offset
    if block <= 0 or offset + limit > start + block:  # a page across two blocks: as asked
        start, block = offset, limit
    params = [*where.params, block, start]
    found = _answer(path, sql, params, lambda: _fetch_all(sql, params))
    return [str(r[0]) for r in found[offset - start : offset - start + limit]]


def grouped_counts(
    path: str, where: Where, keys: list[str], assets: str | None
) -> list[tuple[Any, ...]]:
    """(key values..., count, sum(assets)) per group of `keys` (known column names)."""
    cols = ", ".join(ident(k) for k in keys)
    money = f"sum({ident(assets)})" if assets else "0.0"
    select = f"{cols}, " if keys else ""
    group = f" GROUP BY {cols}" if keys else ""
    sql = f"SELECT {select}count(*), {money} FROM {_source(path)} WHERE {where.sql}{group}"
    return list(_answer(path, sql, where.params, lambda: _fetch_all(sql, where.params)))


def member_rows(path: str, where: Where) -> tuple[list[str], list[str | None]]:
    """(customer ids, their branch ids) of every matching row, by customer id: a campaign's
    members when frozen. Fetched as Arrow (500,000 rows in a fraction of a second); not kept
    (a launch reads once)."""
    sql = (
        f"SELECT customer_id, branch_id FROM {_source(path)} WHERE {where.sql} ORDER BY customer_id"
    )
    cursor = _connection().cursor()
    try:
        found = cursor.sql(sql, params=list(where.params)).to_arrow_table()
    finally:
        cursor.close()
    return found["customer_id"].to_pylist(), found["branch_id"].to_pylist()


def arrow_of(sql: str, params: list[Any]) -> pa.Table:
    """The rows of `sql` (the caller's own SQL over a served file, values bound) as Arrow: a
    whole column of millions of customers in a fraction of a second. Not kept (callers keep
    what they work out from it, with `remember`)."""
    cursor = _connection().cursor()
    try:
        return cursor.sql(sql, params=list(params)).to_arrow_table()
    finally:
        cursor.close()


def query_file(path: str, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows (as dicts) of `sql` over the kept file `path` (the caller's own SQL naming the file,
    values bound), on the process's DuckDB connection, kept like the other answers over a file
    that does not change (issue 19: the staff pages' book and risk files)."""

    def compute() -> list[dict[str, Any]]:
        cursor = _connection().cursor()
        try:
            result = cursor.execute(sql, params)
            names = [d[0] for d in result.description or []]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        finally:
            cursor.close()

    return list(_answer(path, sql, params, compute))

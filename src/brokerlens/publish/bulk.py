"""Bulk loads into the store: inside the caller's transaction (`bulk_load`), or in short
transactions of their own (`load_in_batches`) so other writers get the store between them.

PostgreSQL: COPY ... FROM STDIN (FORMAT csv), each Arrow batch written as CSV by Arrow's C++
writer (strings come out quoted, NULLs as bare empty fields, which is what COPY expects).
SQLite: executemany over big batches; the rows must already be in SQLite's form (see
`source.load_select`)."""

from __future__ import annotations

import contextlib
import io
import queue
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa


def bulk_load(connection: sa.Connection, table: sa.Table, batches: Iterable[pa.RecordBatch]) -> int:
    if connection.dialect.name == "sqlite":
        return _sqlite(connection, table, batches)
    return _postgres(connection, table, batches)


# SQLite has one write lock: a batch holds it at most about this long, then lets go for
# PAUSE_SECONDS, longer than the busy handler's 100 ms between retries, so a waiting sign-in
# or audit row gets in. PostgreSQL writers never wait on a new table: commits there only bound
# what a failure throws away.
HOLD_SECONDS = 0.5
PAUSE_SECONDS = 0.11
SQLITE_CHUNK_ROWS = 5_000
PG_COMMIT_ROWS = 100_000
PG_STREAMS = 2


def between_batches() -> None:
    """Called after each committed batch (tests slow a load down here)."""


def load_in_batches(db: sa.Engine, table: sa.Table, batches: Iterable[pa.RecordBatch]) -> int:
    """Load the rows into `table`, committing as it goes; returns the rows loaded. A failure
    leaves the batches before it committed: the caller drops or deletes what it loaded."""
    if db.dialect.name == "sqlite":
        return _sqlite_batched(db, table, batches)
    return _postgres_streams(db, table, _rechunk(batches, PG_COMMIT_ROWS))


def _postgres_streams(db: sa.Engine, table: sa.Table, chunks: Iterator[pa.RecordBatch]) -> int:
    """COPY the chunks over PG_STREAMS connections at once, each chunk its own transaction: a
    COPY keeps one server process busy parsing, so a second stream uses the other core."""
    take = threading.Lock()
    failed = threading.Event()

    def stream() -> int:
        rows = 0
        try:
            while not failed.is_set():
                with take:
                    chunk = next(chunks, None)
                if chunk is None:
                    break
                with db.begin() as connection:
                    rows += _postgres(connection, table, [chunk])
                between_batches()
        except BaseException:
            failed.set()  # the other stream stops after its chunk
            raise
        return rows

    with ThreadPoolExecutor(max_workers=PG_STREAMS, thread_name_prefix="publish-copy") as pool:
        futures = [pool.submit(stream) for _ in range(PG_STREAMS)]
        return sum(future.result() for future in futures)


def _sqlite_batched(db: sa.Engine, table: sa.Table, batches: Iterable[pa.RecordBatch]) -> int:
    name, columns = _quoted_names(db.dialect, table)
    marks = ", ".join("?" for _ in table.columns)
    sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"
    rows = 0
    chunks = _as_tuples(_rechunk(batches, SQLITE_CHUNK_ROWS))
    with db.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            chunk = next(chunks, None)
            while chunk is not None:
                cursor.execute("BEGIN IMMEDIATE")  # the lock up front: no upgrade to fail
                began = time.perf_counter()
                try:
                    while chunk is not None:
                        cursor.executemany(sql, chunk)
                        rows += len(chunk)
                        chunk = next(chunks, None)
                        if time.perf_counter() - began >= HOLD_SECONDS:
                            break
                    cursor.execute("COMMIT")
                except BaseException:
                    driver.rollback()
                    raise
                between_batches()
                if chunk is not None:
                    time.sleep(PAUSE_SECONDS)
        finally:
            cursor.close()
            chunks.close()
    return rows


def _rechunk(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        for start in range(0, batch.num_rows, size):
            yield batch.slice(start, size)


def _quoted_names(dialect: sa.Dialect, table: sa.Table) -> tuple[str, str]:
    quote = dialect.identifier_preparer.quote
    return quote(table.name), ", ".join(quote(c.name) for c in table.columns)


def _quoted(connection: sa.Connection, table: sa.Table) -> tuple[str, str]:
    quote = connection.dialect.identifier_preparer.quote
    return quote(table.name), ", ".join(quote(c.name) for c in table.columns)


def _sqlite(connection: sa.Connection, table: sa.Table, batches: Iterable[pa.RecordBatch]) -> int:
    name, columns = _quoted(connection, table)
    marks = ", ".join("?" for _ in table.columns)
    sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"
    # The driver connection is the one SQLAlchemy's transaction is open on.
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    rows = 0
    try:
        for chunk in _as_tuples(batches):
            cursor.executemany(sql, chunk)
            rows += len(chunk)
    finally:
        cursor.close()
    return rows


_DONE = object()


def _as_tuples(batches: Iterable[pa.RecordBatch]) -> Generator[list[tuple[Any, ...]], None, None]:
    """The batches as lists of row tuples, made one batch ahead in a second thread: SQLite
    steps without the GIL, so making the next rows overlaps inserting these (about 2x)."""
    ready: queue.Queue[object] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                ready.put(list(zip(*(c.to_pylist() for c in batch.columns), strict=True)))
            ready.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            ready.put(exc)

    worker = threading.Thread(target=produce, name="publish-rows", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.1)
        worker.join()


def _postgres(connection: sa.Connection, table: sa.Table, batches: Iterable[pa.RecordBatch]) -> int:
    name, columns = _quoted(connection, table)
    options = pacsv.WriteOptions(include_header=False)
    driver = connection.connection.driver_connection
    rows = 0
    sql = f"COPY {name} ({columns}) FROM STDIN (FORMAT csv)"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for batch in batches:
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, options)
            copy.write(buffer.getbuffer())
            rows += batch.num_rows
    return rows

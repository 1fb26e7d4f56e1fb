"""Bulk loads into the store inside the caller's transaction.

PostgreSQL: COPY ... FROM STDIN (FORMAT csv), each Arrow batch written as CSV by Arrow's C++
writer (strings come out quoted, NULLs as bare empty fields, which is what COPY expects).
SQLite: executemany over big batches; the rows must already be in SQLite's form (see
`source.load_select`)."""

from __future__ import annotations

import contextlib
import io
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa


def bulk_load(connection: sa.Connection, table: sa.Table, batches: Iterable[pa.RecordBatch]) -> int:
    if connection.dialect.name == "sqlite":
        return _sqlite(connection, table, batches)
    return _postgres(connection, table, batches)


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


def _as_tuples(batches: Iterable[pa.RecordBatch]) -> Iterator[list[tuple[Any, ...]]]:
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

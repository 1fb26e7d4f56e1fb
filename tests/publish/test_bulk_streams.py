"""PostgreSQL takes a bulk load over two COPY streams at once: every row arrives exactly once,
whatever the chunking; a stream that fails stops the load and says why (the caller then drops
or deletes what was committed, as for one stream)."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest
import sqlalchemy as sa

from brokerlens.publish import bulk
from brokerlens.store.db import dispose_engines


@pytest.fixture
def pg(pg_store_url):
    db = sa.create_engine(pg_store_url)
    table = sa.Table(
        "bulk_streams_t",
        sa.MetaData(),
        sa.Column("customer_id", sa.String(32), primary_key=True),
        sa.Column("assets", sa.Float(precision=53)),
        sa.Column("level", sa.Text()),
    )
    with db.begin() as connection:
        table.create(connection)
    yield db, table
    db.dispose()
    dispose_engines()


def _rows(n: int) -> pa.Table:
    return pa.table(
        {
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "assets": [i * 1.25 if i % 7 else None for i in range(n)],
            "level": [("VIP", "普通", 'a "quoted", text')[i % 3] for i in range(n)],
        }
    )


def test_two_streams_load_every_row_once(pg, monkeypatch):
    db, table = pg
    monkeypatch.setattr(bulk, "PG_COMMIT_ROWS", 97)  # many chunks of odd size
    seen: set[str] = set()
    real = bulk._postgres

    def copy(connection, table, batches):
        seen.add(threading.current_thread().name)
        return real(connection, table, batches)

    monkeypatch.setattr(bulk, "_postgres", copy)
    source = _rows(5_000)
    assert bulk.load_in_batches(db, table, source.to_batches(max_chunksize=1_000)) == 5_000
    with db.connect() as connection:
        got = connection.execute(
            sa.select(table.c.customer_id, table.c.assets, table.c.level).order_by(
                table.c.customer_id
            )
        ).all()
    assert [tuple(r) for r in got] == list(
        zip(*(source.column(n).to_pylist() for n in source.column_names), strict=True)
    )
    assert len(seen) == bulk.PG_STREAMS  # both streams copied


def test_a_failing_stream_stops_the_load_and_raises(pg, monkeypatch):
    db, table = pg
    monkeypatch.setattr(bulk, "PG_COMMIT_ROWS", 100)
    calls = []
    real = bulk._postgres

    def copy(connection, table, batches):
        calls.append(1)
        if len(calls) == 3:
            raise sa.exc.OperationalError("COPY", {}, Exception("server closed the connection"))
        return real(connection, table, batches)

    monkeypatch.setattr(bulk, "_postgres", copy)
    with pytest.raises(sa.exc.OperationalError, match="server closed"):
        bulk.load_in_batches(db, table, _rows(10_000).to_batches(max_chunksize=1_000))
    assert len(calls) < 100 // 2  # stopped early, not after every chunk
    with db.connect() as connection:
        loaded = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    assert loaded < 10_000

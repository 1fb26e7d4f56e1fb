"""PostgreSQL's pooled connections: a connection back in use at once is not pinged (a ping on
every checkout cost two of a 360's round trips), one idle a while is, and one the server
dropped meanwhile is replaced without the caller seeing an error."""

from __future__ import annotations

import sqlalchemy as sa

from brokerlens.store import db as store_db


def _engine(url: str) -> sa.Engine:
    return store_db._new_engine(url)


def _pid(db: sa.Engine) -> int:
    with db.connect() as connection:
        return int(connection.execute(sa.text("select pg_backend_pid()")).scalar_one())


def test_a_connection_reused_at_once_is_not_pinged(pg_store_url, monkeypatch):
    db = _engine(pg_store_url)
    pings = []
    real = db.dialect.do_ping
    monkeypatch.setattr(db.dialect, "do_ping", lambda c: pings.append(1) or real(c))
    try:
        first = _pid(db)
        for _ in range(5):
            assert _pid(db) == first  # the same pooled connection
        assert pings == []
    finally:
        db.dispose()


def test_a_connection_dropped_by_the_server_while_idle_is_replaced(pg_store_url, monkeypatch):
    db = _engine(pg_store_url)
    try:
        dropped = _pid(db)
        admin = sa.create_engine(
            pg_store_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        with admin.connect() as connection:
            connection.execute(sa.text("select pg_terminate_backend(:p)"), {"p": dropped})
        admin.dispose()
        monkeypatch.setattr(store_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # "idle a while"
        assert _pid(db) != dropped  # no error: the pool pinged, found it dead, reconnected
    finally:
        db.dispose()


def test_a_serving_worker_opens_its_connections_before_the_first_request(pg_store_url):
    db = _engine(pg_store_url)
    try:
        store_db.fill_pool(db, 6)
        assert db.pool.checkedin() == 6  # kept open in the pool, ready
        other = sa.create_engine(pg_store_url, poolclass=sa.pool.NullPool)
        with other.connect() as connection:
            opened = connection.execute(
                sa.text("select count(*) from pg_stat_activity where datname = current_database()")
            ).scalar_one()
        other.dispose()
        assert opened >= 6 + 1  # six server processes, and this one
    finally:
        db.dispose()

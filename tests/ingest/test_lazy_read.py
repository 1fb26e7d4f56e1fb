"""A date not read ahead is read one feed file at a time, as it is validated: the same raw
tables in the same order as a whole read, never more than one feed's text held at once, and a
bad file stops the read where a whole read stops."""

from __future__ import annotations

from pathlib import Path

import duckdb

from brokerlens.errors import DateRejected
from brokerlens.ingest.discover import discover_dates
from brokerlens.ingest.load import connect, read_date
from support.factories import D1, reference_date


def raw_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'raw_%' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def test_lazy_read_holds_one_feed_at_a_time(tmp_path: Path) -> None:
    reference_date(tmp_path / "inbox", D1)
    (folder,) = discover_dates(tmp_path / "inbox")
    conn = connect(tmp_path)
    whole = read_date(conn, folder, tmp_path / "w1", "_1")
    assert whole.error is None and whole.raws
    conn.execute("; ".join(f"DROP TABLE {t}" for t in whole.tables))

    lazy = read_date(conn, folder, tmp_path / "w2", "_2", lazy=True)
    assert lazy.error is None and lazy.raws == []
    assert raw_tables(conn) == []
    seen = []
    for raw in lazy.each():
        assert raw_tables(conn) == [raw.table]
        seen.append((raw.file.feed, raw.rows, raw.columns))
        conn.execute(f"DROP TABLE {raw.table}")  # as validating it does
    assert seen == [(r.file.feed, r.rows, r.columns) for r in whole.raws]
    assert lazy.error is None
    conn.close()


def test_lazy_read_stops_at_a_bad_file_like_a_whole_read(tmp_path: Path) -> None:
    folder_path = reference_date(tmp_path / "inbox", D1)
    (folder_path / "accounts.csv").write_text('account_id,customer_id\n"A1,C1\n')
    (folder,) = discover_dates(tmp_path / "inbox")
    conn = connect(tmp_path)
    whole = read_date(conn, folder, tmp_path / "w1", "_1")
    lazy = read_date(conn, folder, tmp_path / "w2", "_2", lazy=True)
    assert isinstance(whole.error, DateRejected)
    assert lazy.error is None
    feeds = [raw.file.feed for raw in lazy.each()]
    assert feeds == [r.file.feed for r in whole.raws]
    assert "accounts" not in feeds
    assert isinstance(lazy.error, DateRejected)
    assert lazy.error.message == whole.error.message
    assert list(lazy.each()) == lazy.raws  # the files read so far, nothing more
    conn.close()

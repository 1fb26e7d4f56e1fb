"""DuckDB's memory cap (issue 21): the run steps' engine and the warehouse connection take
`BROKERLENS_DUCKDB_MEMORY`, spill under the home past it, and a bad value is refused."""

from __future__ import annotations

import duckdb
import pytest

from brokerlens.config import load_settings
from brokerlens.engine.registry import open_engine
from brokerlens.errors import ConfigError


def _setting(conn: duckdb.DuckDBPyConnection, name: str) -> str:
    return str(conn.execute(f"SELECT current_setting('{name}')").fetchone()[0])  # type: ignore[index]


def _reference(limit: str) -> str:
    conn = duckdb.connect(":memory:")
    conn.execute(f"SET memory_limit = '{limit}'")
    return _setting(conn, "memory_limit")


def test_the_default_cap_is_a_quarter_of_memory_not_duckdbs_four_fifths(tmp_path):
    settings = load_settings(tmp_path)
    engine = open_engine("duckdb", settings)
    conn = engine.conn  # type: ignore[attr-defined]
    assert _setting(conn, "memory_limit") == _reference("25%")
    assert _setting(conn, "memory_limit") != _setting(duckdb.connect(":memory:"), "memory_limit")
    assert _setting(conn, "temp_directory") == str(tmp_path / "tmp" / "duckdb")


def test_a_query_bigger_than_the_cap_spills_under_the_home_and_finishes(tmp_path, monkeypatch):
    monkeypatch.setenv("BROKERLENS_DUCKDB_MEMORY", "64MB")
    engine = open_engine("duckdb", load_settings(tmp_path))
    conn = engine.conn  # type: ignore[attr-defined]
    assert _setting(conn, "memory_limit") == _reference("64MB")
    conn.execute("SET threads = 1")
    (count,) = conn.execute(
        "SELECT count(*) FROM (SELECT DISTINCT i, md5(CAST(i AS VARCHAR)) FROM range(3000000) t(i))"
    ).fetchone()
    assert count == 3_000_000
    assert (tmp_path / "tmp" / "duckdb").is_dir()


@pytest.mark.parametrize("value", ["lots", "0%", "150%", "6 bananas", "-1GB"])
def test_a_bad_cap_names_the_variable(tmp_path, monkeypatch, value):
    monkeypatch.setenv("BROKERLENS_DUCKDB_MEMORY", value)
    with pytest.raises(ConfigError, match="BROKERLENS_DUCKDB_MEMORY"):
        load_settings(tmp_path)


def test_ingest_holds_the_lakes_keys_under_the_same_cap(tmp_path):
    from brokerlens.ingest.load import IngestSession
    from brokerlens.lake.layout import LakeLayout

    work = tmp_path / "work"
    work.mkdir()
    with IngestSession(LakeLayout(tmp_path / "lake"), work, "64MB") as session:
        assert _setting(session.conn, "memory_limit") == _reference("64MB")
        assert _setting(session.conn, "temp_directory") == str(work / "spill")

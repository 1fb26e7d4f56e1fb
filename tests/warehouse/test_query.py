"""The read-only query service: writes, several statements and outside files are refused."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from brokerlens.config import Settings
from brokerlens.errors import BrokerlensError, LakeError, ReadOnlyError
from brokerlens.ingest import ingest_inbox
from brokerlens.warehouse import open_warehouse, run_query
from support.factories import D1, fact_date, reference_date, settings_for


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("wh")
    reference_date(tmp / "inbox", D1)
    fact_date(tmp / "inbox", D1)
    settings = settings_for(tmp / "home")
    ingest_inbox(settings, tmp / "inbox")
    return settings


def test_select_with_limit(lake: Settings) -> None:
    result = run_query(lake, "select customer_id from customers order by 1", limit=2)
    assert result.columns == ["customer_id"] and result.rows == [("C1",), ("C2",)]
    assert result.truncated
    assert not run_query(lake, "select 1", limit=2).truncated


@pytest.mark.parametrize(
    "sql",
    [
        "insert into trades select * from trades",
        "update customers set name = 'x'",
        "delete from trades",
        "create table t as select 1",
        "drop view trades",
        "copy (select * from customers) to '/tmp/brokerlens-leak.csv'",
        "copy trades to 'lake-copy.parquet'",
        "attach '/tmp/brokerlens-other.db' as other",
        "set threads = 1",
        "pragma database_list",
        "install httpfs",
        "load httpfs",
        "export database '/tmp/brokerlens-export'",
        "select 1; select 2",
        "explain analyze copy (select 1) to '/tmp/x.csv'",
        "call pragma_version()",
    ],
)
def test_writes_and_side_effects_are_refused(lake: Settings, sql: str) -> None:
    with pytest.raises(ReadOnlyError):
        run_query(lake, sql)
    assert not Path("/tmp/brokerlens-leak.csv").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "select * from glob('/*')",
        "select * from read_parquet('/tmp/*.parquet')",
    ],
)
def test_reading_outside_the_lake_is_refused(lake: Settings, sql: str) -> None:
    with pytest.raises(ReadOnlyError, match=r"Permission|disabled"):
        run_query(lake, sql)


def test_the_configuration_is_locked(lake: Settings) -> None:
    conn = open_warehouse(lake)
    try:
        with pytest.raises(duckdb.Error, match="locked"):
            conn.execute("SET enable_external_access = true")
    finally:
        conn.close()


def test_a_bad_query_is_a_clear_error(lake: Settings) -> None:
    with pytest.raises(BrokerlensError, match="no_such_table"):
        run_query(lake, "select * from no_such_table")


def test_an_empty_lake_says_to_ingest_first(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="ingest"):
        run_query(settings_for(tmp_path / "home"), "select 1")

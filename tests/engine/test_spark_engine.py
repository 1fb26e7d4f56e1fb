"""The Spark engine adapter: relations over Parquet, views, one-file writes DuckDB reads back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brokerlens.config import load_settings
from brokerlens.engine import open_engine
from brokerlens.engine.duckdb_engine import DuckDBEngine
from brokerlens.engine.spark_session import get_session, java_missing_reason, session_conf
from brokerlens.errors import BrokerlensError, ConfigError
from support.needs import need_module

if TYPE_CHECKING:
    from brokerlens.engine.spark_engine import SparkEngine

# The lake's column types, as the ingest writes them.
LAKE_COLUMNS = [
    ("account_id", "VARCHAR"),
    ("amount", "DECIMAL(18,2)"),
    ("price", "DECIMAL(18,4)"),
    ("trade_date", "DATE"),
    ("trade_time", "TIMESTAMP"),
    ("is_margin", "BOOLEAN"),
    ("quantity", "BIGINT"),
    ("fee_rate", "DOUBLE"),
]
LAKE_ROWS = """
    ('A001', 1234.56, 10.1234, DATE '2025-01-02', TIMESTAMP '2025-01-02 09:30:00.123456',
     true, 100, 0.0003),
    ('A001', -0.01, 0.0001, DATE '2025-01-03', TIMESTAMP '2025-01-03 23:59:59', false, 0, 0.5),
    ('B002', 9999999999999999.99, 99999999999999.9999, DATE '1999-12-31',
     TIMESTAMP '1999-12-31 00:00:00', NULL, -5, NULL),
    ('C003', NULL, NULL, NULL, NULL, NULL, NULL, NULL)
"""


def write_duckdb(path: Path, columns: list[tuple[str, str]], rows: str) -> Path:
    casts = ", ".join(f"CAST(col{i} AS {t}) AS {n}" for i, (n, t) in enumerate(columns))
    with duckdb.connect() as conn:
        conn.execute(f"COPY (SELECT {casts} FROM (VALUES {rows})) TO '{path}' (FORMAT parquet)")
    return path


def duckdb_read(path: Path) -> tuple[list[tuple[str, str]], list[tuple[object, ...]]]:
    """A Parquet file as DuckDB sees it: (column, type) pairs and rows."""
    with duckdb.connect() as conn:
        relation = conn.sql(f"SELECT * FROM read_parquet('{path}')")
        types = list(zip(relation.columns, map(str, relation.types), strict=True))
        return types, sorted(relation.fetchall(), key=repr)


def test_spark_types_follow_duckdb_names() -> None:
    need_module("pyspark", "the spark extra of pyproject: pip install -e .[spark]")
    from brokerlens.engine.spark_engine import spark_type

    assert [spark_type(t) for _, t in LAKE_COLUMNS] == [
        "STRING",
        "DECIMAL(18, 2)",
        "DECIMAL(18, 4)",
        "DATE",
        "TIMESTAMP_NTZ",  # DuckDB's TIMESTAMP has no zone
        "BOOLEAN",
        "BIGINT",
        "DOUBLE",
    ]
    assert spark_type("json") == "STRING"
    assert spark_type("INTEGER") == "INT"
    assert spark_type("TIMESTAMPTZ") == "TIMESTAMP"
    with pytest.raises(BrokerlensError, match="no Spark type"):
        spark_type("NOT A TYPE (")


def test_java_missing_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert java_missing_reason() is not None
    assert "Java 17+" in str(java_missing_reason())


def test_session_conf_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKERLENS_SPARK_MASTER", "local[3]")
    monkeypatch.setenv("BROKERLENS_SPARK_DRIVER_MEMORY", "2g")
    monkeypatch.setenv("BROKERLENS_SPARK_SHUFFLE_PARTITIONS", "7")
    monkeypatch.setenv("BROKERLENS_SPARK_JAVA_OPTIONS", "-Xss4m")
    conf = session_conf()
    assert conf["spark.master"] == "local[3]"
    assert conf["spark.driver.memory"] == "2g"
    assert conf["spark.sql.shuffle.partitions"] == "7"
    assert conf["spark.driver.extraJavaOptions"].endswith(
        "-Duser.timezone=UTC -Dlog4j2.level=ERROR -Xss4m"
    )
    # on a cluster the executors are JVMs of their own and get the same options
    assert conf["spark.executor.extraJavaOptions"].endswith("-Duser.timezone=UTC -Xss4m")


def test_session_conf_takes_the_settings_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKERLENS_SPARK_MASTER", "local[3]")
    settings = load_settings(spark_master="spark://10.1.2.3:7077", spark_shuffle_partitions=48)
    conf = session_conf(settings)
    assert conf["spark.master"] == "spark://10.1.2.3:7077"
    assert conf["spark.sql.shuffle.partitions"] == "48"


@pytest.mark.spark
def test_session_settings(spark: SparkEngine) -> None:
    conf = spark.spark.conf
    assert conf.get("spark.sql.session.timeZone") == "UTC"
    assert conf.get("spark.sql.timestampType") == "TIMESTAMP_NTZ"
    assert conf.get("spark.sql.parquet.outputTimestampType") == "TIMESTAMP_MICROS"
    assert conf.get("spark.sql.ansi.enabled") == "true"
    assert spark.name == "spark"
    assert spark.dialect == "spark"


@pytest.mark.spark
def test_register_parquet_exact_columns_in_order(spark: SparkEngine, tmp_path: Path) -> None:
    path = write_duckdb(tmp_path / "lake.parquet", LAKE_COLUMNS, LAKE_ROWS)
    wanted = [("quantity", "BIGINT"), ("account_id", "VARCHAR"), ("note", "JSON")]
    spark.register_parquet("trades", [path], wanted)
    table = spark.fetch("SELECT * FROM trades")
    assert table.schema == pa.schema(
        [("quantity", pa.int64()), ("account_id", pa.string()), ("note", pa.string())]
    )
    assert table.num_rows == 4
    assert table.column("note").null_count == 4  # not in the file: a typed NULL


@pytest.mark.spark
def test_register_parquet_without_files_is_empty_with_the_schema(spark: SparkEngine) -> None:
    spark.register_parquet("nothing", [], LAKE_COLUMNS)
    table = spark.fetch("SELECT * FROM nothing")
    assert table.num_rows == 0
    assert table.column_names == [n for n, _ in LAKE_COLUMNS]
    assert table.schema.field("trade_time").type == pa.timestamp("us")
    assert table.schema.field("amount").type == pa.decimal128(18, 2)


@pytest.mark.spark
def test_register_parquet_over_files_whose_schema_drifts(
    spark: SparkEngine, tmp_path: Path
) -> None:
    # A later delivery added a column, and its quantity came out as INTEGER, not BIGINT.
    old = write_duckdb(
        tmp_path / "d1.parquet",
        [("account_id", "VARCHAR"), ("quantity", "BIGINT")],
        "('A', 1), ('B', 2)",
    )
    new = write_duckdb(
        tmp_path / "d2.parquet",
        [("account_id", "VARCHAR"), ("branch", "VARCHAR"), ("quantity", "INTEGER")],
        "('C', 'SH01', 3)",
    )
    columns = [("account_id", "VARCHAR"), ("quantity", "BIGINT"), ("branch", "VARCHAR")]
    spark.register_parquet("drift", [old, new], columns)
    duck = DuckDBEngine()
    duck.register_parquet("drift", [old, new], columns)
    sql = "SELECT * FROM drift ORDER BY account_id"
    assert spark.fetch(sql).to_pylist() == duck.fetch(sql).to_pylist()
    assert spark.fetch(sql).to_pylist()[2] == {"account_id": "C", "quantity": 3, "branch": "SH01"}
    duck.close()


@pytest.mark.spark
def test_create_view_binds_parameters(spark: SparkEngine, tmp_path: Path) -> None:
    path = write_duckdb(tmp_path / "lake.parquet", LAKE_COLUMNS, LAKE_ROWS)
    spark.register_parquet("trades", [path], LAKE_COLUMNS)
    spark.create_view(
        "recent",
        "SELECT account_id, trade_date FROM trades WHERE trade_date >= :since",
        {"since": dt.date(2025, 1, 3)},
    )
    assert spark.fetch("SELECT * FROM recent").to_pylist() == [
        {"account_id": "A001", "trade_date": dt.date(2025, 1, 3)}
    ]
    # Replacing a view is allowed.
    spark.create_view("recent", "SELECT 1 AS one")
    assert spark.fetch("SELECT * FROM recent").to_pylist() == [{"one": 1}]


@pytest.mark.spark
def test_lake_round_trip_duckdb_to_spark_to_duckdb(spark: SparkEngine, tmp_path: Path) -> None:
    source = write_duckdb(tmp_path / "lake.parquet", LAKE_COLUMNS, LAKE_ROWS)
    spark.register_parquet("trades", [source], LAKE_COLUMNS)
    target = tmp_path / "warehouse" / "trades_out.parquet"
    written = spark.write_parquet(
        "SELECT * FROM trades WHERE account_id <> :skip ORDER BY account_id",
        target,
        {"skip": "nobody"},
    )
    assert written == 4
    # One file at exactly the path, nothing else left beside it.
    assert [p.name for p in target.parent.iterdir()] == ["trades_out.parquet"]
    assert duckdb_read(target) == duckdb_read(source)


@pytest.mark.spark
def test_write_parquet_result_types_duckdb_reads(spark: SparkEngine, tmp_path: Path) -> None:
    source = write_duckdb(tmp_path / "lake.parquet", LAKE_COLUMNS, LAKE_ROWS)
    spark.register_parquet("trades", [source], LAKE_COLUMNS)
    sql = (
        "SELECT account_id, sum(amount) AS amount, max(trade_time) AS last_time, "
        "min(trade_date) AS first_date, count(*) AS n, bool_or(is_margin) AS margin "
        "FROM trades GROUP BY account_id"
    )
    target = tmp_path / "summary.parquet"
    assert spark.write_parquet(sql, target) == 3
    types, got = duckdb_read(target)
    assert types == [
        ("account_id", "VARCHAR"),
        ("amount", "DECIMAL(28,2)"),  # DuckDB itself would say DECIMAL(38,2): equal values
        ("last_time", "TIMESTAMP"),  # zone-less microseconds, not INT96
        ("first_date", "DATE"),
        ("n", "BIGINT"),
        ("margin", "BOOLEAN"),
    ]
    duck = DuckDBEngine()
    duck.register_parquet("trades", [source], LAKE_COLUMNS)
    assert got == sorted(duck.conn.execute(sql).fetchall(), key=repr)
    duck.close()
    assert got[0][1] == Decimal("1234.55")


@pytest.mark.spark
def test_write_parquet_replaces_and_writes_empty_results(
    spark: SparkEngine, tmp_path: Path
) -> None:
    target = tmp_path / "out.parquet"
    assert spark.write_parquet("SELECT 1 AS a UNION ALL SELECT 2", target) == 2
    assert spark.write_parquet("SELECT 3 AS a WHERE :no", target, {"no": False}) == 0
    assert duckdb_read(target) == ([("a", "INTEGER")], [])
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


@pytest.mark.spark
def test_failed_write_leaves_no_scratch(spark: SparkEngine, tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    with pytest.raises(Exception, match="DIVIDE_BY_ZERO"):
        spark.write_parquet("SELECT 1 / (x - x) AS r FROM (SELECT 1 AS x)", target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.spark
def test_engines_share_the_session_but_not_their_views(spark: SparkEngine) -> None:
    from brokerlens.engine.spark_engine import SparkEngine

    other = open_engine("spark", load_settings())
    assert isinstance(other, SparkEngine)
    other.create_view("mine", "SELECT 1 AS a")
    assert other.spark.sparkContext is spark.spark.sparkContext
    assert not spark.spark.catalog.tableExists("mine")
    other.close()
    assert not other.spark.catalog.tableExists("mine")
    # Closing one engine leaves the shared session running for the others.
    assert spark.fetch("SELECT 1 AS a").num_rows == 1
    assert get_session().sparkContext is spark.spark.sparkContext


@pytest.mark.spark
def test_an_engine_on_another_master_is_refused_not_silently_local(spark: SparkEngine) -> None:
    running = spark.spark.sparkContext.master
    settings = load_settings(spark_master="spark://127.0.0.1:7077")
    with pytest.raises(ConfigError, match=r"already runs a Spark session on 'local.*spark://"):
        open_engine("spark", settings)
    assert spark.spark.sparkContext.master == running


@pytest.mark.spark
@pytest.mark.parametrize("engine_name", ["duck", "spark"])
def test_small_tables_and_row_groups_on_both_engines(
    engine_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine = request.getfixturevalue(engine_name)
    days = pa.table({"biz_date": pa.array([dt.date(2025, 1, 2), dt.date(2025, 1, 3)], pa.date32())})
    engine.register_table("rt_days", days)
    engine.register_table("rt_none", pa.table({"k": pa.array([], pa.string())}))
    got = engine.fetch("SELECT count(*) AS n, max(biz_date) AS d FROM rt_days").to_pylist()
    assert got == [{"n": 2, "d": dt.date(2025, 1, 3)}]
    assert engine.fetch("SELECT count(*) AS n FROM rt_none").to_pylist() == [{"n": 0}]
    # one customer is read back by row group (suitability facts); DuckDB groups by whole vectors
    engine.register_table("rt_ids", pa.table({"id": pa.array(range(5000), pa.int64())}))
    target = tmp_path / "groups.parquet"
    assert engine.write_parquet("SELECT id FROM rt_ids ORDER BY id", target, row_group=2048) == 5000
    meta = pq.ParquetFile(target).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2048, 2048, 904]
    assert pq.read_table(target).column(0).to_pylist() == list(range(5000))
    assert [p.name for p in tmp_path.iterdir()] == ["groups.parquet"]

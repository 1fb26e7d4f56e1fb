"""Rendering canonical SQL for Spark, without running it: golden texts and the portable-subset
check. The same queries run on both engines in test_spark_dialect.py."""

from __future__ import annotations

import datetime as dt

import pytest

from brokerlens.engine.render import check_portable, expand_stars, placeholders, render
from brokerlens.errors import BrokerlensError

SCHEMA = {
    "t": {
        "s": "VARCHAR",
        "x": "DOUBLE",
        "m": "DECIMAL(18,2)",
        "c": "BIGINT",
        "b": "DATE",
        "lo": "DATE",
        "hi": "DATE",
        "l": "INTEGER[]",
    }
}


def test_render_binds_typed_literals_for_spark() -> None:
    sql = "SELECT s FROM t WHERE b >= :start AND s = :s AND c < :n"
    params = {"start": dt.date(2025, 1, 2), "s": "it's", "n": 3}
    assert render(sql, "spark", params) == (
        "SELECT s FROM t WHERE b >= CAST('2025-01-02' AS DATE) AND s = 'it\\'s' AND c < 3"
    )
    assert placeholders(sql) == {"start", "s", "n"}


def test_render_refuses_missing_parameters() -> None:
    with pytest.raises(BrokerlensError, match=r"\['n'\]"):
        render("SELECT c FROM t WHERE c < :n", "spark")


def test_canonical_render_is_untouched_by_spark_fixups() -> None:
    # The fix-ups apply to the Spark text only; DuckDB gets its own functions back.
    assert render("SELECT dayofweek(b), isodow(b), dayname(b) FROM t") == (
        "SELECT DAYOFWEEK(b), ISODOW(b), DAYNAME(b) FROM t"
    )


@pytest.mark.parametrize(
    ("canonical", "spark"),
    [
        # Sunday = 0 on DuckDB, 1 on Spark.
        ("SELECT dayofweek(b) FROM t", "SELECT (DAYOFWEEK(b) - 1) FROM t"),
        ("SELECT extract(dow FROM b) FROM t", "SELECT (DAYOFWEEK(b) - 1) FROM t"),
        # SQLGlot's own (DAYOFWEEK(b) % 7) + 1 gives Sunday = 2.
        ("SELECT isodow(b) FROM t", "SELECT (WEEKDAY(b) + 1) FROM t"),
        ("SELECT extract(isodow FROM b) FROM t", "SELECT (WEEKDAY(b) + 1) FROM t"),
        # Spark's DAYNAME is 'Sun', DuckDB's 'Sunday'.
        ("SELECT dayname(b) FROM t", "SELECT DATE_FORMAT(b, 'EEEE') FROM t"),
        (
            "SELECT date_trunc('month', b) FROM t",
            "SELECT CAST(DATE_TRUNC('MONTH', b) AS TIMESTAMP_NTZ) FROM t",
        ),
        (
            "SELECT CAST(date_trunc('month', b) AS DATE) FROM t",
            "SELECT CAST(DATE_TRUNC('MONTH', b) AS DATE) FROM t",
        ),
        # Double -> integer: half to even on DuckDB, truncation on Spark.
        (
            "SELECT CAST(CAST(x AS DOUBLE) AS BIGINT) FROM t",
            "SELECT CAST(BROUND(CAST(x AS DOUBLE)) AS BIGINT) FROM t",
        ),
        ("SELECT CAST(avg(c) AS INTEGER) FROM t", "SELECT CAST(BROUND(AVG(c)) AS INT) FROM t"),
        # Decimal -> integer: half away from zero on DuckDB (2.5 is a DECIMAL literal there).
        ("SELECT CAST(2.5 AS INTEGER)", "SELECT CAST(ROUND(2.5) AS INT)"),
        ("SELECT CAST(round(x) AS BIGINT) FROM t", "SELECT CAST(ROUND(x) AS BIGINT) FROM t"),
        # A column of unknown type is left alone (check_portable reports it given a schema).
        ("SELECT CAST(x AS BIGINT) FROM t", "SELECT CAST(x AS BIGINT) FROM t"),
        (
            "SELECT regexp_replace(s, 'a', 'b', 'g') FROM t",
            "SELECT REGEXP_REPLACE(s, 'a', 'b') FROM t",
        ),
        (
            "SELECT date_diff('day', lo, hi) FROM t",
            "SELECT DATEDIFF(DAY, lo, hi) FROM t",
        ),
        ("SELECT arg_max(s, c) FROM t", "SELECT MAX_BY(s, c) FROM t"),
        ("SELECT CAST(b AS TIMESTAMP) FROM t", "SELECT CAST(b AS TIMESTAMP_NTZ) FROM t"),
    ],
)
def test_spark_rendering(canonical: str, spark: str) -> None:
    assert render(canonical, "spark") == spark


@pytest.mark.parametrize(
    ("sql", "finding"),
    [
        ("SELECT * EXCLUDE (s) FROM t", "* EXCLUDE"),
        ("SELECT * REPLACE (1 AS s) FROM t", "* REPLACE"),
        ("SELECT l[1:2] FROM t", "list slice"),
        ("SELECT l[-1] FROM t", "negative list index"),
        ("SELECT list(s ORDER BY c) FROM t", "ordered list()"),
        ("SELECT array_agg(s ORDER BY c) FROM t", "ordered list()"),
        ("SELECT regexp_replace(s, 'a', 'b') FROM t", "regexp_replace"),
        ("SELECT regexp_replace(s, 'a', 'b', 'gi') FROM t", "regexp_replace"),
        ("SELECT CAST(x AS BIGINT) FROM t", "CAST of a DOUBLE/DECIMAL"),
        ("SELECT CAST(m AS INTEGER) FROM t", "CAST of a DOUBLE/DECIMAL"),
        ("SELECT CAST(avg(c) AS BIGINT) FROM t", "CAST of a DOUBLE/DECIMAL"),
        ("SELECT CAST(s AS JSON) FROM t", "CAST AS JSON"),
        ("SELECT hi - lo FROM t", "date - date"),
        ("SELECT b + INTERVAL 1 MONTH FROM t", "date +/- INTERVAL"),
        ("SELECT b - INTERVAL 3 DAY FROM t", "date +/- INTERVAL"),
        ("SELECT x / c FROM t", "division by a value that may be 0"),
        ("SELECT c // 0 FROM t", "division by a value that may be 0"),
        ("SELECT c % c FROM t", "division by a value that may be 0"),
        ("SELECT x / :n FROM t", "division by a value that may be 0"),
        # A CASE that tests something else does not guard the division.
        ("SELECT CASE WHEN x > 0 THEN x / c END FROM t", "division by a value that may be 0"),
        ("SELECT CASE WHEN c > 0 THEN 1 ELSE x / c END FROM t", "division by a value"),
        ("SELECT m / NULLIF(m, 0) FROM t", "DECIMAL / DECIMAL"),
        ("SELECT sum(c) FROM t", "sum() of integers"),
        ("SELECT sum(CASE WHEN x > 0 THEN 1 ELSE 0 END) FROM t", "sum() of integers"),
        ("SELECT sum(c) OVER (ORDER BY b) FROM t", "sum() of integers"),
        ("SELECT quantile_cont(x, 0.5) FROM t", "quantile/percentile"),
        ("SELECT epoch(b) FROM t", "epoch()"),
        ("SELECT date_diff('year', b, b) FROM t", "date_diff of a unit other than day"),
    ],
)
def test_check_portable_reports(sql: str, finding: str) -> None:
    problems = check_portable(sql, SCHEMA)
    assert len(problems) == 1, problems
    assert problems[0].startswith(finding)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT s, c FROM t",
        "SELECT regexp_replace(s, 'a', 'b', 'g') FROM t",
        "SELECT CAST(round(x) AS BIGINT), CAST(floor(m) AS INTEGER), CAST(c AS INTEGER) FROM t",
        "SELECT date_diff('day', lo, hi), b + 7, CAST(b + INTERVAL 1 MONTH AS DATE) FROM t",
        "SELECT x / NULLIF(c, 0), x / 2, CAST(m AS DOUBLE) / NULLIF(m, 0) FROM t",
        "SELECT CASE WHEN c > 0 THEN (x - 1) / c END, CASE WHEN c <> 0 THEN x / CAST(c AS DOUBLE) "
        "ELSE 0 END FROM t",
        "SELECT string_agg(s, ',' ORDER BY c), median(x), l[1] FROM t",
        "SELECT CAST(sum(c) AS BIGINT), CAST(sum(c) OVER (ORDER BY b) AS BIGINT), sum(x), sum(m) "
        "FROM t",
        "SELECT sum(x) OVER (PARTITION BY s ORDER BY b, c ROWS BETWEEN UNBOUNDED PRECEDING AND "
        "CURRENT ROW) FROM t",
    ],
)
def test_check_portable_accepts_the_subset(sql: str) -> None:
    assert check_portable(sql, SCHEMA) == []


def test_check_portable_without_schema_sees_what_the_sql_shows() -> None:
    # No schema: column types are unknown, so only constructs visible in the text are reported.
    assert check_portable("SELECT CAST(x AS BIGINT), hi - lo FROM t") == []
    assert len(check_portable("SELECT CAST(avg(x) AS BIGINT), a / b FROM t")) == 2


def test_expand_stars_lists_the_columns() -> None:
    schema = {"u": {"a": "VARCHAR", "b": "DATE", "c": "BIGINT"}}
    expanded = expand_stars("SELECT * EXCLUDE (b) FROM u", schema)
    assert expanded == 'SELECT "u"."a" AS "a", "u"."c" AS "c" FROM "u" AS "u"'
    assert check_portable(expanded, schema) == []

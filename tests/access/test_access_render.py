"""Each operator is one SQLAlchemy expression rendered for SQLite, PostgreSQL and DuckDB: values
bound (never in the SQL text), identifiers quoted, the same rows on each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from brokerlens.access.conditions import OPERATORS, OPS
from brokerlens.access.render import duckdb_order, duckdb_sql, ids_in
from brokerlens.web import filters

SNEAKY = "x' OR '1'='1"
TABLE = sa.Table(
    "profile_9",
    sa.MetaData(),
    sa.Column("customer_id", sa.String(32), primary_key=True),
    sa.Column('odd "name"', sa.Text()),
    sa.Column("day", sa.Date()),
)
ROWS = [("C1", "a", dt.date(2025, 1, 1)), ("C2", SNEAKY, dt.date(2025, 1, 2)), ("C3", None, None)]


def _values(op: str) -> Any:
    arity = OPERATORS[op].arity
    return {"none": None, "one": SNEAKY, "list": [SNEAKY, "a"], "pair": ["a", SNEAKY]}[arity]


def test_the_operator_list_is_one() -> None:
    assert filters.OPS == OPS == tuple(OPERATORS)


@pytest.mark.parametrize("op", OPS)
def test_each_operator_renders_bound_and_quoted_for_every_dialect(op: str) -> None:
    column = TABLE.c['odd "name"']
    clause = OPERATORS[op].sql(column, _values(op))
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        text = str(clause.compile(dialect=dialect, compile_kwargs={"render_postcompile": True}))
        assert "OR '1'" not in text, (dialect.name, text)
        assert '"odd ""name"""' in text, (dialect.name, text)
    sql, params = duckdb_sql(clause)
    assert "OR '1'" not in sql and '"odd ""name"""' in sql and "profile_9" not in sql
    assert (SNEAKY in params) == (_values(op) is not None), params  # bound, in order
    # the same rows from the store (SQLite) and DuckDB
    store = sa.create_engine("sqlite://")
    TABLE.metadata.create_all(store)
    with store.begin() as connection:
        connection.execute(
            TABLE.insert(), [dict(zip(TABLE.c.keys(), r, strict=True)) for r in ROWS]
        )
        in_store = set(connection.execute(sa.select(TABLE.c.customer_id).where(clause)).scalars())
    duck = duckdb.connect()
    duck.execute('CREATE TABLE t (customer_id VARCHAR, "odd ""name""" VARCHAR, day DATE)')
    duck.executemany("INSERT INTO t VALUES (?, ?, ?)", ROWS)
    in_duck = {
        r[0] for r in duck.execute(f"SELECT customer_id FROM t WHERE {sql}", params).fetchall()
    }
    assert in_store == in_duck, op


def test_ids_and_order_for_duckdb() -> None:
    sql, params = duckdb_sql(ids_in(TABLE.c.customer_id, ["C2", "C1", "C2"]))
    assert (sql, params) == ("customer_id IN (SELECT unnest(?::VARCHAR[]))", [["C1", "C2"]])
    store_sql = str(
        ids_in(TABLE.c.customer_id, ["C1"]).compile(
            dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True}
        )
    )
    assert store_sql == "profile_9.customer_id IN (?)"
    order = [TABLE.c.day.desc().nulls_last(), TABLE.c.customer_id.asc()]
    assert duckdb_order(order) == "day DESC NULLS LAST, customer_id ASC"

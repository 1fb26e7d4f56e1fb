"""The segment condition `recommended_product` (a product's target customers in the newest
recommendation run) as each reader runs it: the store on SQLite and PostgreSQL with more target
customers than either binds values in one statement, and DuckDB as a subquery on the file."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlalchemy as sa

from brokerlens.access.recommended import recommended_clause
from brokerlens.access.render import duckdb_sql
from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest
from brokerlens.store import open_store
from support.recommendations import write_run

AS_OF = dt.date(2025, 12, 30)
MANY = 70_000  # past PostgreSQL's 65,535 bound values and SQLite's 32,766


def _rows() -> list[dict[str, object]]:
    rows = []
    for n in range(MANY):
        customer = f"C{n:09d}"
        rows.append(
            {
                "as_of_date": AS_OF,
                "customer_id": customer,
                "product_id": "P00001",
                "rank": 1,
                "score": 0.5,
                "reasons": ["本营业部近期热销"],
            }
        )
        if n % 7 == 0:
            rows.append({**rows[-1], "product_id": "P00002", "rank": 2, "score": 0.25})
    return rows


def test_the_condition_holds_the_products_targets_on_every_reader(
    store_settings: Settings,
) -> None:
    write_run(store_settings, AS_OF, _rows())
    db = open_store(store_settings)
    table = sa.Table("rec_people", sa.MetaData(), sa.Column("customer_id", sa.String(32)))
    table.create(db)
    with db.begin() as connection:
        ids = [{"customer_id": f"C{n:09d}"} for n in range(MANY + 500)]
        connection.execute(table.insert(), ids)
    for product, expected in (("P00001", MANY), ("P00002", len(range(0, MANY, 7)))):
        clause = recommended_clause(table, AS_OF, "eq", product, store_settings)
        with db.connect() as connection:
            counted = connection.execute(
                sa.select(sa.func.count()).select_from(table).where(clause)
            ).scalar_one()
        assert counted == expected
        sql, params = duckdb_sql(clause)
        assert product in params and "read_parquet(" in sql  # a subquery on the file
        people = duckdb.connect()
        people.execute(f"CREATE TABLE rec_people AS SELECT * FROM range({MANY + 500}) t(n)")
        found = people.execute(
            f"SELECT count(*) FROM (SELECT printf('C%09d', n) AS customer_id FROM rec_people) "
            f"WHERE {sql}",
            params,
        ).fetchone()
        assert found is not None and found[0] == expected
    db.dispose()


def test_the_condition_is_one_product_and_needs_a_run(store_settings: Settings) -> None:
    table = sa.table("p", sa.column("customer_id"))
    with pytest.raises(InvalidRequest, match="no recommendation run"):
        recommended_clause(table, AS_OF, "eq", "P00001", store_settings, require_run=True)
    assert str(recommended_clause(table, AS_OF, "eq", "P00001", store_settings)) == "false"
    for op, value in (("in", ["P00001"]), ("eq", ""), ("eq", "P" * 41), ("eq", 5)):
        with pytest.raises(InvalidRequest, match="recommended_product"):
            recommended_clause(table, AS_OF, op, value, store_settings)
    with pytest.raises(InvalidRequest, match="not available"):
        recommended_clause(table, AS_OF, "eq", "P00001", None)

"""The segment condition `churn_probability` (issue 20): the customers whose newest stored churn
score on or before the served date meets the comparison, as each reader runs it (the store on
SQLite and PostgreSQL with the ids bound, DuckDB as a subquery on the scores file); values
outside 0..1 and other operators refused, no scores: nobody (or refused when saving)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest
import sqlalchemy as sa

from brokerlens.access.churn_condition import churn_clause
from brokerlens.access.render import duckdb_sql
from brokerlens.churn.service import churn_models
from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest
from brokerlens.store import open_store

OLD, NEW, SERVED = dt.date(2025, 12, 1), dt.date(2025, 12, 29), dt.date(2025, 12, 30)
N = 1000


def _scores(settings: Settings, day: dt.date, shift: float) -> None:
    ids = [f"C{n:09d}" for n in range(N)]
    probability = [round((n / N + shift) % 1, 6) for n in range(N)]
    churn_models(settings).write_scores(
        day,
        pa.table(
            {
                "as_of": pa.array([day] * N, pa.date32()),
                "customer_id": ids,
                "probability": probability,
                "rank": list(range(1, N + 1)),
            }
        ),
    )


def test_the_condition_reads_the_newest_scores_on_every_reader(store_settings: Settings) -> None:
    table = sa.table("p", sa.column("customer_id"))
    assert str(churn_clause(table, SERVED, "gt", 0.5, store_settings)) == "false"
    with pytest.raises(InvalidRequest, match="no churn scores"):
        churn_clause(table, SERVED, "gt", 0.5, store_settings, require_scores=True)
    _scores(store_settings, OLD, 0.5)
    _scores(store_settings, NEW, 0.0)  # the newest: probability n / 1000
    _scores(store_settings, SERVED + dt.timedelta(days=1), 0.25)  # after the served date
    db = open_store(store_settings)
    people = sa.Table("churn_people", sa.MetaData(), sa.Column("customer_id", sa.String(32)))
    people.create(db)
    with db.begin() as connection:
        connection.execute(people.insert(), [{"customer_id": f"C{n:09d}"} for n in range(N + 50)])
    for op, value, expected in (
        ("ge", 0.9, 100),
        ("gt", "0.9", 99),
        ("lt", 0.1, 100),
        ("le", 0, 1),
        ("between", [0.2, 0.3], 101),
    ):
        clause = churn_clause(people, SERVED, op, value, store_settings)
        with db.connect() as connection:
            counted = connection.execute(
                sa.select(sa.func.count()).select_from(people).where(clause)
            ).scalar_one()
        assert counted == expected, (op, value)
        sql, params = duckdb_sql(clause)
        assert "read_parquet(" in sql and NEW.isoformat() in sql
        duck = duckdb.connect()
        duck.execute(
            f"CREATE TABLE ids AS SELECT printf('C%09d', n) AS customer_id FROM range({N}) t(n)"
        )
        found = duck.execute(f"SELECT count(*) FROM ids WHERE {sql}", params).fetchone()
        assert found is not None and found[0] == expected, (op, value)
    db.dispose()


def test_the_condition_is_a_probability_compared(store_settings: Settings) -> None:
    table = sa.table("p", sa.column("customer_id"))
    for op, value in (
        ("ge", 30),
        ("ge", -0.1),
        ("ge", "高"),
        ("ge", None),
        ("ge", True),
        ("eq", 0.5),
        ("in", [0.5]),
        ("between", [0.1]),
        ("between", 0.1),
    ):
        with pytest.raises(InvalidRequest, match="churn_probability"):
            churn_clause(table, SERVED, op, value, store_settings)
    with pytest.raises(InvalidRequest, match="not available"):
        churn_clause(table, SERVED, "ge", 0.5, None)

"""The DuckDB path over the Parquet copy answers exactly as the store: same scope, same rows in
the same order, same counts, for every role; a reassignment counts at once on both."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

from access.builders import AS_OF, EXPECTED, PRINCIPALS, World, reassign
from access.columnar_support import use_columnar, write_columnar
from brokerlens.access import (
    count_customers,
    create_segment,
    export_customers,
    export_segment,
    home_summary,
    list_customers,
    refresh_segment_counts,
    segment_count,
    segment_members,
)
from brokerlens.access.columnar import columnar_file
from brokerlens.access.conditions import Condition, CustomerQuery
from brokerlens.access.masking import mask_birth_date
from brokerlens.access.render import duckdb_sql
from brokerlens.access.scope import customer_scope, scope_clause
from brokerlens.access.snapshot import served_snapshot, served_snapshot_on
from brokerlens.auth.principal import Permission, Principal
from brokerlens.store.schema import segment_counts

ROLES = sorted(PRINCIPALS)


def C(field: str, op: str, value: Any = None) -> Condition:
    return Condition(field=field, op=op, value=value)  # type: ignore[arg-type]


QUERIES: list[dict[str, Any]] = [
    {},
    {"conditions": [C("service_level", "eq", "金算盘")]},
    {"conditions": [C("service_level", "ne", "金钥匙")]},
    {"conditions": [C("customer_tier", "in", ["VIP", "潜力", "普通"])]},
    {"conditions": [C("total_assets_t", "gt", 100_000)]},
    {"conditions": [C("total_assets_t", "ge", 250_000), C("customer_type", "eq", "individual")]},
    {"conditions": [C("net_commission_last_year", "lt", 6_000)]},
    {"conditions": [C("trades_per_month", "le", 4)]},
    {"conditions": [C("avg_assets_ytd", "between", [40_000, 1_200_000])]},
    {"conditions": [C("birth_date", "between", ["1990-01-02", "1990-01-06"])]},
    {"conditions": [C("birth_date", "gt", "1990-01-05")]},
    {"conditions": [C("phone", "is_null")]},
    {"conditions": [C("total_assets_t", "not_null")]},
    {"search": "C00"},
    {"search": "_"},  # a LIKE wildcard, escaped: only the name holding it
    {"search": "百%"},
    {"sort": "total_assets_t"},  # C010 has NULL assets: last both ways
    {"sort": "total_assets_t", "descending": True},
    {"sort": "net_commission_last_year", "descending": True},  # ties broken by customer_id
    {"sort": "trades_per_month", "descending": True, "page": 2, "page_size": 3},
    {"sort": "birth_date", "page": 2, "page_size": 4},
    {"sort": "avg_assets_last_year", "page": 1, "page_size": 3},
    {"descending": True},
    {"page": 3, "page_size": 3},
    {"page": 9, "page_size": 50},  # past the end
    {"branch_id": "B1", "sort": "total_assets_t", "descending": True},
    {"staff_id": "S2"},
    {"team_id": "T1", "conditions": [C("total_assets_t", "ge", 50_000)]},
]


@pytest.fixture
def parquet(world: World, tmp_path: Path) -> Path:
    return write_columnar(world, tmp_path / "profile_2.parquet")


def _both(world: World, parquet: Path, call: Any) -> tuple[Any, Any]:
    """`call()` answered by the store, then by the Parquet copy."""
    use_columnar(world, None)
    assert columnar_file(served_snapshot(world.engine)) is None
    store = call()
    use_columnar(world, parquet)
    assert columnar_file(served_snapshot(world.engine)) == str(parquet)
    return store, call()


def revealing(principal: Principal) -> Principal:
    """The principal with reveal_pii: conditions and sorts on personal fields (birth_date,
    phone) are theirs to use (and audited); without it they are refused (test_access_personal)."""
    return dataclasses.replace(
        principal, extra_permissions=principal.extra_permissions | {Permission.REVEAL_PII}
    )


def test_scope_renderers_agree_for_every_role(world: World, parquet: Path) -> None:
    duck = duckdb.connect()
    with world.engine.connect() as connection:
        snapshot = served_snapshot_on(connection)
        table = snapshot.table
        for name in ROLES:
            principal = world.who(name)
            in_store = set(
                connection.execute(
                    sa.select(table.c.customer_id).where(customer_scope(principal, snapshot))
                ).scalars()
            )
            clause = scope_clause(principal, table, AS_OF, resolve_on=connection)
            sql, params = duckdb_sql(clause)
            in_duck = {
                r[0]
                for r in duck.execute(
                    f"SELECT customer_id FROM read_parquet('{parquet}') WHERE {sql}", params
                ).fetchall()
            }
            assert in_store == in_duck == EXPECTED[name], name


def test_the_scope_predicate_rendered_for_duckdb(world: World) -> None:
    with world.engine.connect() as connection:
        table = served_snapshot_on(connection).table
        rendered = {
            n: duckdb_sql(scope_clause(world.who(n), table, AS_OF, resolve_on=connection))
            for n in ROLES
        }
    assert rendered["hq"] == rendered["compliance"] == ("true", [])
    assert rendered["admin"] == ("false", [])
    assert rendered["branch"] == ("branch_id = ?", ["B1"])
    assert rendered["region"] == ("region_id = ?", ["R1"])
    # staff roles: their ids read now, bound as one list (one statement for any number)
    assert rendered["lead"] == (
        "customer_id IN (SELECT unnest(?::VARCHAR[]))",
        [sorted(EXPECTED["lead"])],
    )


@pytest.mark.parametrize("spec", QUERIES, ids=[str(i) for i in range(len(QUERIES))])
def test_pages_and_counts_match_the_store(world: World, parquet: Path, spec: dict) -> None:
    query = CustomerQuery(**spec)
    for name in ROLES:
        principal = revealing(world.who(name))
        store, duck = _both(
            world, parquet, lambda p=principal: list_customers(world.engine, p, query)
        )
        assert duck.total == store.total, (name, spec)
        assert duck.rows == store.rows, (name, spec)
        assert {r["customer_id"] for r in duck.rows} <= EXPECTED[name], (name, spec)
        counted = _both(
            world, parquet, lambda p=principal: count_customers(world.engine, p, query.conditions)
        )
        assert counted[0] == counted[1], (name, spec)


def test_rows_are_masked_on_the_columnar_path(world: World, parquet: Path) -> None:
    use_columnar(world, parquet)
    page = list_customers(world.engine, world.who("hq"), CustomerQuery(search="C001"))
    (row,) = page.rows
    assert row["phone"] == "138****5678"
    assert row["email"] == "z***@example.com"
    assert row["id_no"] == "1****************0"
    assert row["birth_date"] == mask_birth_date("1990-01-01")


def test_out_of_scope_never_appears(world: World, parquet: Path) -> None:
    use_columnar(world, parquet)
    for name in ROLES:
        page = list_customers(world.engine, world.who(name), CustomerQuery(page_size=200))
        assert {r["customer_id"] for r in page.rows} == EXPECTED[name]
        assert page.total == len(EXPECTED[name])
        # a filter naming someone else's customer finds nothing
        outside = sorted(EXPECTED["hq"] - EXPECTED[name])
        if outside:
            query = CustomerQuery(search=outside[0])
            assert list_customers(world.engine, world.who(name), query).total == 0


def test_a_reassignment_counts_at_once_on_the_columnar_path(world: World, parquet: Path) -> None:
    use_columnar(world, parquet)
    s1, s3 = world.who("broker"), world.who("broker2")
    assert count_customers(world.engine, s1) == 2
    reassign(world.engine, "C001", "S1", "S2", AS_OF - dt.timedelta(days=1))
    assert count_customers(world.engine, s1) == 1
    ids = {r["customer_id"] for r in list_customers(world.engine, s3, CustomerQuery()).rows}
    assert ids == {"C001", "C002", "C003"}


def test_segments_exports_and_home_match_the_store(world: World, parquet: Path) -> None:
    owner = world.who("branch")
    conditions = [C("total_assets_t", "ge", 50_000)]
    sid = int(create_segment(world.engine, owner, "big", conditions).segment_id)
    counts = _both(world, parquet, lambda: segment_count(world.engine, owner, sid))
    assert counts == (5, 5)  # C001-C005 of B1
    store, duck = _both(
        world,
        parquet,
        lambda: segment_members(world.engine, owner, sid, sort="total_assets_t", descending=True),
    )
    assert (store.total, store.rows) == (duck.total, duck.rows)
    store_csv, duck_csv = _both(world, parquet, lambda: export_segment(world.engine, owner, sid)[1])
    assert store_csv == duck_csv
    query = CustomerQuery(sort="total_assets_t", descending=True)
    for name in ROLES:
        principal = world.who(name)
        homes = _both(world, parquet, lambda p=principal: home_summary(world.engine, p))
        store_home, duck_home = homes
        assert (store_home.customers, store_home.by_tier, store_home.by_service_level) == (
            duck_home.customers,
            duck_home.by_tier,
            duck_home.by_service_level,
        ), name
        assert duck_home.total_assets == pytest.approx(store_home.total_assets), name
        if name == "admin":
            continue  # no export permission
        store_csv, duck_csv = _both(
            world, parquet, lambda p=principal: export_customers(world.engine, p, query)[1]
        )
        assert store_csv == duck_csv, name

    def counted() -> int:
        refresh_segment_counts(world.engine)
        with world.engine.connect() as connection:
            return int(
                connection.execute(
                    sa.select(segment_counts.c.customers).where(segment_counts.c.segment_id == sid)
                ).scalar_one()
            )

    assert _both(world, parquet, counted) == (5, 5)


def test_a_missing_file_falls_back_to_the_store(world: World, tmp_path: Path) -> None:
    use_columnar(world, tmp_path / "gone.parquet")
    assert columnar_file(served_snapshot(world.engine)) is None
    page = list_customers(world.engine, world.who("broker"), CustomerQuery())
    assert {r["customer_id"] for r in page.rows} == EXPECTED["broker"]

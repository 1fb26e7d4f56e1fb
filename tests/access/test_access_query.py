"""Filters, sort, paging and validation of customer queries; injection attempts go nowhere.

Every test runs on both readers: the store's profile table and its columnar copy (DuckDB)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from access.builders import World
from access.columnar_support import READERS, serve_from
from brokerlens.access import Condition, CustomerQuery, count_customers, list_customers, parse_query
from brokerlens.errors import InvalidRequest


@pytest.fixture(params=READERS)
def world(world: World, request: pytest.FixtureRequest, tmp_path: Path) -> World:
    return serve_from(request.param, world, tmp_path)


def run(world: World, who: str = "hq", **query: Any) -> list[str]:
    page = list_customers(world.engine, world.who(who), CustomerQuery(page_size=200, **query))
    return [r["customer_id"] for r in page.rows]


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("service_level", "eq", "金手指"), ["C001", "C004"]),
        (cond("branch_id", "ne", "B1"), ["C006", "C007", "C008", "C009"]),
        (cond("branch_id", "in", ["B2", "B3"]), ["C006", "C007", "C008", "C009"]),
        (cond("total_assets_t", "gt", 800_000), ["C001", "C004"]),
        (cond("total_assets_t", "ge", 800_000), ["C001", "C004", "C006"]),
        (cond("total_assets_t", "lt", 30_000), ["C008"]),
        (cond("total_assets_t", "le", "30000"), ["C007", "C008"]),
        (cond("total_assets_t", "between", [200_000, 250_000]), ["C002", "C009"]),
        (cond("total_assets_t", "is_null"), ["C010"]),
        (cond("phone", "not_null"), [f"C{i:03d}" for i in range(1, 10)]),
        (cond("birth_date", "lt", "1990-01-03"), ["C001", "C002"]),
        (cond("trades_per_month", "ge", 8), ["C009", "C010"]),
    ],
)
def test_each_operator(world: World, condition: dict[str, Any], expected: list[str]) -> None:
    # compliance: every customer, and reveal_pii (birth_date is personal)
    assert run(world, "compliance", conditions=[condition]) == expected
    conditions = [Condition.model_validate(condition)]
    assert count_customers(world.engine, world.who("compliance"), conditions) == len(expected)


def test_filters_combine_with_scope(world: World) -> None:
    assert run(world, "broker", conditions=[cond("service_level", "eq", "金手指")]) == ["C001"]
    assert run(world, branch_id="B2") == ["C006", "C009"]
    assert run(world, team_id="T1") == ["C001", "C002", "C003", "C010"]
    assert run(world, staff_id="S3") == ["C004", "C005"]
    assert run(world, "broker", staff_id="S3") == []


def test_search_by_id_prefix_or_name_with_wildcards_literal(world: World) -> None:
    assert run(world, search="C00") == [f"C{i:03d}" for i in range(1, 10)]
    assert run(world, search="张") == ["C001"]
    assert run(world, search="_") == ["C009"]  # the name 郑_百%, not every customer
    assert run(world, search="%") == ["C009"]
    assert run(world, search="C01") == ["C010"]


def test_sort_and_paging(world: World) -> None:
    got = run(
        world,
        sort="total_assets_t",
        descending=True,
        conditions=[cond("total_assets_t", "not_null")],
    )
    assert got[:3] == ["C004", "C001", "C006"]
    page1 = list_customers(world.engine, world.who("hq"), CustomerQuery(page=1, page_size=4))
    page3 = list_customers(world.engine, world.who("hq"), CustomerQuery(page=3, page_size=4))
    assert [r["customer_id"] for r in page1.rows] == ["C001", "C002", "C003", "C004"]
    assert [r["customer_id"] for r in page3.rows] == ["C009", "C010"]
    assert page1.total == page3.total == 10
    # Ties broken by customer_id, so pages never overlap.
    tied = run(world, sort="region_id")
    assert tied == sorted(tied, key=lambda c: ({"C007": 1, "C008": 1}.get(c, 0), c))


@pytest.mark.parametrize(
    ("data", "names"),
    [
        ({"conditions": [cond("no_such_col", "eq", 1)]}, "no_such_col"),
        ({"conditions": [cond('name" OR 1=1 --', "eq", 1)]}, "OR 1=1"),
        ({"sort": "total_assets_t; DROP TABLE users"}, "sort"),
        ({"conditions": [cond("total_assets_t", "gt", "lots")]}, "total_assets_t"),
        ({"conditions": [cond("open_date", "eq", "yesterday")]}, "open_date"),
        ({"conditions": [cond("branch_id", "in", [])]}, "branch_id"),
        ({"conditions": [cond("total_assets_t", "between", [1])]}, "total_assets_t"),
        ({"conditions": [cond("branch_id", "like", "B%")]}, "op"),
        ({"page_size": 201}, "page_size"),
        ({"page": 0}, "page"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_requests_name_the_field(world: World, data: dict[str, Any], names: str) -> None:
    with pytest.raises(InvalidRequest, match=None) as caught:
        query = parse_query(data)
        list_customers(world.engine, world.who("hq"), query)
    assert names in str(caught.value)


def test_values_are_bound_not_pasted(world: World) -> None:
    sneaky = "B1' OR '1'='1"
    assert run(world, conditions=[cond("branch_id", "eq", sneaky)]) == []
    assert run(world, branch_id=sneaky) == []
    assert run(world, search="' OR 1=1 --") == []
    assert run(world, "broker") == ["C001", "C002"]  # scope untouched by any of it

"""List pages over the served Parquet copy read five pages of ids at once: paging on asks the
file once per five pages, and every page (aligned or not, across two blocks, past the end)
holds exactly the ids a query for that page alone gives."""

from __future__ import annotations

import duckdb
import pytest

from access.columnar_support import thousand_customers
from brokerlens.access import columnar
from brokerlens.access.render import Where


@pytest.fixture
def served(tmp_path):
    return thousand_customers(tmp_path / "9.parquet")


def _alone(path: str, where: Where, order: str, limit: int, offset: int) -> list[str]:
    sql = (
        f"SELECT customer_id FROM read_parquet('{path}') WHERE {where.sql} ORDER BY {order} "
        "LIMIT ? OFFSET ?"
    )
    return [r[0] for r in duckdb.connect().execute(sql, [*where.params, limit, offset]).fetchall()]


def test_five_pages_cost_one_query_and_each_is_the_page_asked(served, monkeypatch):
    asked = []
    real = columnar._fetch_all
    monkeypatch.setattr(
        columnar, "_fetch_all", lambda sql, params: asked.append(1) or real(sql, params)
    )
    where = Where("total_assets_t >= ?", [100])
    order = "total_assets_t DESC, customer_id"
    for page in range(5):
        got = columnar.page_ids(served, where, order, 50, page * 50)
        assert got == _alone(served, where, order, 50, page * 50)
        assert len(got) == 50
    assert len(asked) == 1
    columnar.page_ids(served, where, order, 50, 250)  # the sixth page: the next block
    assert len(asked) == 2


@pytest.mark.parametrize(("limit", "offset"), [(20, 0), (20, 90), (50, 230), (50, 880), (7, 3)])
def test_any_page_holds_what_a_query_for_it_alone_gives(served, limit, offset):
    where = Where("total_assets_t < ?", [900])
    order = "total_assets_t, customer_id"
    assert columnar.page_ids(served, where, order, limit, offset) == _alone(
        served, where, order, limit, offset
    )

"""The product centre's service layer (issue 16 section 2) over a real publish of the small
brokerage: products for every reader, holders and sales cut to the reader's scope (a broker sees
only their customers'), every read audited, sorts and filters only from their lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from brokerlens.access.products import ProductQuery, list_products, product_page
from brokerlens.access.snapshot import served_snapshot
from brokerlens.auth.principal import Principal, Role
from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest, NotFound
from brokerlens.store.schema import audit_log, relationships
from support.brokerage import Brokerage
from support.product_metrics import metrics_row, product_metrics_in_place
from support.store import published_copy, scope_reader

pytestmark = pytest.mark.slow

HQ = Principal(1, "hq", "HQ", Role.HQ_MARKETING)


@dataclass(frozen=True)
class Served:
    settings: Settings
    db: sa.Engine
    as_of: dt.date


@pytest.fixture(scope="module")
def served(
    small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    home, folder = small_brokerage.settings.home, tmp_path_factory.mktemp("products")
    with published_copy(home, folder) as (settings, db):
        yield Served(settings, db, served_snapshot(db).as_of_date)


def _lake(settings: Settings, feed: str) -> str:
    return f"read_parquet('{settings.lake_dir}/dates/*/{feed}.parquet', union_by_name = true)"


def _served_by(db: sa.Engine, staff_id: str, day: dt.date) -> set[str]:
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(relationships.c.customer_id).where(
                relationships.c.staff_id == staff_id,
                relationships.c.start_date <= day,
                sa.or_(relationships.c.end_date.is_(None), relationships.c.end_date > day),
            )
        )
        return {str(r[0]) for r in rows}


def _broker_of_a_holder(served: Served) -> tuple[str, str, set[str]]:
    """(a product, a staff member serving some but not all of its holders, their customers)."""
    duck = duckdb.connect()
    holders = duck.execute(
        f"SELECT product_id, customer_id FROM {_lake(served.settings, 'product_holdings')} "
        "WHERE biz_date = (SELECT max(biz_date) FROM "
        f"{_lake(served.settings, 'product_holdings')}) AND units > 0"
    ).fetchall()
    by_product: dict[str, set[str]] = {}
    for product, customer in holders:
        by_product.setdefault(product, set()).add(customer)
    with served.db.connect() as connection:
        staff_ids = sorted(
            {str(r[0]) for r in connection.execute(sa.select(relationships.c.staff_id))}
        )
    for product, held in sorted(by_product.items(), key=lambda kv: -len(kv[1])):
        for staff_id in staff_ids:
            mine = _served_by(served.db, staff_id, served.as_of)
            if mine & held and not held <= mine:
                return product, staff_id, mine
    raise AssertionError("no staff member serves part of a product's holders")


@pytest.fixture(params=["columnar", "store"])
def reader(request: pytest.FixtureRequest, served: Served) -> Iterator[str]:
    """The scope read from the profile's columnar copy, or from the store's table."""
    with scope_reader(request.param, served.db) as kind:
        yield kind


def test_a_broker_sees_holders_and_sales_of_their_own_customers_only(
    served: Served, reader: str
) -> None:
    product, staff_id, mine = _broker_of_a_holder(served)
    broker = Principal(2, "b", "B", Role.BROKER, staff_id=staff_id)
    duck = duckdb.connect()
    since = served.as_of - dt.timedelta(days=364)
    trades = duck.execute(
        f"SELECT customer_id, action, amount FROM {_lake(served.settings, 'product_trades')} "
        "WHERE product_id = ? AND biz_date BETWEEN ? AND ? "
        "AND action IN ('subscribe', 'purchase', 'redeem')",
        [product, since, served.as_of],
    ).fetchall()
    holdings = duck.execute(
        f"SELECT customer_id FROM {_lake(served.settings, 'product_holdings')} "
        "WHERE product_id = ? AND units > 0 AND biz_date = (SELECT max(biz_date) FROM "
        f"{_lake(served.settings, 'product_holdings')})",
        [product],
    ).fetchall()

    def sums(who: set[str] | None) -> tuple[Decimal, Decimal]:
        rows = [t for t in trades if who is None or t[0] in who]
        bought = sum((Decimal(t[2]) for t in rows if t[1] != "redeem"), Decimal(0))
        return bought, sum((Decimal(t[2]) for t in rows if t[1] == "redeem"), Decimal(0))

    page = product_page(served.db, served.settings, broker, product)
    assert page.holders == len({h[0] for h in holdings if h[0] in mine}) > 0
    bought, redeemed = sums(mine)
    assert page.total.subscriptions + page.total.purchases == bought
    assert page.total.redemptions == redeemed
    assert isinstance(page.total.purchases, Decimal)
    # the broker's by-branch rows add up to the same exact total, and to less than the firm's
    assert sum((r.net for r in page.by_branch), Decimal(0)) == page.total.net
    everyone = product_page(served.db, served.settings, HQ, product)
    assert everyone.holders == len({h[0] for h in holdings}) > page.holders
    assert everyone.total.purchases + everyone.total.subscriptions == sums(None)[0]
    assert sum(n for _, n in page.profile["age"]) == page.holders
    # the list says the same for the broker: holders of their customers only
    listed = list_products(
        served.db, served.settings, broker, ProductQuery(search=product, page_size=10)
    )
    row = next(r for r in listed.rows if r["product_id"] == product)
    assert row["holders"] == page.holders
    assert Decimal(row["sales"]) == bought


def test_reads_are_audited(served: Served) -> None:
    product, staff_id, _ = _broker_of_a_holder(served)
    broker = Principal(7, "audited_broker", "B", Role.BROKER, staff_id=staff_id)
    list_products(served.db, served.settings, broker, ProductQuery(page_size=5))
    product_page(served.db, served.settings, broker, product)
    with served.db.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log.c.action, audit_log.c.detail).where(
                audit_log.c.username == "audited_broker"
            )
        ).all()
    actions = [r[0] for r in rows]
    assert "view_products" in actions
    assert any(r[0] == "view_product" and r[1]["product_id"] == product for r in rows)


def test_sorts_only_by_listed_columns_and_says_which_parameter_is_wrong(served: Served) -> None:
    by_holders = list_products(
        served.db, served.settings, HQ, ProductQuery(sort="holders", desc=True, page_size=500)
    )
    counts = [r["holders"] for r in by_holders.rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    names = list_products(
        served.db, served.settings, HQ, ProductQuery(sort="name", desc=False, page_size=500)
    )
    assert [r["name"] for r in names.rows] == sorted(r["name"] for r in names.rows)
    for bad, field in (
        ({"sort": "name; DROP TABLE products"}, "sort"),
        ({"sort": "customer_id"}, "sort"),
        ({"product_type": "stocks"}, "product_type"),
        ({"risk_level": "R9"}, "risk_level"),
        ({"status": "open"}, "status"),
        ({"page_size": 5000}, "page_size"),
    ):
        with pytest.raises(InvalidRequest) as caught:
            list_products(served.db, served.settings, HQ, ProductQuery.model_validate(bad))
        assert field in caught.value.message and "/" in caught.value.message
    with pytest.raises(NotFound):
        product_page(served.db, served.settings, HQ, "NO-SUCH-PRODUCT")


def test_filters_search_and_the_kept_evaluation(served: Served, tmp_path: Path) -> None:
    everything = list_products(served.db, served.settings, HQ, ProductQuery(page_size=500))
    # the run's own evaluation: the delivered NAV history gives old products their 1-year
    # figures and stars; the stars need 3 years, so a starred product has a 1-year return
    assert everything.metrics_date == served.as_of
    starred = [r for r in everything.rows if r["stars"] is not None]
    assert starred and all(r["return_1y"] is not None for r in starred)
    kinds = {r["product_type"] for r in everything.rows}
    kind = sorted(kinds)[0]
    only = list_products(
        served.db, served.settings, HQ, ProductQuery(product_type=kind, page_size=500)
    )
    assert only.total == sum(1 for r in everything.rows if r["product_type"] == kind) > 0
    assert {r["product_type"] for r in only.rows} == {kind}
    first = everything.rows[0]
    with product_metrics_in_place(
        served.settings,
        served.as_of,
        [metrics_row(first["product_id"], served.as_of, stars=5, return_1y=0.0856)],
    ):
        again = list_products(served.db, served.settings, HQ, ProductQuery(sort="stars"))
        assert again.metrics_date == served.as_of
        top = again.rows[0]
        assert (top["product_id"], top["stars"], top["return_1y"]) == (
            first["product_id"],
            5,
            pytest.approx(0.0856),
        )
        page = product_page(served.db, served.settings, HQ, first["product_id"])
        assert page.metrics is not None and page.metrics["type_rank"] == 2
        assert page.nav and page.nav[-1]["biz_date"] <= served.as_of


def test_an_evaluation_without_some_columns_reads_them_as_missing(served: Served) -> None:
    import pyarrow as pa

    first = list_products(served.db, served.settings, HQ, ProductQuery(page_size=1)).rows[0]
    partial = pa.table({"product_id": [first["product_id"]], "stars": [3]})
    with product_metrics_in_place(served.settings, served.as_of, partial):
        page = product_page(served.db, served.settings, HQ, str(first["product_id"]))
        assert page.metrics is not None
        assert page.metrics["stars"] == 3 and page.metrics["sharpe_1y"] is None

"""Loading is idempotent: the same inbox twice gives the same lake; a re-delivery replaces."""

from __future__ import annotations

from pathlib import Path

from brokerlens.ingest import ingest_inbox
from support.factories import (
    D1,
    D2,
    fact_date,
    make_customer,
    make_daily_assets,
    make_trade,
    query,
    reference_date,
    settings_for,
)

COUNTS = (
    "select (select count(*) from daily_assets), (select count(*) from positions), "
    "(select count(*) from trades), (select count(*) from customers_history), "
    "(select count(*) from quarantine)"
)


def test_two_loads_of_the_same_inbox_give_the_same_counts(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    fact_date(inbox, D1)
    fact_date(inbox, D2, trades=[make_trade("T1", D2), make_trade("T2", D2, side="x")])
    settings = settings_for(tmp_path / "home")
    first = ingest_inbox(settings, inbox)
    counts = query(settings, COUNTS)
    assert counts == [(6, 6, 2, 3, 1)]
    second = ingest_inbox(settings, inbox)
    assert query(settings, COUNTS) == counts
    assert [d.feeds for d in first.dates] == [d.feeds for d in second.dates]
    assert all(d.replaced for d in second.dates)
    assert len(list((settings.lake_dir / "dates").iterdir())) == 2  # old directories deleted
    log = query(settings, "select status, count(*) from ingest_log group by 1 order by 1")
    assert log == [("loaded", 2), ("loaded_with_quarantine", 2)]


def test_redelivery_replaces_the_date(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    fact_date(inbox, D1)
    fact_date(inbox, D2)
    settings = settings_for(tmp_path / "home")
    ingest_inbox(settings, inbox)
    again = tmp_path / "again"
    fact_date(again, D2, daily_assets=[make_daily_assets("C1", D2, cash=2000)], trades=[])
    assert ingest_inbox(settings, again).dates[0].replaced
    assets = "select biz_date, customer_id, cash from daily_assets order by 1, 2"
    assert query(settings, assets)[3:] == [(D2, "C1", 2000)]
    assert query(settings, "select count(*) from trades") == [(1,)]  # only D1's


def test_redelivery_replaces_reference_rows_of_that_date(tmp_path: Path) -> None:
    """The date is replaced as a whole: reference rows it no longer holds are gone."""
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    reference_date(inbox, D2, customers=[make_customer("C4")])
    settings = settings_for(tmp_path / "home")
    ingest_inbox(settings, inbox)
    assert query(settings, "select count(*) from customers") == [(4,)]
    again = tmp_path / "again"
    reference_date(again, D2, customers=[make_customer("C5")])
    ingest_inbox(settings, again)
    got = query(settings, "select customer_id from customers order by 1")
    assert got == [("C1",), ("C2",), ("C3",), ("C5",)]

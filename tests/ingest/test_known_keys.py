"""unknown_reference sees the keys of the lake as of the date: earlier dates of this run and of
earlier runs, this delivery's good rows, and a re-delivered earlier date's new content."""

from __future__ import annotations

from pathlib import Path

from brokerlens.ingest import ingest_inbox
from support.factories import (
    D1,
    D2,
    D3,
    D4,
    fact_date,
    make_account,
    make_customer,
    make_daily_assets,
    quarantine_rows,
    reference_date,
    settings_for,
    write_feed,
)


def unknown(settings: object, feed: str) -> list[str]:
    return [
        value
        for _, rule, _, value, _ in quarantine_rows(settings, feed)
        if rule == "unknown_reference"
    ]


def test_keys_of_earlier_dates_count_in_the_same_and_later_runs(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    write_feed(inbox / D2.isoformat(), "customers", [make_customer("C4")])
    write_feed(
        inbox / D2.isoformat(), "accounts", [make_account("A4", "C4"), make_account("A5", "C5")]
    )
    fact_date(inbox, D3, daily_assets=[make_daily_assets(c, D3) for c in ("C1", "C4", "C5")])
    settings = settings_for(tmp_path / "home")
    ingest_inbox(settings, inbox)
    assert unknown(settings, "accounts") == ["C5"]  # C4 is delivered on the same date
    assert unknown(settings, "daily_assets") == ["C5"]  # C4 from D2 of this run

    later = tmp_path / "later"
    fact_date(later, D4, daily_assets=[make_daily_assets(c, D4) for c in ("C4", "C6")])
    report = ingest_inbox(settings, later)  # a new run: the keys come from the lake
    assert [d.feeds["daily_assets"] for d in report.dates] == [(1, 1)]
    assert sorted(unknown(settings, "daily_assets")) == ["C5", "C6"]


def test_a_redelivered_earlier_date_changes_the_keys_of_later_dates(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    write_feed(inbox / D2.isoformat(), "customers", [make_customer("C4")])
    fact_date(inbox, D3, daily_assets=[make_daily_assets("C4", D3)])
    settings = settings_for(tmp_path / "home")
    ingest_inbox(settings, inbox)
    assert unknown(settings, "daily_assets") == []

    again = tmp_path / "again"  # D2 again, now with C5 instead of C4; then a new date D4
    write_feed(again / D2.isoformat(), "customers", [make_customer("C5")])
    fact_date(again, D4, daily_assets=[make_daily_assets(c, D4) for c in ("C4", "C5")])
    report = ingest_inbox(settings, again)
    assert [d.status for d in report.dates] == ["loaded", "loaded_with_quarantine"]
    assert report.dates[0].replaced
    assert unknown(settings, "daily_assets") == ["C4"]  # C4 is no longer in the lake

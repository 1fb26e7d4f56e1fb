"""The product NAV backfill: past NAV rows in a date folder, shown in the lake's product_nav."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from brokerlens.ingest import ingest_inbox
from support.factories import (
    D1,
    D2,
    fact_date,
    quarantine_rows,
    query,
    reference_date,
    settings_for,
    write_feed,
)


def nav_row(day: dt.date, nav: str = "1.0100", product_id: str = "P1") -> dict[str, str]:
    return {"biz_date": day.isoformat(), "product_id": product_id, "nav": nav, "acc_nav": nav}


PAST = [D1 - dt.timedelta(days=k) for k in range(1200, 0, -1)]  # over three years back


def test_the_backfill_joins_the_daily_series_and_a_daily_row_wins(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1, product_nav_backfill=[nav_row(d) for d in PAST])
    fact_date(inbox, D1, product_nav=[nav_row(D1, "1.0200")])
    fact_date(inbox, D2, product_nav=[nav_row(D2, "1.0300")])
    # a later correction of an old day, and a backfill row for a day a daily delivery carries
    write_feed(
        inbox / D2.isoformat(),
        "product_nav_backfill",
        [nav_row(PAST[0], "0.9900"), nav_row(D1, "5.0000")],
    )
    settings = settings_for(tmp_path / "home")
    report = ingest_inbox(settings, inbox)
    assert report.exit_code == 0, [d.reason for d in report.dates if d.reason]
    [(n, first, last)] = query(
        settings, "select count(*), min(biz_date), max(biz_date) from product_nav"
    )
    assert (n, first, last) == (len(PAST) + 2, PAST[0], D2)
    navs = dict(query(settings, "select biz_date, nav from product_nav"))
    assert float(navs[D1]) == 1.02  # the daily delivery wins over a backfill row of its date
    assert float(navs[PAST[0]]) == 0.99  # the later backfill delivery replaces the earlier row
    assert (last - first).days >= 3 * 365
    [(versions,)] = query(
        settings,
        "select count(*) from product_nav_backfill_history where biz_date = "
        f"DATE '{PAST[0].isoformat()}'",
    )
    assert versions == 2


def test_a_bad_backfill_row_is_quarantined_naming_file_line_and_column(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    rows = [nav_row(d) for d in PAST[-300:]]
    rows[10]["biz_date"] = D2.isoformat()  # line 12: not before the folder's date
    rows[20]["nav"] = "-1"  # line 22
    rows[30]["product_id"] = "P404"  # line 32
    reference_date(inbox, D1, product_nav_backfill=rows)
    settings = settings_for(tmp_path / "home")
    report = ingest_inbox(settings, inbox)
    assert [d.status for d in report.dates] == ["loaded_with_quarantine"]
    got = [
        (line, rule, col)
        for line, rule, col, _v, _raw in quarantine_rows(settings, "product_nav_backfill")
    ]
    assert got == [
        (12, "wrong_date", "biz_date"),
        (22, "negative_amount", "nav"),
        (32, "unknown_reference", "product_id"),
    ]
    [(file, message)] = query(
        settings,
        "select file, message from quarantine where feed = 'product_nav_backfill' and line = 12",
    )
    assert file.endswith("product_nav_backfill.csv") and "before the folder's date" in message
    [(n,)] = query(settings, "select count(*) from product_nav")
    assert n == 297


def test_too_many_bad_backfill_rows_reject_the_date_naming_file_and_line(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    rows = [nav_row(d) for d in PAST[-4:]]
    rows[2]["acc_nav"] = "abc"
    reference_date(inbox, D1, product_nav_backfill=rows)
    settings = settings_for(tmp_path / "home", threshold=0.01)
    report = ingest_inbox(settings, inbox)
    [date] = report.dates
    assert date.status == "rejected"
    assert "product_nav_backfill.csv" in (date.reason or "")
    assert "line 4" in (date.reason or "") and "acc_nav" in (date.reason or "")

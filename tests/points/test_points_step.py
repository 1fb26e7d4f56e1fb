"""The run step "points" over a hand-built lake (points_handbox.py): every award of every day
as worked out by hand, the installation's rule versions applied by date, and a date run again
never awarding twice (its file replaced, the ledger in `brokerlens sql` unchanged)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from brokerlens.config import Settings, load_settings
from brokerlens.engine.render import check_portable
from brokerlens.engine.sqlfiles import load_sql, sql_names
from brokerlens.ingest import ingest_inbox
from brokerlens.pipeline.single import run_single_step
from brokerlens.points.build import anniversary_days, due_month
from brokerlens.store import dispose_engines
from brokerlens.warehouse import run_query
from brokerlens.warehouse.served import kept_dates, kept_file
from points.conftest import Lake
from points.points_handbox import D1, D2, D3, D4, DAYS, build_box, expected_rows


def _awards(settings: Settings, day: dt.date) -> list[dict[str, object]]:
    path = kept_file(settings, "points_awards", day)
    assert path is not None, day
    return pq.read_table(path).to_pylist()


@pytest.mark.parametrize("day", DAYS)
def test_each_day_awards_what_the_rules_give_by_hand(lake: Lake, day: dt.date) -> None:
    assert _awards(lake.settings, day) == expected_rows(day)


def test_the_step_says_what_it_awarded(lake: Lake) -> None:
    assert lake.notes[D2] == "2 award(s) to 2 customers, 600 points (anniversary 100, turnover 500)"
    assert "month 2025-03 rewarded" in lake.notes[D4]
    assert kept_dates(lake.settings, "points_awards") == list(DAYS)


def test_the_summary_adds_up_per_branch_and_rule(lake: Lake) -> None:
    path = kept_file(lake.settings, "points_summary", D1)
    assert path is not None
    rows = {(r["branch_id"], r["rule_id"]): r for r in pq.read_table(path).to_pylist()}
    assert rows["B1", "turnover"]["points"] == 2 and rows["B1", "commission"]["points"] == 3
    assert rows["B2", "turnover"]["customers"] == 1 and rows["B2", "turnover"]["points"] == 1


def _ledger(settings: Settings) -> list[tuple[object, ...]]:
    found = run_query(
        settings,
        "SELECT customer_id, entry_date, source, points, expires_on FROM points_ledger "
        "WHERE source NOT IN ('adjustment', 'redemption') "  # the awards (the store's: other tests)
        "ORDER BY entry_date, customer_id, source",
    )
    dispose_engines()
    return found.rows


def test_a_date_run_again_never_awards_twice(lake: Lake) -> None:
    before = _ledger(lake.settings)
    assert len(before) == 12 and sum(int(str(r[3])) for r in before) == 900
    for day in (D4, D1, D4):
        run_single_step(lake.settings, "points", as_of=day)
    assert _ledger(lake.settings) == before
    assert _awards(lake.settings, D4) == expected_rows(D4)


def test_the_month_is_rewarded_once_on_the_first_day_of_the_next() -> None:
    assert due_month(D3, DAYS) is None  # inside March
    found = due_month(D4, DAYS)
    assert found is not None and found.ref == "2025-03" and found.days == (D1, D2, D3)
    assert due_month(D1, DAYS) is None  # the first loaded day: no month before it


def test_anniversaries_cover_the_days_since_the_last_loaded_one() -> None:
    days = anniversary_days(dt.date(2025, 2, 27), dt.date(2025, 3, 3)).to_pylist()
    assert [(d["md"], d["year"]) for d in days] == [
        (228, 2025),
        (229, 2025),  # 29 February's anniversary in a year without one
        (301, 2025),
        (302, 2025),
        (303, 2025),
    ]
    assert anniversary_days(None, D1).to_pylist() == [{"md": 327, "year": 2025}]


@pytest.mark.parametrize("name", sql_names("brokerlens.points"))
def test_each_points_sql_file_is_documented_and_portable(name: str) -> None:
    sql = load_sql("brokerlens.points", name)
    assert sql.purpose and sql.grain
    assert check_portable(sql.sql) == []


def test_a_day_without_customer_day_is_refused_naming_the_step(tmp_path: Path) -> None:
    from brokerlens.errors import LakeError

    settings = load_settings(home=tmp_path / "home")
    assert ingest_inbox(settings, build_box().write(tmp_path / "inbox", [D1])).exit_code == 0
    with pytest.raises(LakeError, match="customer_day"):
        run_single_step(settings, "points", as_of=D1)

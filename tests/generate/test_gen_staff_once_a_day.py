"""A staff member appears once in a day's staff feed, even when two events of the day touch
them: a broker hired that day into a team whose lead leaves the same day is a new hire and one
of the reports moved under the successor. At 3,000,000 customers that day came (seed 42,
2025-01-17) and the loader rejected the date for a duplicate key on staff_id."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pytest

from brokerlens.generate import GenerateOptions, generate, org_events, simulate
from brokerlens.generate.simulate import first_occurrences


def test_first_occurrences_keeps_the_order_and_drops_repeats() -> None:
    rows = np.array([7, 3, 9, 3, 7, 1], np.int64)
    assert first_occurrences(rows).tolist() == [7, 3, 9, 1]
    assert first_occurrences(np.array([4, 2, 8], np.int64)).tolist() == [4, 2, 8]
    assert first_occurrences(np.zeros(0, np.int64)).tolist() == []


def test_a_day_of_many_leavers_and_leads_leaving_delivers_each_staff_id_once(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every lead with reports leaves every day and one broker in ten: hires land in teams whose
    # lead leaves on the same day
    monkeypatch.setattr(org_events, "LEAD_LEAVES_P", 1.0)
    monkeypatch.setattr(simulate, "BROKER_LEAVES_P", 0.1)
    out = tmp_path / "inbox"
    generate(
        GenerateOptions(
            out=out, customers=1500, days=4, start=dt.date(2025, 3, 3), seed=5, format="parquet"
        )
    )
    files = sorted(out.glob("20*/staff.parquet"))
    assert len(files) == 4
    duck = duckdb.connect()
    moved = 0
    for path in files[1:]:  # the first date is the full snapshot
        rows, distinct = duck.execute(
            "SELECT count(*), count(DISTINCT staff_id) FROM read_parquet(?)", [str(path)]
        ).fetchone()
        assert rows == distinct, f"{path.parent.name}: {rows - distinct} repeated staff rows"
        moved += rows
    assert moved > 20  # the events did happen: many staff rows a day

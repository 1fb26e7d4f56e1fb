"""`brokerlens sql` reads every stored date's alerts as the table `alerts` (issue 20): two runs
on the small generated brokerage, one query over both dates, counts as each run reported."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from brokerlens.config import load_settings
from brokerlens.market.calendar import trading_days
from brokerlens.pipeline import run_pipeline
from brokerlens.warehouse import run_query
from support.brokerage import Brokerage

START = dt.date(2025, 3, 3)  # the small brokerage's first date (tests/conftest.py)


def test_the_alerts_of_every_run_date_are_one_table(
    small_brokerage: Brokerage, tmp_path: Path
) -> None:
    settings = load_settings(home=tmp_path / "home")
    shutil.copytree(small_brokerage.settings.lake_dir, settings.lake_dir)
    latest = run_pipeline(settings)
    earlier = run_pipeline(settings, as_of=trading_days(START, latest.as_of)[-4])
    assert earlier.as_of < latest.as_of
    result = run_query(
        settings,
        "select as_of_date, alert_id, count(*) n, count(distinct customer_id) customers "
        "from alerts group by all order by 1, 2",
    )
    counted = {(d, a): (n, c) for d, a, n, c in result.rows}
    for report in (earlier, latest):
        fired = {a: n for a, n in report.alerts.items() if n}
        assert fired, "the small brokerage fires alerts on both dates"
        assert {a: counted[(report.as_of, a)][0] for a in fired} == fired
        assert all(counted[(report.as_of, a)] == (n, n) for a, n in fired.items())
    assert {d for d, _ in counted} == {earlier.as_of, latest.as_of}
    one = run_query(
        settings, "select branch_id, explanation from alerts where alert_id = 'no_trade' limit 1"
    ).rows[0]
    assert one[0] and set(json.loads(one[1])) == {"figures", "thresholds", "zh", "en"}

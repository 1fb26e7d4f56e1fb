"""The alerts bench's measures on a handmade case, worked by hand: volume and its share of the
book, the union, a churn alert's precision, recall and lead over dates with a full horizon, and
risk_mismatch against the true appetite; and the quality lines they make. Then `evaluate` over
a home with two runs of the small generated brokerage."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from brokerlens.bench.alerts import (
    TRUTH,
    churn_measures,
    evaluate,
    mismatch_measures,
    quality_lines,
    run_dates,
    union_volume,
    volume,
)
from brokerlens.config import load_settings
from brokerlens.market.calendar import trading_days
from brokerlens.pipeline import run_pipeline
from brokerlens.warehouse import run_query
from support.brokerage import Brokerage

DAYS = [dt.date(2025, 3, 3) + dt.timedelta(days=i) for i in range(10)]  # 10 "trading days"
D0, D2, D8 = DAYS[0], DAYS[2], DAYS[8]


def _fired(rows: list[tuple[dt.date, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["as_of_date", "customer_id", "alert_id"])


def test_volume_is_customers_over_the_book_and_a_silent_alert_counts_zero() -> None:
    fired = _fired(
        [
            (D0, "A", "no_trade"),
            (D0, "B", "no_trade"),
            (D0, "A", "heavy_loss"),
            (D2, "C", "no_trade"),
        ]
    )
    book = pd.Series({D0: 4, D2: 5})
    table = volume(fired, book, ["no_trade", "heavy_loss", "entitlement"])
    got = {(r.alert_id, r.as_of_date): (r.customers, r.share) for r in table.itertuples()}
    assert got[("no_trade", D0)] == (2, 0.5)
    assert got[("no_trade", D2)] == (1, 0.2)
    assert got[("heavy_loss", D2)] == (0, 0.0)
    assert got[("entitlement", D0)] == (0, 0.0)
    union = union_volume(fired, book)
    assert list(union["customers"]) == [2, 1]  # A twice on D0 counts once
    assert list(union["share"]) == [0.5, 0.2]


def test_churn_precision_recall_and_lead_by_hand() -> None:
    # horizon 3: D0's window is D0..D3, D2's is D2..D5; D8 has no full window and is skipped
    open_customers = {D0: {"A", "B", "C", "D"}, D2: {"A", "B", "C", "D"}, D8: {"A", "E"}}
    churn = {"A": DAYS[3], "B": DAYS[5], "C": DAYS[9], "E": DAYS[9]}
    flagged = pd.DataFrame(
        [(D0, "A"), (D0, "C"), (D2, "A"), (D2, "B"), (D2, "D"), (D8, "E")],
        columns=["as_of_date", "customer_id"],
    )
    got = churn_measures(flagged, open_customers, churn, DAYS, horizon=3)
    # D0: flagged A, C; churning in D0..D3: A -> 1 right of 2; D2: flagged A, B, D; churning
    # in D2..D5: A, B -> 2 right of 3. Pooled: 3 / 5 right; churning 1 + 2 = 3, found 3.
    assert got["dates"] == 2
    assert (got["flagged"], got["right"], got["churning"]) == (5, 3, 3)
    assert got["precision"] == 0.6 and got["recall"] == 1.0
    assert got["base_rate"] == 3 / 8
    # first right flag: A on D0 (churns D3: 3 days), B on D2 (churns D5: 3 days)
    assert got["churners_flagged"] == 2 and got["lead_days_median"] == 3.0


def test_a_churn_missed_lowers_recall_not_precision() -> None:
    open_customers = {D0: {"A", "B"}}
    got = churn_measures(
        pd.DataFrame([(D0, "A")], columns=["as_of_date", "customer_id"]),
        open_customers,
        {"A": DAYS[1], "B": DAYS[2]},
        DAYS,
        horizon=3,
    )
    assert got["precision"] == 1.0 and got["recall"] == 0.5 and got["lead_days_median"] == 1.0


def test_risk_mismatch_against_the_true_appetite_by_hand() -> None:
    assessed = pd.DataFrame(
        [
            (D0, "A", "C1"),  # appetite 4: 4 - 1 = 3 >= 2, mismatched
            (D0, "B", "C3"),  # appetite 4: 1, not
            (D0, "C", "C2"),  # appetite 4: 2, mismatched
            (D0, "D", None),  # no valid assessment: not counted
            (D2, "A", "C3"),  # appetite 4 against C3 on D2: not
        ],
        columns=["as_of_date", "customer_id", "regulatory_class"],
    )
    appetite = {"A": 4, "B": 4, "C": 4, "D": 5}
    flagged = pd.DataFrame(
        [(D0, "A"), (D0, "B"), (D0, "D"), (D2, "A")], columns=["as_of_date", "customer_id"]
    )
    got = mismatch_measures(flagged, assessed, appetite)
    # flagged among the assessed: (D0,A) right, (D0,B) wrong, (D2,A) wrong; (D0,D) not counted.
    # mismatched: (D0,A), (D0,C) -> found 1 of 2
    assert (got["assessed"], got["flagged"], got["right"], got["mismatched"]) == (4, 3, 1, 2)
    assert got["precision"] == pytest.approx(0.3333, abs=1e-4)
    assert got["recall"] == 0.5


def test_run_dates_leave_the_horizon_after_them_and_add_the_last_day() -> None:
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(130)]
    dates = run_dates(days)
    # from index 60 every 15 while 40 days follow (60, 75 < 90), and the last day
    assert dates == [days[60], days[75], days[-1]]


def test_quality_lines_mark_a_busy_alert_without_a_reason_as_missed() -> None:
    figures = {
        "alerts": {
            "no_trade": {"share_mean": 0.2, "volume_reason": None},
            "fund_movement": {"share_mean": 0.01, "volume_reason": None},
            "heavy_loss": {"share_mean": 0.08, "volume_reason": "市场下跌时多"},
            "risk_mismatch": {
                "share_mean": 0.03,
                "volume_reason": None,
                "mismatch": {"precision": 0.85, "recall": 0.5, "mismatched": 10, "assessed": 100},
            },
        },
        "union": {"share_mean": 0.3},
    }
    lines = {line.measure: line for line in quality_lines(figures)}
    assert lines["no_trade: share of the book a day"].met is False
    assert lines["fund_movement: share of the book a day"].met is True
    busy = lines["heavy_loss: share of the book a day"]
    assert busy.met is True and busy.target == "<= 5% or a reason (reason given)"
    assert lines["risk_mismatch: precision (appetite >= class + 2)"].met is True
    assert lines["risk_mismatch: recall (appetite >= class + 2)"].met is False
    assert lines["risk_mismatch: precision (appetite >= class + 2)"].baseline == 0.1
    assert lines["any alert: share of the book a day"].value == 0.3


def test_evaluate_reads_every_stored_date_of_a_home(
    small_brokerage: Brokerage, tmp_path: Path
) -> None:
    settings = load_settings(home=tmp_path / "home")
    shutil.copytree(small_brokerage.settings.lake_dir, settings.lake_dir)
    latest = run_pipeline(settings)
    earlier = run_pipeline(settings, as_of=trading_days(dt.date(2025, 3, 3), latest.as_of)[-4])
    figures = evaluate(settings.home, small_brokerage.inbox / TRUTH)
    assert figures["dates"] == [earlier.as_of.isoformat(), latest.as_of.isoformat()]
    book = dict(
        run_query(
            settings,
            "select as_of_date, count(*) from customer_indicators "
            "where status <> 'closed' or account_closed_t = 1 group by 1",
        ).rows
    )
    for report in (earlier, latest):
        day = report.as_of.isoformat()
        for alert_id, n in report.alerts.items():
            if alert_id == "risk_mismatch":  # counted on dates with behavioural levels only
                assert figures["alerts"][alert_id]["per_date"] == {}
                continue
            assert figures["alerts"][alert_id]["per_date"][day] == [
                n,
                round(n / book[report.as_of], 4),
            ]
    # 12 loaded days: no date has 40 days after it, and no behavioural levels without a fit
    assert figures["alerts"]["potential_churn"]["churn"]["dates"] == 0
    assert figures["alerts"]["potential_churn"]["churn"]["precision"] is None
    assert figures["alerts"]["risk_mismatch"]["share_mean"] is None
    assert figures["alerts"]["no_trade"]["truth"] == "none"

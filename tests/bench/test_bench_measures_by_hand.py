"""The figures the churn bench quotes (ROC and PR AUC, precision, recall and lift in a top share,
calibration error, lead time, the rule baseline's ranking) on inputs small enough to work by
hand; each expected value is derived in the comment beside it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from brokerlens.bench.churn import (
    _ap,
    _auc,
    _lead_figures,
    _lead_time,
    _measures,
    _rule,
    expected_calibration_error,
)
from brokerlens.churn.model import metrics, top_mask


def _y(*values: int) -> np.ndarray:
    return np.array(values, dtype=bool)


def test_roc_auc_of_perfect_reversed_and_a_hand_case() -> None:
    score = np.array([0.1, 0.2, 0.3, 0.4])
    assert _auc(_y(0, 0, 1, 1), score) == 1.0  # every positive above every negative
    assert _auc(_y(1, 1, 0, 0), score) == 0.0  # every positive below every negative
    # positives 0.2, 0.4 against negatives 0.1, 0.3: (0.2>0.1) yes, (0.2>0.3) no, (0.4>0.1)
    # yes, (0.4>0.3) yes -> 3 of 4 pairs
    assert _auc(_y(0, 1, 0, 1), score) == 0.75
    # all tied: each pair counts a half
    assert _auc(_y(0, 1, 0, 1), np.full(4, 0.5)) == 0.5
    # one class only: no ROC curve, no figure (not a crash, not a number)
    assert _auc(_y(0, 0, 0), score[:3]) is None
    assert _auc(_y(1, 1, 1), score[:3]) is None


def test_average_precision_by_hand() -> None:
    # ranked by score: 0.4 (+), 0.3 (-), 0.2 (+), 0.1 (-); precision at each positive:
    # 1/1 and 2/3 -> mean (1 + 2/3) / 2 = 5/6
    assert _ap(_y(0, 1, 0, 1), np.array([0.1, 0.2, 0.3, 0.4])) == round(5 / 6, 4)
    assert _ap(_y(0, 0, 1, 1), np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert _ap(_y(0, 0), np.array([0.1, 0.2])) is None


def test_top_mask_takes_exactly_the_ceiling_and_breaks_ties_by_position() -> None:
    # 10 rows, 25% -> ceil(2.5) = 3 rows: the two 0.9s and then the first of the 0.5s
    scores = np.array([0.5, 0.9, 0.1, 0.5, 0.9, 0.2, 0.5, 0.3, 0.0, 0.1])
    assert list(np.flatnonzero(top_mask(scores, 0.25))) == [0, 1, 4]
    assert top_mask(scores, 0.001).sum() == 1  # never empty


def test_precision_recall_in_the_top_shares_pooled_over_dates_and_by_cause() -> None:
    # Two dates of 100 rows each, score = the row's position (0..99), so the top 1% of a date is
    # row 99 and the top 5% rows 95..99.
    # date 1 churners: 99 (underperformance), 97 (cheaper_competitor), 50 (underperformance)
    # date 2 churners: 0 (no_service_contact), 98 (underperformance)
    scores = [np.arange(100, dtype=float), np.arange(100, dtype=float)]
    ys, causes = [], []
    for churners in ({99: "underperformance", 97: "cheaper_competitor", 50: "underperformance"},
                     {0: "no_service_contact", 98: "underperformance"}):  # fmt: skip
        ys.append(np.array([i in churners for i in range(100)]))
        causes.append(np.array([churners.get(i, "") for i in range(100)], dtype=object))
    got = _measures(ys, scores, causes)
    # top 1%: row 99 of each date -> 1 churner (date 1) of 2 flagged; 1 of 5 churners found
    assert got["precision_top_1pct"] == 0.5
    assert got["recall_top_1pct"] == 0.2
    # top 5%: rows 95..99 -> date 1 has 99, 97; date 2 has 98: 3 of 10 flagged, 3 of 5 found
    assert got["precision_top_5pct"] == 0.3
    assert got["recall_top_5pct"] == 0.6
    # pooled ROC AUC, pairs (positive, negative) won + half the ties, over 5 x 195 pairs:
    # 99: 97 + 97 below, 1 tie (date 2's 99) -> 194.5; 97: 96 + 96 below, 1 tie -> 192.5;
    # 50: 50 + 49 below, 1 tie -> 99.5; 0: none below, 1 tie -> 0.5;
    # 98: 96 + 97 below, 1 tie -> 193.5; sum 680.5 / 975
    assert got["roc_auc"] == round(680.5 / 975, 4)
    under = got["by_cause"]["underperformance"]
    assert under["churn_in_horizon"] == 3
    # its churners: date 1 rows 99, 50 and date 2 row 98: in the top 1% only 99; in the top 5%
    # 99 and 98
    assert under["recall_top_1pct"] == round(1 / 3, 4)
    assert under["recall_top_5pct"] == round(2 / 3, 4)
    assert got["by_cause"]["no_service_contact"]["recall_top_5pct"] == 0.0  # row 0: never flagged


def test_calibration_error_by_hand() -> None:
    # 2 equal-count bins of the rows sorted by probability: (0.1, 0.3) mean 0.2 against a rate
    # of 0, (0.6, 0.8) mean 0.7 against 1 -> 0.5 x 0.2 + 0.5 x 0.3 = 0.25
    got = expected_calibration_error(_y(0, 0, 1, 1), np.array([0.6, 0.1, 0.8, 0.3]), bins=2)
    assert got == pytest.approx(0.25)
    # a probability equal to each bin's rate: no error
    assert expected_calibration_error(_y(0, 1, 0, 1), np.full(4, 0.5), bins=2) == 0.0


def test_lead_time_counts_the_first_flag_inside_the_horizon() -> None:
    days = [dt.date(2025, 3, 3) + dt.timedelta(days=i) for i in range(30)]
    horizon, first = 5, 3
    truth = {
        "A": days[12],  # window days[7] .. days[11]
        "B": days[20],  # window days[15] .. days[19]
        "C": days[6],  # days[6 - 5] is before the first weekly date: not evaluated
        "D": days[25],  # evaluated, never flagged in time
    }
    cause = {"A": "underperformance", "B": "cheaper_competitor", "C": "underperformance"}
    flags = {
        "A": [days[3], days[8], days[10]],  # days[3] is before the window: first inside is 8
        "B": [days[19]],
        "C": [days[5]],
        "D": [days[26]],  # after the churn: not a warning
    }
    got = _lead_time(truth, cause, flags, days, first, horizon)
    # A: 12 - 8 = 4 days = 4/7 weeks; B: 1 day = 1/7 week; over 3 churners evaluated (A, B, D)
    assert got["churners_evaluated"] == 3
    assert got["flagged_before_churn"] == 2
    assert got["share_flagged"] == round(2 / 3, 4)
    assert got["median_weeks"] == round((4 / 7 + 1 / 7) / 2, 2)
    assert got["by_cause"]["underperformance"]["churners_evaluated"] == 1  # A (C is too early)
    assert got["by_cause"]["underperformance"]["median_weeks"] == round(4 / 7, 2)


def test_lead_figures_quantiles_by_hand() -> None:
    got = _lead_figures([1.0, 2.0, 3.0, 4.0], eligible=8)
    # linear quantiles of 1, 2, 3, 4: 10% at position 0.3 -> 1.3, median 2.5, 90% at 2.7 -> 3.7
    assert (got["p10_weeks"], got["median_weeks"], got["p90_weeks"]) == (1.3, 2.5, 3.7)
    assert got["share_flagged"] == 0.5
    none = _lead_figures([], eligible=0)
    assert none["share_flagged"] is None and none["median_weeks"] is None


def test_the_rule_baseline_fires_and_ranks_by_hand() -> None:
    features = pd.DataFrame(
        {"assets_20": [100.0, 100.0, 0.0, 100.0, 0.0], "out_20": [60.0, 40.0, 10.0, 90.0, 0.0]},
        index=["A", "B", "C", "D", "E"],
    )
    month = {"A": 2, "B": 0, "D": 5}  # C and E made no trades
    fires, score = _rule(features, month, (0.5, 5))
    # A: 60 > 0.5 x 100 and 2 < 5 -> fires; B: 40 is not over 50; C: no assets 20 days ago;
    # D: 5 trades is not under 5; E: nothing
    assert list(fires) == [True, False, False, False, False]
    # score = fires + 0.5 x the out share clipped to [0, 1] (no assets: all of nothing out -> 1,
    # nothing of nothing -> 0)
    assert list(score) == pytest.approx([1.3, 0.2, 0.5, 0.45, 0.0])


def test_model_metrics_lift_recall_and_brier_by_hand() -> None:
    y = _y(0, 0, 0, 1, 1, 0, 0, 0, 0, 0)
    prob = np.array([0.1, 0.1, 0.1, 0.9, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1])
    got = metrics(y, prob, 0.1)
    # base rate 2/10; the top 10% is one row, the 0.9 (a churner): precision 1, lift 1 / 0.2,
    # recall 1 of 2
    assert got["base_rate"] == 0.2
    assert got["precision_top_10pct"] == 1.0
    assert got["lift_top"] == 5.0
    assert got["recall_top"] == 0.5
    # both churners above all 8 others
    assert got["roc_auc"] == 1.0
    # Brier: 8 x 0.1^2 + (0.9 - 1)^2 + (0.5 - 1)^2 = 0.08 + 0.01 + 0.25 = 0.34, over 10
    assert got["brier"] == 0.034
    assert got["mean_probability"] == pytest.approx(0.22)
    # no churner: no ranking figures at all
    assert "roc_auc" not in metrics(np.zeros(4, dtype=bool), np.full(4, 0.3), 0.5)

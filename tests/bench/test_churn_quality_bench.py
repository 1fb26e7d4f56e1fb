"""The churn bench's figures against the oracle (issue 20): calibration error over equal-count
bins, measures by churn cause, lead times, and the quality lines with the issue's targets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from brokerlens.bench.churn import (
    _lead_time,
    _measures,
    expected_calibration_error,
    quality_lines,
)
from brokerlens.bench.harness import SUITES, BenchPlan


def test_calibration_error_is_the_gap_between_probability_and_rate() -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 0.2, 200_000)
    y = rng.random(len(p)) < p
    assert expected_calibration_error(y, p) < 0.003  # calibrated: only noise
    assert abs(expected_calibration_error(y, p + 0.05) - 0.05) < 0.003  # 5 points too high


def _figures(model_noise: float) -> dict[str, object]:
    rng = np.random.default_rng(2)
    dates = 6
    ys, causes, scores = [], [], {"model": [], "rule": [], "oracle": []}
    for _ in range(dates):
        truth = rng.uniform(0, 0.1, 5000)
        y = rng.random(len(truth)) < truth
        cause = np.where(y, rng.choice(["underperformance", "cheaper_competitor"], len(y)), "")
        ys.append(y)
        causes.append(cause)
        scores["oracle"].append(truth)
        scores["model"].append(truth + rng.normal(0, model_noise, len(truth)))
        scores["rule"].append((rng.random(len(truth)) < 0.02).astype(float))
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(100)]
    churn = {"A": days[60], "B": days[70], "C": days[80]}
    cause_of = {"A": "underperformance", "B": "underperformance", "C": "cheaper_competitor"}
    flags = {
        "model": {"A": [days[50]], "B": [days[66]]},
        "rule": {"A": [days[58]]},
        "oracle": {"A": [days[45]], "B": [days[63]], "C": [days[79]]},
    }
    y = np.concatenate(ys)
    p = np.concatenate(scores["model"]).clip(0, 1)
    return {
        "scorers": {k: _measures(ys, v, causes) for k, v in scores.items()},
        "lead_time": {k: _lead_time(churn, cause_of, v, days, 10, 40) for k, v in flags.items()},
        "calibration": {
            "bins": "10 equal-count",
            "ece_model": round(expected_calibration_error(y, p), 5),
            "ece_oracle": round(expected_calibration_error(y, np.concatenate(scores["oracle"])), 5),
        },
        "test": {
            "mean_probability": float(p.mean()),
            "base_rate": float(y.mean()),
            "oracle_mean": float(np.concatenate(scores["oracle"]).mean()),
        },
    }


def test_quality_lines_put_the_model_beside_the_rule_and_the_oracle() -> None:
    close = {line.measure: line for line in quality_lines(_figures(0.002))}
    far = {line.measure: line for line in quality_lines(_figures(0.2))}
    auc = close["ROC AUC"]
    assert auc.area == "churn" and auc.target == ">= oracle - 0.03"
    assert auc.oracle is not None and auc.value is not None and auc.baseline is not None
    assert auc.oracle > auc.baseline and auc.met is True
    assert far["ROC AUC"].met is False and far["PR AUC"].met is False
    assert far["ROC AUC"].value < far["ROC AUC"].oracle - 0.03
    # lead: the oracle flags A 15 days, B 7 days and C 1 day ahead (median 1 week)
    lead = close["lead weeks, median"]
    assert lead.oracle == 1.0 and lead.value == round((10 / 7 + 4 / 7) / 2, 2)
    assert lead.met is True and lead.baseline == round(2 / 7, 2)
    assert close["lead weeks median, cheaper_competitor"].value is None  # C never flagged
    assert close["ROC AUC, underperformance"].value is not None
    ece = close["calibration error (ECE, 10 equal-count bins)"]
    assert ece.target == "<= 0.02" and ece.met is True


def test_the_rule_baseline_uses_the_alerts_thresholds(tmp_path: Path) -> None:
    """The `potential_churn` baseline is the alert as shipped (issue 20: 0.5, < 5 trades)."""
    from brokerlens.bench.churn import rule_params
    from brokerlens.config import load_settings

    assert rule_params(load_settings(home=tmp_path / "home")) == (0.5, 5)


def test_the_churn_suite_times_a_scoring_after_the_fit(tmp_path: Path) -> None:
    plan = BenchPlan(
        customers=1000, days=250, start=dt.date(2025, 1, 2), seed=7, fmt="parquet",
        bad_rows=0.0, workdir=tmp_path / "w", suite="churn",
    )  # fmt: skip
    stages = {s.name: s for s in SUITES["churn"]}
    names = list(stages)
    assert names.index("churn fit") < names.index("churn score") < names.index("churn evaluate")
    score = stages["churn score"]
    assert score.command(plan)[-2:] == ["churn", "score"] and "3,000,000" in score.target

"""Bench suite `riskpref` (issue 20): its measures worked by hand, and its evaluation of a home
fitted on the small generated brokerage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from brokerlens.bench.riskpref import _agreement, _mismatch, evaluate, quality_lines
from brokerlens.config import load_settings
from brokerlens.riskpref.quarter import Quarter
from brokerlens.riskpref.service import fit_quarter
from support.brokerage import Brokerage


def test_agreement_and_mismatch_by_hand() -> None:
    level = pd.Series([1, 2, 3, 5, 5])
    truth = pd.Series([1, 2, 4, 3, 5])
    got = _agreement(level, truth)
    assert got["exact"] == 0.6 and got["within_one"] == 0.8
    # quadratic kappa = 1 - observed / expected disagreement, weights (i - j)^2: observed
    # 0 + 0 + 1 + 4 + 0 = 5; expected from the margins (levels 1, 2, 3, 5, 5 against truths 1..5
    # once each) (30 + 15 + 10 + 2 x 30) / 5 = 23
    assert got["kappa"] == pytest.approx(1 - 5 / 23, abs=1e-4)
    klass = pd.Series([1, 1, 1, 2, 3])
    # flagged (level - class >= 2): rows 3, 4, 5; truly (truth - class >= 2): rows 3, 5
    mm = _mismatch(level, klass, truth)
    assert (mm["flagged"], mm["actual"]) == (3, 2)
    assert mm["precision"] == pytest.approx(2 / 3, abs=1e-4) and mm["recall"] == 1.0


def test_evaluate_a_fitted_home(small_brokerage: Brokerage, tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    shutil.copytree(small_brokerage.settings.lake_dir, settings.lake_dir)
    fit_quarter(settings, Quarter(2025, 1), seed=7, partial=True, k_range=(3, 6))
    truth = small_brokerage.inbox / "_ground_truth" / "customers.parquet"
    figures = evaluate(settings.home, truth)
    q1 = figures["per_quarter"]["2025Q1"]
    assert figures["quarters"] == ["2025Q1"] and "stability" not in figures  # one quarter
    assert sum(sum(row.values()) for row in q1["crosstab"].values()) == q1["scored"]
    assert sum(q1["level_shares"].values()) == pytest.approx(1.0, abs=1e-3)
    assert 0 < q1["assessed"] <= q1["scored"]
    assert q1["levels"]["kappa"] > q1["baseline_clusters"]["kappa"]  # the scale beats seed 002
    lines = quality_lines(figures)
    assert [x.measure for x in lines][:3] == [
        "quadratic kappa, level vs true appetite",
        "exact agreement",
        "within one level",
    ]
    assert lines[0].value == q1["levels"]["kappa"] and lines[0].target == ">= 0.7"
    assert lines[3].value is None and lines[3].met is None  # no second quarter: not measured

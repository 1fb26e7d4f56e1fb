"""Cluster descriptions, profile scores and sub-model adjustments on hand-made means."""

from __future__ import annotations

from brokerlens.riskpref.features import PRODUCT, names
from brokerlens.riskpref.profile import (
    STYLE_ADJUST,
    TIMING_ADJUST,
    adjustments,
    describe,
    risk_points,
    score_of,
)


def means(**values: float) -> dict[str, float]:
    out = dict.fromkeys(names(PRODUCT), 0.0)
    out.update(values)
    return out


POPULATION = means(a_share_assets=0.5, ipo_assets=0.05, bond_fund_assets=0.05, cash_assets=0.3)


def test_what_sets_a_cluster_apart() -> None:
    name, text = describe(means(ipo_assets=0.7, cash_assets=0.3), POPULATION)
    assert name == "偏好新股申购"
    assert text.startswith("平均约70%资产用于新股申购")
    # what it mostly holds, and what it holds far more of than the population
    name, text = describe(means(a_share_assets=0.6, chinext_assets=0.4), POPULATION)
    assert (name, text) == ("偏好创业板股票", "平均约60%资产为A股,约40%资产为创业板股票")
    name, text = describe(means(a_share_assets=0.6, cash_assets=0.4), POPULATION)
    assert (name, text) == ("偏好A股", "平均约60%资产为A股,约40%为现金及其他")
    # a minor class at the population's level is not named; one far above it is
    name, text = describe(means(a_share_assets=0.2, chinext_assets=0.15), POPULATION)
    assert (name, text) == ("偏好创业板股票", "平均约15%资产为创业板股票")
    name, _ = describe(means(cash_assets=0.97, a_share_assets=0.01), POPULATION)
    assert name == "现金为主"
    # nothing stands out: the classes it holds most of, never a sliver
    name, text = describe(means(a_share_assets=0.6, chinext_assets=0.02), POPULATION)
    assert (name, text) == ("偏好A股", "平均约60%资产为A股")


def test_scores_from_the_mix_of_market_value() -> None:
    st = risk_points(means(st_mv=0.8, a_share_mv=1.0, mv_held=1.0))  # 80% ST, 20% other A
    assert score_of(st) == 1  # 0.8 x 5 + 0.2 x 3 = 4.6
    assert score_of(risk_points(means(a_share_mv=1.0, mv_held=1.0))) == 3
    assert score_of(risk_points(means(bond_fund_mv=0.9, money_fund_mv=0.1, mv_held=1.0))) == 5
    assert score_of(risk_points(means(ipo_mv=1.0, ipo_assets=0.6))) == 4
    assert score_of(risk_points(means())) == 5  # cash only


def test_sub_model_adjustments_follow_the_rank_of_aggressiveness() -> None:
    timing = [[0.0, 0.0], [2.0, 2.0], [-1.0, -1.0], [1.0, 1.0]]
    assert adjustments(timing, TIMING_ADJUST) == [0, -2, 0, -1]
    style = [[0.0], [3.0], [-2.0], [1.0], [-1.0]]
    assert adjustments(style, STYLE_ADJUST) == [-1, -2, 1, -2, 0]

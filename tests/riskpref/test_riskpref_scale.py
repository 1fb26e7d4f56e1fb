"""The absolute scale (issue 20): a level is the customer's own points, cut at fixed points, and
says why; the numbers are an installation's to change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from brokerlens.config import load_settings
from brokerlens.errors import ConfigError
from brokerlens.riskpref import LEVELS
from brokerlens.riskpref.scale import default_scale, load_scale, place, scale_path

NAN = float("nan")


def _place(**columns: list[float]) -> tuple[list[str], np.ndarray, list[str]]:
    n = len(next(iter(columns.values())))
    base = {
        "assets": [100_000.0] * n,
        "invested": [0.9] * n,
        "held_grade": [3.0] * n,
        "turnover": [3.0] * n,
        "leverage": [0.0] * n,
        "margin_share": [0.0] * n,
        "drawdown": [0.1] * n,
        "exchange_share": [1.0] * n,
    }
    base.update(columns)
    arrays = {k: np.asarray(v, dtype=float) for k, v in base.items()}
    placed = place(default_scale(), **arrays)
    levels = [LEVELS[s - 1] for s in placed.score]
    return levels, placed.points, placed.why


def test_levels_follow_what_is_held_not_the_population() -> None:
    # cash only; bonds; main-board A shares; ChiNext; ST (90% invested: the grade in full)
    levels, points, _ = _place(
        invested=[0.0, 0.9, 0.9, 0.9, 0.9], held_grade=[NAN, 2.0, 3.0, 4.0, 5.0]
    )
    assert points.tolist() == pytest.approx([1.0, 2.0, 3.0, 4.0, 5.0])
    assert levels == ["最低", "较低", "中等", "较高", "最高"]
    # mostly cash: a quarter invested in R3 is half-way to R1 (fully_invested 0.5)
    levels, points, why = _place(invested=[0.25], held_grade=[3.0])
    assert points.tolist() == pytest.approx([2.0]) and levels == ["较低"]
    assert why[0].startswith("持仓平均风险等级R3.0,仅约25%资产在投,以现金为主")
    # the same customers alone get the same levels: nothing is a quantile of the others
    alone = [_place(invested=[i], held_grade=[g])[0][0] for i, g in ((0.9, 3.0), (0.9, 5.0))]
    assert alone == ["中等", "最高"]


def test_turnover_leverage_and_drawdown_move_a_level() -> None:
    levels, points, why = _place(
        turnover=[40.0, 5.0, 0.1, 3.0, 3.0], leverage=[0, 0, 0, 0.2, 0], drawdown=[0.1] * 4 + [0.5]
    )
    assert points.tolist() == pytest.approx([4.0, 3.0, 2.0, 4.0, 3.5])
    assert levels == ["较高", "中等", "较低", "较高", "较高"]
    assert "年化换手率很高(年化换手40.0倍)+1分" in why[0]
    assert "几乎不交易、长期持有(年化换手0.1倍)-1分" in why[2]
    assert "使用融资融券杠杆+1分" in why[3]
    assert "承受过较大回撤(最大回撤50%)+0.5分" in why[4]
    assert why[0].startswith("持仓平均风险等级R3.0,约90%资产在投") and "合计4.00分" in why[0]
    # hardly trading OTC products is no sign of caution: the low band needs exchange holdings
    _, points, _ = _place(turnover=[0.1, 0.1], exchange_share=[0.9, 0.1])
    assert points.tolist() == pytest.approx([2.0, 3.0])


def test_margin_trading_counts_as_leverage_and_small_accounts_as_cash() -> None:
    levels, _, why = _place(margin_share=[0.5, 0.0], assets=[100_000.0, 500.0])
    assert levels == ["较高", "最低"]  # R3 + 1 for trading on margin
    assert why[1] == "季度日均资产不足1,000元,按现金计"


def test_an_installation_changes_the_cuts_and_a_bad_file_is_named(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    assert load_scale(settings) == default_scale()
    path = scale_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text("cuts: [1.5, 2.0, 2.5, 3.0]\n", encoding="utf-8")
    assert load_scale(settings).cuts == [1.5, 2.0, 2.5, 3.0]
    assert load_scale(settings).grades == default_scale().grades  # the rest: shipped defaults
    path.write_text("cuts: [3, 2, 1, 0]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"scale\.yaml: field `cuts`: .*four increasing"):
        load_scale(settings)
    path.write_text("turnover: [{points: 1, zh: 高}]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"exactly one of at_least or below"):
        load_scale(settings)

"""The uplift and its 95% interval against a hand computation (difference of two proportions,
Wald, unpooled), and the empty groups."""

from __future__ import annotations

import math

import pytest

from brokerlens.marketing.campaigns.uplift import uplift


def test_against_a_hand_computation() -> None:
    # treatment 120 of 1,000 converted (12%), holdout 10 of 200 (5%)
    found = uplift(120, 1000, 10, 200)
    se = math.sqrt(0.12 * 0.88 / 1000 + 0.05 * 0.95 / 200)  # sqrt(0.0001056 + 0.0002375)
    assert found.uplift == pytest.approx(0.07)
    assert se == pytest.approx(0.0185230, abs=1e-6)
    assert found.low == pytest.approx(0.07 - 1.959964 * se, abs=1e-9)
    assert found.high == pytest.approx(0.07 + 1.959964 * se, abs=1e-9)
    assert (round(found.low, 4), round(found.high, 4)) == (0.0337, 0.1063)


def test_an_empty_group_has_no_uplift() -> None:
    for args in ((0, 0, 3, 10), (3, 10, 0, 0)):
        found = uplift(*args)
        assert found.uplift is None and found.low is None and found.high is None
    assert uplift(0, 0, 3, 10).holdout_rate == pytest.approx(0.3)


def test_no_conversion_anywhere_is_zero_with_no_spread() -> None:
    found = uplift(0, 50, 0, 5)
    assert (found.uplift, found.low, found.high) == (0.0, 0.0, 0.0)

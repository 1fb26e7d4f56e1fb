"""risk_mismatch: behaviour more aggressive than the regulatory class by two or more levels."""

from __future__ import annotations

import pytest

from brokerlens.errors import InvalidRequest
from brokerlens.suitability.riskmismatch import LEVELS, risk_gap, risk_mismatch


@pytest.mark.parametrize(
    ("klass", "level", "flagged"),
    [
        ("C1", "中等", True),
        ("C1", "较低", False),
        ("C3", "最高", True),
        ("C3", "较高", False),
        ("C4", "最高", False),
        ("C5", "最高", False),
        ("C2", "较高", True),
        ("C5", "最低", False),  # more cautious is never a mismatch
    ],
)
def test_two_or_more_levels(klass: str, level: str, flagged: bool) -> None:
    assert risk_mismatch(klass, level) is flagged


def test_every_cell_agrees_with_the_gap() -> None:
    for c in range(1, 6):
        for b, level in enumerate(LEVELS, start=1):
            assert risk_mismatch(f"C{c}", level) is (b - c >= 2)


def test_seed_scores_and_english_labels() -> None:
    assert risk_gap("C2", 1) == 3  # seed 002: score 1 is 最高
    assert risk_mismatch("C3", "highest")
    assert not risk_mismatch("C3", 5)


def test_a_bad_level_names_itself() -> None:
    with pytest.raises(InvalidRequest, match="behavioural level '很高'"):
        risk_mismatch("C3", "很高")
    with pytest.raises(InvalidRequest, match="risk class 'C6'"):
        risk_mismatch("C6", "最高")

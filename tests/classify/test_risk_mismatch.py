"""`risk_mismatch` of the default catalog at its edges (issue 5 section 4), on indicator rows.

The gap is behaviour_risk_rank - regulatory_class_rank (both 1..5); two or more levels flag it.
"""

from __future__ import annotations

import pytest
from classify_rows import one

from brokerlens.suitability.riskmismatch import risk_mismatch

AGGRESSIVE, SAME, NO_MODEL, NO_ASSESSMENT = "行为激进于测评", "一致", "无行为模型", "无有效测评"


def _row(klass: int | None, behaviour: int | None) -> dict[str, float | None]:
    gap = None if klass is None or behaviour is None else behaviour - klass
    return {
        "regulatory_class_rank": klass,
        "behaviour_risk_rank": behaviour,
        "behaviour_level_gap": gap,
    }


@pytest.mark.parametrize(
    ("klass", "behaviour", "expected"),
    [
        (1, 3, AGGRESSIVE),  # gap 2
        (1, 2, SAME),  # gap 1
        (3, 5, AGGRESSIVE),
        (3, 4, SAME),
        (1, 5, AGGRESSIVE),  # gap 4
        (5, 1, SAME),  # behaviour more cautious
        (4, 4, SAME),
        (3, None, NO_MODEL),
        (None, 5, NO_ASSESSMENT),
        (None, None, NO_MODEL),
    ],
)
def test_risk_mismatch(klass: int | None, behaviour: int | None, expected: str) -> None:
    assert one("risk_mismatch", **_row(klass, behaviour)) == expected


@pytest.mark.parametrize("klass", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("behaviour", [1, 2, 3, 4, 5])
def test_the_catalog_agrees_with_suitability(klass: int, behaviour: int) -> None:
    flagged = risk_mismatch(f"C{klass}", 6 - behaviour)  # suitability takes the model's score
    assert (one("risk_mismatch", **_row(klass, behaviour)) == AGGRESSIVE) is flagged

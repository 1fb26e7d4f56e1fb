"""The quota's arithmetic: ceil(share x n) on the share as written, and a branch's progress
summed over its strata."""

from __future__ import annotations

import pytest

from brokerlens.compliance.callbacks.quota import (
    BranchCounts,
    Stratum,
    branch_progress,
    quota,
    takes,
)


@pytest.mark.parametrize(
    ("n", "share", "expected"),
    [
        (30, 0.1, 3),
        (31, 0.1, 4),
        (1, 0.1, 1),
        (0, 0.1, 0),
        (7, 0.15, 2),
        (20, 0.15, 3),
        (9, 1.0, 9),
    ],
)
def test_quota_is_the_ceiling_of_the_share_as_written(n: int, share: float, expected: int) -> None:
    assert quota(n, share) == expected


def test_a_branch_is_measured_against_the_share_of_its_whole_base() -> None:
    strata = [Stratum("B1", "A", 25, 3), Stratum("B1", "B", 5, 1), Stratum("B2", "A", 9, 1)]
    rows = branch_progress(strata, [BranchCounts("B1", sampled=4, reached=2, unreachable=1)], 0.1)
    b1, b2 = rows
    assert (b1.base, b1.quota, b1.sampled, b1.reached, b1.remaining, b1.met) == (
        30, 3, 4, 2, 1, False,
    )  # fmt: skip
    assert b1.pct == pytest.approx(2 / 3)
    assert (b2.base, b2.quota, b2.reached, b2.remaining, b2.pct) == (9, 1, 0, 1, 0.0)


def test_only_strata_below_their_quota_draw_more() -> None:
    strata = [Stratum("B1", "A", 30, 3), Stratum("B1", "B", 5, 1)]
    assert takes(strata, {("B1", "A"): 2, ("B1", "B"): 1}) == {("B1", "A"): 1}
    assert takes(strata, {("B1", "A"): 3, ("B1", "B"): 1}) == {}

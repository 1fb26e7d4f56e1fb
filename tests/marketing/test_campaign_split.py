"""The launch's split: seeded (same members, share and seed -> same groups, whatever order the
ids come in), the holdout share exact to rounding, a different seed a different draw."""

from __future__ import annotations

import pytest

from brokerlens.marketing.campaigns.split import holdout_size, split

IDS = [f"C{i:06d}" for i in range(10_000)]


def _holdout(ids: list[str], share: float, seed: int) -> set[str]:
    ordered, holdout = split(ids, share, seed)
    return {i for i, h in zip(ordered, holdout.tolist(), strict=True) if h}


def test_the_same_seed_gives_the_same_split_in_any_order() -> None:
    first = _holdout(IDS, 0.1, 42)
    assert _holdout(list(reversed(IDS)), 0.1, 42) == first
    assert _holdout(IDS, 0.1, 43) != first


@pytest.mark.parametrize(
    ("n", "share", "expected"), [(10_000, 0.1, 1000), (7, 0.5, 4), (3, 0.0, 0)]
)
def test_the_holdout_share(n: int, share: float, expected: int) -> None:
    assert holdout_size(n, share) == expected
    assert len(_holdout(IDS[:n], share, 1)) == expected


def test_the_holdout_is_spread_over_the_ids() -> None:
    held = _holdout(IDS, 0.1, 5)
    first_half = sum(1 for i in held if i < "C005000")
    assert 400 < first_half < 600  # not the first 1,000 ids: a random draw


def test_no_members() -> None:
    ordered, holdout = split([], 0.1, 1)
    assert ordered == [] and holdout.size == 0

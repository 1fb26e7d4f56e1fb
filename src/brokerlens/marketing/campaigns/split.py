"""The treatment / holdout split at launch: random, seeded, reproducible.

The ids are sorted first (so the split depends on the set of members, not on the order a
reader returned them), then numpy's `default_rng(seed)` permutes their positions; the first
`round(n * share)` positions of the permutation are the holdout, the rest the treatment. The
same members, share and seed always give the same split, on any machine (numpy's PCG64 stream
is stable across versions for `permutation`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def holdout_size(n: int, share: float) -> int:
    return round(n * share)


def holdout_mask(n: int, share: float, seed: int) -> np.ndarray:
    """For n ids already sorted: True at the positions drawn into the holdout."""
    holdout = np.zeros(n, dtype=bool)
    k = holdout_size(n, share)
    if k:
        order = np.random.default_rng(seed).permutation(n)
        holdout[order[:k]] = True
    return holdout


def split(ids: Sequence[str], share: float, seed: int) -> tuple[list[str], np.ndarray]:
    """(the ids sorted, a boolean array: True where that id is in the holdout)."""
    ordered = sorted(ids)
    return ordered, holdout_mask(len(ordered), share, seed)

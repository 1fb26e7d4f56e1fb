"""The annual sample's quota, in one place: every stratum (branch x tier) of the prior year-end's
customers gets `quota(n, share) = ceil(share x n)` call-backs, so every branch's sample is at
least `share` of its base; the progress of a branch is how many of its base were reached.

Exact arithmetic: `share` is read as the decimal it was written as (0.10 x 30 is 3, not
3.0000000000000004 rounded up to 4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal


def quota(n: int, share: float) -> int:
    """ceil(share x n), with `share` taken as its shortest decimal (0.1 is 1/10)."""
    if n <= 0:
        return 0
    return int((Decimal(repr(share)) * n).to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class Stratum:
    """One stratum of the year's sample as drawn."""

    branch_id: str
    tier: str
    base: int
    quota: int


@dataclass(frozen=True)
class BranchCounts:
    """A branch's call-back counts of the year (from the store)."""

    branch_id: str
    sampled: int = 0  # the year's sample tasks made (replacements included)
    reached: int = 0  # base customers with a completed call-back of any kind in the year
    unreachable: int = 0  # sample tasks closed unreachable


@dataclass(frozen=True)
class BranchProgress:
    """One branch's progress against its quota."""

    branch_id: str
    base: int  # the prior year-end's customers (dormant excepted)
    quota: int  # ceil(share x base): what the branch must reach
    sampled: int
    reached: int
    unreachable: int
    remaining: int  # quota - reached, not below 0
    pct: float  # reached / quota (above 1 past the quota; 1 when the quota is 0)

    @property
    def met(self) -> bool:
        return self.reached >= self.quota


def branch_progress(
    strata: Iterable[Stratum], counts: Iterable[BranchCounts], share: float
) -> list[BranchProgress]:
    """Per branch, sorted by branch id: the base summed over its strata, its quota
    `quota(base, share)` (the strata's own quotas add up to at least that), and the counts."""
    base: dict[str, int] = {}
    for stratum in strata:
        base[stratum.branch_id] = base.get(stratum.branch_id, 0) + stratum.base
    found = {c.branch_id: c for c in counts if c.branch_id in base}
    rows = []
    for branch_id in sorted(base):
        c = found.get(branch_id, BranchCounts(branch_id))
        q = quota(base[branch_id], share)
        rows.append(
            BranchProgress(
                branch_id=branch_id,
                base=base[branch_id],
                quota=q,
                sampled=c.sampled,
                reached=c.reached,
                unreachable=c.unreachable,
                remaining=max(q - c.reached, 0),
                pct=c.reached / q if q else 1.0,
            )
        )
    return rows


def takes(
    strata: Iterable[Stratum], live: dict[tuple[str, str], int]
) -> dict[tuple[str, str], int]:
    """How many more customers each stratum needs drawn: its quota less its live tasks
    (pending or completed; an unreachable one is replaced). Strata needing none are left out."""
    wanted = {}
    for s in strata:
        more = s.quota - live.get((s.branch_id, s.tier), 0)
        if more > 0:
            wanted[(s.branch_id, s.tier)] = more
    return wanted

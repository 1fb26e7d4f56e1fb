"""Scores, totals and ranks from metric values: the one implementation the run step and the
scheme-change preview share, so a preview shows exactly what the next run would write."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from brokerlens.brokers.kpi.model import MetricRule, SchemeFile

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
LEVELS = ("unit", "branch", "region")


@dataclass(frozen=True)
class StaffValues:
    """One staff member of a month: where they sit, and every metric's value (None: nothing to
    measure, e.g. a rate over no customers)."""

    staff_id: str
    position: str | None
    unit_id: str | None
    branch_id: str | None
    region_id: str | None
    values: dict[str, Decimal | None]


@dataclass(frozen=True)
class MetricScore:
    metric: str
    value: Decimal | None
    target: Decimal | None
    weight: Decimal
    score: Decimal


@dataclass(frozen=True)
class StaffScore:
    staff: StaffValues
    metrics: tuple[MetricScore, ...]
    total: Decimal
    ranks: dict[str, int]  # level -> rank within it (1 = best), among the same position
    sizes: dict[str, int]  # level -> how many of the same position are ranked there


def score_metric(rule: MetricRule, value: Decimal | None) -> Decimal:
    if value is None:
        return Decimal(0)
    if rule.rule == "linear":
        assert rule.target is not None  # the model refuses a linear rule without a target
        ratio = min(max(value / rule.target, Decimal(0)), rule.cap)
        return (ratio * HUNDRED).quantize(CENT, ROUND_HALF_UP)
    reached = [s.score for s in rule.thresholds if value >= s.at]
    return reached[-1].quantize(CENT) if reached else Decimal(0).quantize(CENT)


def score_staff(
    schemes: SchemeFile, member: StaffValues
) -> tuple[tuple[MetricScore, ...], Decimal]:
    scheme = schemes.for_position(member.position)
    if scheme is None:
        return (), Decimal(0)
    metrics = tuple(
        MetricScore(
            r.metric,
            member.values.get(r.metric),
            r.target,
            r.weight,
            score_metric(r, member.values.get(r.metric)),
        )
        for r in scheme.metrics
    )
    total = sum((m.weight * m.score for m in metrics), Decimal(0)) / HUNDRED
    return metrics, total.quantize(CENT, ROUND_HALF_UP)


def score_all(schemes: SchemeFile, staff: Iterable[StaffValues]) -> list[StaffScore]:
    """Every staff member whose position has a scheme, scored and ranked (competition ranking:
    equal totals share a rank) within their unit, branch and region among the same position."""
    scored = []
    for member in staff:
        metrics, total = score_staff(schemes, member)
        if metrics:
            scored.append((member, metrics, total))
    ranks, sizes = _ranks([(m, t) for m, _, t in scored])
    return [StaffScore(m, ms, t, ranks[m.staff_id], sizes[m.staff_id]) for m, ms, t in scored]


def _ranks(
    rows: Sequence[tuple[StaffValues, Decimal]],
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    sizes: dict[str, dict[str, int]] = defaultdict(dict)
    for level in LEVELS:
        groups: dict[tuple[str | None, str | None], list[tuple[Decimal, str]]] = defaultdict(list)
        for member, total in rows:
            key = getattr(member, f"{level}_id")
            groups[(member.position, key)].append((total, member.staff_id))
        for members in groups.values():
            members.sort(key=lambda pair: (-pair[0], pair[1]))
            rank, previous = 0, None
            for index, (total, staff_id) in enumerate(members, start=1):
                if total != previous:
                    rank, previous = index, total
                out[staff_id][level] = rank
                sizes[staff_id][level] = len(members)
    return out, sizes


def team_members(staff: Sequence[StaffValues], staff_id: str) -> list[str]:
    """Whose customers count for `staff_id` (as `sql/kpi_credit.sql` says): themselves, and for
    a team lead the other staff of their unit too."""
    me = next((s for s in staff if s.staff_id == staff_id), None)
    if me is None or me.position != "team_lead":
        return [staff_id]
    return [
        staff_id,
        *(s.staff_id for s in staff if s.unit_id == me.unit_id and s.staff_id != staff_id),
    ]

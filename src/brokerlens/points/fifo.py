"""A customer's points from the ledger: lots drawn oldest first, lapsing at their expiry.

The ledger is a list of entries, never a stored balance. A credit (an award, a positive
adjustment) is a lot; a debit (a redemption, a negative adjustment) draws from the oldest
unexpired lots first (FIFO by the day earned). On a day, in this order: lots whose expiry is
that day lapse (`expires_on` is the first day they no longer count), that day's credits come
in, then its debits draw. A debit larger than what is left leaves a deficit (a negative
balance: a re-delivered day lowered an award after the points were spent); later credits pay
the deficit first.

A cancelled order's redemption and its return are left out (the caller passes neither): the
points go back to the lots they were drawn from, with those lots' own expiry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from brokerlens.warehouse.windows import months_back


def expires_on(day: dt.date, months: int) -> dt.date:
    """The first day points earned on `day` no longer count: `months` calendar months later
    (clamped to that month's last day)."""
    return months_back(day, -months)


@dataclass(frozen=True)
class Credit:
    entry_date: dt.date
    points: int
    expires_on: dt.date
    source: str  # the rule id, or 'adjustment'
    branch_id: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class Debit:
    entry_date: dt.date
    points: int  # drawn, > 0
    source: str  # 'redemption' or 'adjustment'
    branch_id: str | None = None


@dataclass
class Lot:
    credit: Credit
    remaining: int
    used: int = 0
    expired: int = 0


@dataclass
class Balance:
    """Where a customer's points stand on `as_of`."""

    as_of: dt.date
    lots: list[Lot] = field(default_factory=list)
    deficit: int = 0

    @property
    def balance(self) -> int:
        return sum(lot.remaining for lot in self.lots) - self.deficit

    @property
    def earned(self) -> int:
        return sum(lot.credit.points for lot in self.lots)

    @property
    def used(self) -> int:
        return sum(lot.used for lot in self.lots) + self.deficit

    @property
    def expired(self) -> int:
        return sum(lot.expired for lot in self.lots)

    def expiring(self, until: dt.date) -> list[Lot]:
        """Lots with points left that lapse on or before `until`, soonest first."""
        found = [x for x in self.lots if x.remaining > 0 and x.credit.expires_on <= until]
        return sorted(found, key=lambda x: (x.credit.expires_on, x.credit.entry_date))

    def expiring_points(self, until: dt.date) -> int:
        return sum(lot.remaining for lot in self.expiring(until))


def _lapse(open_lots: list[Lot], day: dt.date) -> list[Lot]:
    kept = []
    for lot in open_lots:
        if lot.credit.expires_on <= day:
            lot.expired += lot.remaining
            lot.remaining = 0
        else:
            kept.append(lot)
    return kept


def _draw(open_lots: list[Lot], points: int) -> int:
    """Draw `points` from the oldest lots; returns what could not be drawn."""
    for lot in open_lots:
        if points == 0:
            break
        take = min(lot.remaining, points)
        lot.remaining -= take
        lot.used += take
        points -= take
    return points


def settle(credits: Iterable[Credit], debits: Iterable[Debit], as_of: dt.date) -> Balance:
    """Replay the ledger up to `as_of` (entries after it are ignored)."""
    lots = [
        Lot(c, c.points)
        for c in sorted(credits, key=lambda c: (c.entry_date, c.source, c.ref or ""))
        if c.entry_date <= as_of and c.points > 0
    ]
    draws = sorted((d for d in debits if d.entry_date <= as_of), key=lambda d: d.entry_date)
    days = sorted({x.credit.entry_date for x in lots} | {d.entry_date for d in draws})
    result = Balance(as_of, lots)
    open_lots: list[Lot] = []
    pending = iter(lots)
    waiting = next(pending, None)
    debit_index = 0
    for day in days:
        open_lots = _lapse(open_lots, day)
        while waiting is not None and waiting.credit.entry_date == day:
            if waiting.credit.expires_on > day:
                open_lots.append(waiting)
            else:  # earned already lapsed (an expiry on its own day)
                waiting.expired, waiting.remaining = waiting.remaining, 0
            waiting = next(pending, None)
        if result.deficit:
            result.deficit = _draw(open_lots, result.deficit)
        while debit_index < len(draws) and draws[debit_index].entry_date == day:
            result.deficit += _draw(open_lots, draws[debit_index].points)
            debit_index += 1
        open_lots = [x for x in open_lots if x.remaining > 0]
    _lapse(open_lots, as_of)
    return result

"""The ledger's arithmetic: a redemption draws from the oldest unexpired lots first, a lot
lapses on its expiry day with what is left of it, a cancelled order gives the points back to
the lots they came from, and spending beyond the balance leaves a deficit later awards pay."""

from __future__ import annotations

import datetime as dt

from brokerlens.points import Credit, Debit, expires_on, settle

D = dt.date


def award(day: str, points: int, lapses: str, source: str = "turnover") -> Credit:
    return Credit(D.fromisoformat(day), points, D.fromisoformat(lapses), source)


def spend(day: str, points: int) -> Debit:
    return Debit(D.fromisoformat(day), points, "redemption")


LOTS = [
    award("2025-01-10", 100, "2025-07-10"),  # the oldest, lapses first
    award("2025-02-10", 50, "2027-02-10"),
    award("2025-03-10", 80, "2025-06-01", "anniversary"),  # earned later, lapses sooner
]


def test_a_redemption_draws_from_the_oldest_lot_first() -> None:
    found = settle(LOTS, [spend("2025-04-01", 120)], D(2025, 4, 1))
    assert found.balance == 230 - 120
    assert [lot.remaining for lot in found.lots] == [0, 30, 80]  # by the day earned
    assert [lot.used for lot in found.lots] == [100, 20, 0]
    assert found.used == 120 and found.expired == 0


def test_what_is_left_of_a_lot_lapses_on_its_expiry_day() -> None:
    found = settle(LOTS, [spend("2025-04-01", 120)], D(2025, 7, 10))
    # the anniversary lot lapsed whole on 06-01; the oldest was spent before it lapsed
    assert [lot.expired for lot in found.lots] == [0, 0, 80]
    assert found.balance == 30 and found.expired == 80
    assert settle(LOTS, [spend("2025-04-01", 120)], D(2025, 5, 31)).expired == 0  # the day before


def test_a_lapsed_lot_cannot_be_spent_and_the_next_one_pays() -> None:
    found = settle(LOTS, [spend("2025-08-01", 40)], D(2025, 8, 1))
    assert [lot.expired for lot in found.lots] == [100, 0, 80]
    assert [lot.used for lot in found.lots] == [0, 40, 0]
    assert found.balance == 10


def test_a_lot_earned_and_spent_on_one_day_is_drawn_that_day() -> None:
    found = settle(
        [award("2025-04-01", 10, "2027-04-01")], [spend("2025-04-01", 10)], D(2025, 4, 1)
    )
    assert found.balance == 0 and found.used == 10 and found.deficit == 0


def test_spending_beyond_the_balance_leaves_a_deficit_that_later_awards_pay() -> None:
    lots = [award("2025-01-10", 10, "2027-01-10"), award("2025-03-01", 50, "2027-03-01")]
    found = settle(lots, [spend("2025-02-01", 25)], D(2025, 2, 1))
    assert found.balance == -15 and found.deficit == 15
    later = settle(lots, [spend("2025-02-01", 25)], D(2025, 3, 1))
    assert later.balance == 35 and later.deficit == 0 and later.lots[1].used == 15


def test_entries_after_the_day_are_ignored_and_expiring_lists_the_soonest() -> None:
    found = settle(LOTS, [spend("2025-09-01", 999)], D(2025, 5, 15))
    assert found.balance == 230
    soon = found.expiring(D(2025, 7, 15))
    assert [(lot.credit.expires_on, lot.remaining) for lot in soon] == [
        (D(2025, 6, 1), 80),
        (D(2025, 7, 10), 100),
    ]
    assert found.expiring_points(D(2025, 6, 14)) == 80


def test_expiry_is_months_later_clamped_to_the_month_end() -> None:
    assert expires_on(D(2025, 3, 31), 24) == D(2027, 3, 31)
    assert expires_on(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert expires_on(D(2025, 8, 31), 6) == D(2026, 2, 28)

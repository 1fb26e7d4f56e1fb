"""A customer's points (积分, issue 23 section 1) for the 360, the API and the CLI: the ledger
(the run's awards and the store's entries), the balance, what lapses soon, the history.

The balance is never stored: it is worked out from the ledger each time (`points.fifo`), as of
a day (today in Beijing unless asked). A customer outside the reader's scope answers as an
unknown one (404). Every read is audited `points_view` with the customer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.records import beijing_date, utc_now
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal, customer_reader
from brokerlens.config import Settings
from brokerlens.points import Balance, Credit, Debit, settle
from brokerlens.points.rules import RuleSet, load_rules
from brokerlens.store.points_schema import points_entries, points_items, points_orders
from brokerlens.warehouse.query import customer_rows
from brokerlens.warehouse.served import kept_dates, kept_file

EXPIRING_DAYS = 30  # "expiring soon" on the 360: lapsing within this many days
HISTORY_LIMIT = 100
ADJUSTMENT = "adjustment"
REDEMPTION = "redemption"


@dataclass(frozen=True)
class LedgerEntry:
    """One line of a customer's ledger, as the 360 and `points_ledger` show it."""

    customer_id: str
    entry_date: dt.date
    source: str  # the rule id, 'adjustment' or 'redemption'
    kind: str  # award, adjustment, redemption, return
    points: int  # signed
    expires_on: dt.date | None
    branch_id: str | None
    ref: str | None = None  # the award's ref, the order or approval request
    note: str | None = None  # the reason of an adjustment, the item of an order
    order_id: int | None = None
    cancelled: bool = False  # an order's redemption or return, the order since cancelled
    seq: int = 0  # a store entry's id: the order entries of a day were made in


@dataclass(frozen=True)
class Expiring:
    expires_on: dt.date
    points: int


@dataclass(frozen=True)
class CustomerPoints:
    customer_id: str
    name: str | None
    branch_id: str | None
    as_of: dt.date
    balance: int
    earned: int
    used: int
    expired: int
    expiring: int  # points lapsing within EXPIRING_DAYS
    expiring_lots: list[Expiring]
    entries: list[LedgerEntry]  # newest first, at most HISTORY_LIMIT
    entry_count: int


def today_in_beijing(now: dt.datetime | None = None) -> dt.date:
    return beijing_date(utc_now(now))


# --- the ledger ------------------------------------------------------------------------------


def award_files(settings: Settings) -> list[Any]:
    """Every kept day's awards file, oldest first."""
    found = (kept_file(settings, "points_awards", d) for d in kept_dates(settings, "points_awards"))
    return [f for f in found if f is not None]


def _award_entries(settings: Settings, customer_id: str) -> list[LedgerEntry]:
    rows = customer_rows(award_files(settings), customer_id, "entry_date, rule_id, ref")
    return [
        LedgerEntry(
            customer_id=customer_id,
            entry_date=r["entry_date"],
            source=str(r["rule_id"]),
            kind="award",
            points=int(r["points"]),
            expires_on=r["expires_on"],
            branch_id=r["branch_id"],
            ref=r["ref"],
        )
        for r in rows
    ]


def store_entries(
    connection: sa.Connection, customer_ids: Sequence[str] | None = None
) -> list[LedgerEntry]:
    """The store's entries (of some customers, or all), each with its order's state."""
    e, o, i = points_entries.c, points_orders.c, points_items.c
    query = (
        sa.select(
            e.entry_id,
            e.customer_id,
            e.entry_date,
            e.kind,
            e.points,
            e.expires_on,
            e.branch_id,
            e.order_id,
            e.request_id,
            e.reason,
            o.status,
            i.name_zh,
        )
        .select_from(
            points_entries.outerjoin(points_orders, o.order_id == e.order_id).outerjoin(
                points_items, i.item_id == o.item_id
            )
        )
        .order_by(e.entry_date, e.entry_id)
    )
    if customer_ids is not None:
        query = query.where(e.customer_id.in_(list(customer_ids)))
    return [_store_entry(r) for r in connection.execute(query).mappings()]


def _store_entry(row: Any) -> LedgerEntry:
    kind = str(row["kind"])
    order = row["order_id"]
    ref = f"#{order}" if order is not None else None
    if row["request_id"] is not None:
        ref = f"#{row['request_id']}"
    return LedgerEntry(
        customer_id=str(row["customer_id"]),
        entry_date=row["entry_date"],
        source=ADJUSTMENT if kind == ADJUSTMENT else REDEMPTION,
        kind=kind,
        points=int(row["points"]),
        expires_on=row["expires_on"],
        branch_id=row["branch_id"],
        ref=ref,
        note=row["reason"] if kind == ADJUSTMENT else row["name_zh"],
        order_id=order,
        cancelled=row["status"] == "cancelled",
        seq=int(row["entry_id"]),
    )


def credits_and_debits(entries: Iterable[LedgerEntry]) -> tuple[list[Credit], list[Debit]]:
    """The FIFO's input: awards and positive adjustments are lots; redemptions and negative
    adjustments draw. A cancelled order's redemption and return are left out (the points go
    back to their lots)."""
    credits: list[Credit] = []
    debits: list[Debit] = []
    for x in entries:
        if x.cancelled:
            continue
        if x.points > 0 and x.kind in ("award", ADJUSTMENT) and x.expires_on is not None:
            credits.append(Credit(x.entry_date, x.points, x.expires_on, x.source, x.branch_id))
        elif x.points < 0:
            debits.append(Debit(x.entry_date, -x.points, x.source, x.branch_id))
    return credits, debits


def ledger_of(settings: Settings, connection: sa.Connection, customer_id: str) -> list[LedgerEntry]:
    """The customer's whole ledger, oldest first (on a day the awards, then the store's
    entries in the order they were made)."""
    found = [*_award_entries(settings, customer_id), *store_entries(connection, [customer_id])]
    return sorted(found, key=lambda x: (x.entry_date, x.kind != "award", x.seq))


def balance_of(entries: Iterable[LedgerEntry], as_of: dt.date) -> Balance:
    credits, debits = credits_and_debits(entries)
    return settle(credits, debits, as_of)


# --- reading ----------------------------------------------------------------------------------


def customer_points(
    settings: Settings,
    db: sa.Engine,
    principal: Principal,
    customer_id: str,
    *,
    as_of: dt.date | None = None,
) -> CustomerPoints:
    """The customer's balance, what lapses within 30 days and the ledger (newest first), as
    of `as_of` (default today). Out of scope: NotFound. Audited `points_view`."""
    customer_reader(principal)
    day = as_of or today_in_beijing()
    with db.begin() as connection:
        row = scoped_row(connection, principal, served_snapshot_on(connection), customer_id)
        entries = [x for x in ledger_of(settings, connection, customer_id) if x.entry_date <= day]
        record_audit(
            connection, principal, "points_view", [customer_id], {"as_of": day.isoformat()}
        )
    found = balance_of(entries, day)
    until = day + dt.timedelta(days=EXPIRING_DAYS)
    soon: dict[dt.date, int] = {}
    for lot in found.expiring(until):
        soon[lot.credit.expires_on] = soon.get(lot.credit.expires_on, 0) + lot.remaining
    return CustomerPoints(
        customer_id=customer_id,
        name=row.get("name"),
        branch_id=row.get("branch_id"),
        as_of=day,
        balance=found.balance,
        earned=found.earned,
        used=found.used,
        expired=found.expired,
        expiring=sum(soon.values()),
        expiring_lots=[Expiring(k, v) for k, v in sorted(soon.items())],
        entries=list(reversed(entries))[:HISTORY_LIMIT],
        entry_count=len(entries),
    )


def rule_names(settings: Settings) -> dict[str, dict[str, str]]:
    """Each rule id's names (zh, en), for the history's source column."""
    rules: RuleSet = load_rules(settings)
    return rules.names()

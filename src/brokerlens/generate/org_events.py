"""Organisation events of issue 19: team leads who leave with reports (their reports move to a
successor) and brokers who transfer to another branch, with or without their book.

They draw from their own random stream (`Streams.get("org_events", t)`), never from the day's
stream, so a seed's data stay as they were wherever these events do not reach: what they touch
is the staff rows of the people involved, the relationships of a book left behind and the staff
ids of later new hires (a successor is hired).
A transferred broker stays in the draw of the branch they were hired into (`Org.staff_branch`
does not change: new customers of that branch may still be given to them): taking them out
would move every later draw of the two branches. Each event is recorded in
`_ground_truth/org_events.parquet` (ORG_EVENTS_SCHEMA).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from brokerlens.generate.org import BROKER, TEAM_LEAD, Org
from brokerlens.generate.relations import Relations, reassign
from brokerlens.generate.tables import NULL_INT

LEAD_LEAVES_P = 0.001  # a day, per team lead with reports
TRANSFER_P = 0.0004  # a day, per broker (in a firm of more than one branch)
WITH_BOOK_P = 0.7  # a transfer takes the broker's customers along

ORG_EVENTS_SCHEMA = pa.schema(
    [
        ("biz_date", pa.date32()),
        # team_lead_left | transfer_with_book | transfer_without_book
        ("event", pa.string()),
        ("staff_id", pa.string()),
        ("successor_id", pa.string()),  # the new team lead; NULL for a transfer
        ("from_unit_id", pa.string()),
        ("to_unit_id", pa.string()),  # the unit joined (a transfer); the same team for a lead
        ("reports_moved", pa.int64()),  # reports moved to the successor
        ("customers", pa.int64()),  # live relationships kept (with book) or handed over
    ]
)


@dataclass
class OrgEvents:
    """What happened so far, for the ground truth."""

    rows: list[dict[str, object]] = field(default_factory=list)

    def table(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows, schema=ORG_EVENTS_SCHEMA)


def _sid(index: int) -> str:
    return f"S{index:06d}"


def _uid(index: int) -> str:
    return f"U{index:05d}"


def leads_leave(
    org: Org,
    rel: Relations,
    opened: np.ndarray,
    closed: np.ndarray,
    biz: int,
    rng: np.random.Generator,
    events: OrgEvents,
    day: object,
) -> tuple[list[int], list[np.ndarray]]:
    """Team leads with reports leave; a successor is hired into the team, the reports move
    under them, and so do the customers the lead held (books left by transfers). Returns the
    staff rows changed and the relationship rows touched."""
    leads = np.flatnonzero((org.staff_position == TEAM_LEAD) & (org.staff_leave == NULL_INT))
    leaving = leads[rng.random(len(leads)) < LEAD_LEAVES_P]
    changed: list[int] = []
    touched: list[np.ndarray] = []
    for lead in leaving.tolist():
        reports = np.flatnonzero((org.staff_manager == lead) & (org.staff_leave == NULL_INT))
        if not len(reports):
            continue
        org.staff_leave[lead] = biz
        successor = org.hire(lead, biz)
        org.staff_manager[reports] = successor
        changed += [lead, successor, *reports.tolist()]
        held = np.flatnonzero((rel.staff == lead) & (rel.end == NULL_INT))
        held = held[~closed[rel.cust[held]]]
        touched.append(hand_over(rel, held, np.full(len(held), successor), opened, biz))
        events.rows.append(
            {
                "biz_date": day,
                "event": "team_lead_left",
                "staff_id": _sid(lead),
                "successor_id": _sid(successor),
                "from_unit_id": _uid(int(org.staff_unit[lead])),
                "to_unit_id": _uid(int(org.staff_unit[lead])),
                "reports_moved": len(reports),
                "customers": len(held),
            }
        )
    return changed, touched


def transfers(
    org: Org,
    rel: Relations,
    opened: np.ndarray,
    closed: np.ndarray,
    biz: int,
    rng: np.random.Generator,
    events: OrgEvents,
    day: object,
) -> tuple[list[int], list[np.ndarray]]:
    """Brokers move to a team of another branch, under its lead; most keep their customers
    (WITH_BOOK_P), the others' live relationships stay in the branch with their former team
    lead. Returns the staff rows changed and the relationship rows touched."""
    if len(org.branch_units) < 2:
        return [], []
    brokers = np.flatnonzero((org.staff_position == BROKER) & (org.staff_leave == NULL_INT))
    moving = brokers[rng.random(len(brokers)) < TRANSFER_P]
    changed: list[int] = []
    touched: list[np.ndarray] = []
    for broker in moving.tolist():
        old_branch = int(org.staff_branch[broker])
        leads = np.flatnonzero(
            (org.staff_position == TEAM_LEAD)
            & (org.staff_leave == NULL_INT)
            & (org.staff_branch != old_branch)
            & (org.staff_branch >= 0)
        )
        if not len(leads):
            continue
        lead = int(leads[rng.integers(0, len(leads))])
        with_book = bool(rng.random() < WITH_BOOK_P)
        old_unit = int(org.staff_unit[broker])
        live = np.flatnonzero((rel.staff == broker) & (rel.end == NULL_INT))
        live = live[~closed[rel.cust[live]]]
        old_lead = int(org.staff_manager[broker])
        org.staff_unit[broker] = org.staff_unit[lead]  # staff_branch stays: see the docstring
        org.staff_manager[broker] = lead
        changed.append(broker)
        if not with_book and len(live):
            # the book stays in the branch with the broker's former team lead (who hands it on
            # to their successor if they leave)
            if old_lead < 0 or org.staff_leave[old_lead] != NULL_INT:
                old_lead = broker
            target = np.full(len(live), old_lead)
            keep = _no_second_row(rel, live, target) & (target != broker)
            touched.append(hand_over(rel, live[keep], target[keep], opened, biz))
            live = live[keep]
        events.rows.append(
            {
                "biz_date": day,
                "event": "transfer_with_book" if with_book else "transfer_without_book",
                "staff_id": _sid(broker),
                "successor_id": None,
                "from_unit_id": _uid(old_unit),
                "to_unit_id": _uid(int(org.staff_unit[lead])),
                "reports_moved": 0,
                "customers": len(live),  # kept (with book) or left behind
            }
        )
    return changed, touched


def hand_over(
    rel: Relations, rows: np.ndarray, targets: np.ndarray, opened: np.ndarray, biz: int
) -> np.ndarray:
    """Give the rows to `targets` from `biz`: ended and started anew for customers already
    delivered, changed in place for customers whose account opens later (their rows are not
    delivered yet), as the departures in simulate.py do. Returns the rows to deliver."""
    seen = opened[rel.cust[rows]]
    rel.staff[rows[~seen]] = targets[~seen]
    return reassign(rel, rows[seen], targets[seen], biz)


def _no_second_row(rel: Relations, live: np.ndarray, target: np.ndarray) -> np.ndarray:
    """False where the colleague already holds that role for the customer (a shared developer):
    such a relationship stays with the broker rather than make a second row of one key."""
    other = np.flatnonzero(np.isin(rel.cust, rel.cust[live]) & (rel.end == NULL_INT))
    held = set(
        zip(
            rel.cust[other].tolist(),
            rel.role[other].tolist(),
            rel.staff[other].tolist(),
            strict=True,
        )
    )
    return np.array(
        [
            (c, r, s) not in held
            for c, r, s in zip(
                rel.cust[live].tolist(), rel.role[live].tolist(), target.tolist(), strict=True
            )
        ],
        bool,
    )

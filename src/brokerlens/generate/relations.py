"""Who serves whom: developer / servicer / advisor relationships with commission shares."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from brokerlens.generate.org import ADVISOR, BROKER, Org
from brokerlens.generate.tables import NULL_INT, build, ids, labels

ROLES = ("developer", "servicer", "advisor")


class Relations:
    """A growing table of relationship rows; `current[role]` points at each customer's live row."""

    def __init__(self, n: int) -> None:
        self.cust = np.zeros(0, np.int64)
        self.staff = np.zeros(0, np.int64)
        self.role = np.zeros(0, np.int64)
        self.start = np.zeros(0, np.int64)
        self.end = np.zeros(0, np.int64)
        self.share = np.zeros(0, np.float64)
        self.current = np.full((n, 4), -1, np.int64)  # developer, servicer, advisor, 2nd developer

    def append(
        self, cust: np.ndarray, staff: np.ndarray, role: int, start: np.ndarray, share: np.ndarray
    ) -> np.ndarray:
        first = len(self.cust)
        self.cust = np.concatenate([self.cust, cust])
        self.staff = np.concatenate([self.staff, staff])
        self.role = np.concatenate([self.role, np.full(len(cust), role)])
        self.start = np.concatenate([self.start, start])
        self.end = np.concatenate([self.end, np.full(len(cust), NULL_INT)])
        self.share = np.concatenate([self.share, share])
        return np.arange(first, first + len(cust))

    def table(self, rows: np.ndarray) -> pa.Table:
        return build(
            "relationships",
            {
                "customer_id": ids("C", self.cust[rows], 9),
                "staff_id": ids("S", self.staff[rows], 6),
                "role": labels(ROLES, self.role[rows]),
                "start_date": self.start[rows],
                "end_date": self.end[rows],
                "share_pct": self.share[rows],
            },
        )


def staff_in_branch(
    org: Org, branch: np.ndarray, position: int, rng: np.random.Generator
) -> np.ndarray:
    """A random active staff member of the position in each given branch."""
    staff = np.flatnonzero((org.staff_position == position) & (org.staff_leave == NULL_INT))
    staff = staff[np.argsort(org.staff_branch[staff], kind="stable")]
    nb = len(org.branch_units)
    start = np.searchsorted(org.staff_branch[staff], np.arange(nb))
    count = np.searchsorted(org.staff_branch[staff], np.arange(nb), side="right") - start
    count_b = count[branch]
    pick = start[branch] + (rng.random(len(branch)) * np.maximum(count_b, 1)).astype(np.int64)
    pick = np.minimum(pick, len(staff) - 1)
    return staff[pick]


def initial(
    rel: Relations,
    org: Org,
    branch: np.ndarray,
    open_day: np.ndarray,
    advisory: np.ndarray,
    rng: np.random.Generator,
) -> None:
    n = len(branch)
    cust = np.arange(n)
    dev = staff_in_branch(org, branch, BROKER, rng)
    two = rng.random(n) < 0.1
    dev2_all = staff_in_branch(org, branch, BROKER, rng)
    two &= dev2_all != dev
    share = np.where(two, 60.0, 100.0)
    rel.current[:, 0] = rel.append(cust, dev, 0, open_day, share)
    c2 = cust[two]
    dev2 = dev2_all[two]
    rel.current[c2, 3] = rel.append(c2, dev2, 0, open_day[two], np.full(len(c2), 40.0))
    same = rng.random(n) < 0.7
    serv = np.where(same, dev, staff_in_branch(org, branch, BROKER, rng))
    rel.current[:, 1] = rel.append(cust, serv, 1, open_day, np.full(n, 100.0))
    ca = np.flatnonzero(advisory)
    adv = staff_in_branch(org, branch[ca], ADVISOR, rng)
    rel.current[ca, 2] = rel.append(ca, adv, 2, open_day[ca], np.full(len(ca), 100.0))


def reassign(rel: Relations, rows: np.ndarray, new_staff: np.ndarray, day: int) -> np.ndarray:
    """End the rows today; start the same role and share with new staff. Returns touched rows."""
    if len(rows) == 0:
        return rows
    rel.end[rows] = day
    out = []
    for role in np.unique(rel.role[rows]).tolist():
        sel = rel.role[rows] == role
        r = rows[sel]
        new = rel.append(rel.cust[r], new_staff[sel], role, np.full(len(r), day), rel.share[r])
        slot = np.where(r == rel.current[rel.cust[r], 3], 3, role)
        rel.current[rel.cust[r], slot] = new
        out.append(new)
    return np.concatenate([rows, *out])

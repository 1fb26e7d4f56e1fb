"""Bank-securities transfers (银证转账): deposits, salary-like inflows, withdrawals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerlens.generate import names as nm
from brokerlens.generate.state import State
from brokerlens.generate.tables import build, ids, labels

TRANSFER_CHANNELS = ("bank_app", "securities_app", "counter", "phone")


@dataclass
class Transfers:
    cust: np.ndarray
    direction: np.ndarray  # 0 in, 1 out
    amount: np.ndarray  # cents, > 0

    @staticmethod
    def concat(parts: list[Transfers]) -> Transfers:
        if not parts:
            z = np.zeros(0, np.int64)
            return Transfers(z, z, z)
        return Transfers(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("cust", "direction", "amount")
            )
        )


def deposit(s: State, cust: np.ndarray, amount: np.ndarray) -> Transfers:
    ok = amount > 0
    cust, amount = cust[ok], amount[ok]
    np.add.at(s.cash, cust, amount)
    np.add.at(s.netflow, cust, amount)
    return Transfers(cust, np.zeros(len(cust), np.int64), amount)


def withdraw(s: State, cust: np.ndarray, share: np.ndarray) -> Transfers:
    """Withdraw a share of available cash (whole yuan); share 1 takes everything available."""
    cust, first = np.unique(cust, return_index=True)
    share = share[first]
    avail = s.cash[cust] - s.frozen[cust]
    amount = np.where(share >= 1, avail, (avail * share).astype(np.int64) // 100 * 100)
    ok = amount > 0
    cust, amount = cust[ok], amount[ok]
    s.cash[cust] -= amount
    s.netflow[cust] -= amount
    return Transfers(cust, np.ones(len(cust), np.int64), amount)


def table(biz: int, day_tag: str, tr: Transfers, rng: np.random.Generator) -> pa.Table:
    n = len(tr.cust)
    return build(
        "fund_transfers",
        {
            "biz_date": np.full(n, biz),
            "transfer_id": ids(f"F{day_tag}", np.arange(n), 7),
            "customer_id": ids("C", tr.cust, 9),
            "direction": labels(["out", "in"], tr.direction == 0),
            "amount": tr.amount,
            "bank": labels(nm.BANKS, tr.cust % len(nm.BANKS)),
            "channel": labels(TRANSFER_CHANNELS, rng.integers(0, 4, n)),
        },
    )

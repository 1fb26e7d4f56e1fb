"""The complaints bench's seeded complaints: the same seed the same rows, all of the year, ids
of their own, closed ones never escalated within their SLA."""

from __future__ import annotations

import datetime as dt
from typing import Any

from brokerlens.bench.complaints_setup import make_rows

CUSTOMERS = [(f"C{i:03d}", f"B{i % 3}") for i in range(50)]


def _drawn(seed: int) -> list[dict[str, Any]]:
    rows = make_rows(CUSTOMERS, 500, 2025, seed)
    return [{k: v for k, v in r.items() if k not in ("created_at", "updated_at")} for r in rows]


def test_the_same_seed_makes_the_same_complaints_of_the_year() -> None:
    rows = _drawn(7)
    assert rows == _drawn(7)
    assert rows != _drawn(8)
    assert len({r["complaint_id"] for r in rows}) == 500
    assert all(r["complaint_id"].startswith("B") for r in rows)
    assert all(dt.date(2025, 1, 1) <= r["opened"] <= dt.date(2025, 12, 31) for r in rows)
    closed = [r for r in rows if r["closed"] is not None]
    assert 0.75 < len(closed) / len(rows) < 0.95 and all(r["status"] == "closed" for r in closed)
    assert all(r["escalation"] == 0 for r in closed if r["closed"] <= r["sla_due"])

"""`python -m brokerlens.bench.complaints_setup --home HOME --complaints N`: the bench's complaints
(issue 18): N complaints with a seed, spread over the year of the served date and over the
served customers (their ids and branches from the published profile), most closed within or
after their SLA, some with the customer's satisfaction, some escalated. Inserted straight into
the store's `complaints` (a generated brokerage's feed holds few complaints a year); the year
goes to `<workdir>/complaints.json` for the summary stage."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from brokerlens.access import served_snapshot
from brokerlens.compliance.complaints.config import load_config
from brokerlens.config import load_settings
from brokerlens.console import console
from brokerlens.store import open_store
from brokerlens.store.compliance_schema import complaints

BENCH_COMPLAINTS_FILE = "complaints.json"
BATCH = 5_000
PREFIX = "B"  # the bench's ids: B + 9 digits (neither the feed's K nor the workbench's W)


def _customers(db: sa.Engine) -> list[tuple[str, str | None]]:
    table = served_snapshot(db).table
    with db.connect() as connection:
        rows = connection.execute(sa.select(table.c.customer_id, table.c.branch_id)).all()
    return [(str(c), None if b is None else str(b)) for c, b in rows]


def make_rows(
    customers: list[tuple[str, str | None]], n: int, year: int, seed: int
) -> list[dict[str, Any]]:
    """N complaints of `year` over the customers, the same for the same seed."""
    config = load_config()
    categories = config.categories or ["其他"]
    draw = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    first = dt.date(year, 1, 1)
    rows = []
    for k in range(n):
        customer_id, branch_id = customers[draw.randrange(len(customers))]
        category = draw.choice(categories)
        opened = first + dt.timedelta(days=draw.randrange(365))
        sla_due = config.sla_due(category, opened)
        closed = opened + dt.timedelta(days=draw.randrange(25)) if draw.random() < 0.85 else None
        rows.append(
            {
                "complaint_id": f"{PREFIX}{k + 1:09d}",
                "customer_id": customer_id,
                "branch_id": branch_id,
                "source": "feed",
                "category": category,
                "opened": opened,
                "status": "closed" if closed else "processing",
                "sla_due": sla_due,
                "escalation": draw.choice((0, 0, 0, 1, 2)) if not closed or closed > sla_due else 0,
                "closed": closed,
                "satisfaction": draw.randint(1, 5) if closed and draw.random() < 0.6 else None,
                "created_by": "bench",
                "created_at": now,
                "updated_at": now,
                "keep_until": dt.date(year + 4, 12, 31),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.complaints_setup")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--year", type=int, default=None, help="default: the served date's")
    args = parser.parse_args(argv)
    db = open_store(load_settings(home=args.home))
    year = args.year or served_snapshot(db).as_of_date.year
    with db.connect() as connection:
        have = connection.execute(
            sa.select(sa.func.count()).where(complaints.c.created_by == "bench")
        ).scalar_one()
    if have < args.complaints:  # a re-run keeps the ones already there
        rows = make_rows(_customers(db), args.complaints, year, args.seed)[have:]
        for start in range(0, len(rows), BATCH):
            with db.begin() as connection:
                connection.execute(complaints.insert(), rows[start : start + BATCH])
    if db.dialect.name == "postgresql":  # as publish does after a big load (a fresh table)
        with db.begin() as connection:
            connection.exec_driver_sql("ANALYZE complaints")
    (args.home.parent / BENCH_COMPLAINTS_FILE).write_text(
        json.dumps({"year": year, "complaints": args.complaints}), encoding="utf-8"
    )
    console.print(f"{args.complaints:,} bench complaints of {year} in the store", markup=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

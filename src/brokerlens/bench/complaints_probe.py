"""`python -m brokerlens.bench.complaints_probe --home HOME --year Y`: the annual complaint
summary timed in the process, as head-office compliance (every branch) and as the manager of the
branch with most complaints, and its export; prints the seconds of each (the stage's own time
includes starting Python)."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import sqlalchemy as sa

from brokerlens.access.complaint_summary import complaint_summary, write_summary
from brokerlens.access.exports import CsvText
from brokerlens.auth import get_user, principal_of
from brokerlens.auth.principal import Principal, Role
from brokerlens.bench.serve_probe import ensure_bench_user
from brokerlens.config import load_settings
from brokerlens.console import console
from brokerlens.store import open_store
from brokerlens.store.compliance_schema import complaints

BENCH_COMPLIANCE = "bench_compliance"


def _busiest_branch(db: sa.Engine, year: int) -> str | None:
    with db.connect() as connection:
        found = connection.execute(
            sa.select(complaints.c.branch_id, sa.func.count().label("n"))
            .where(complaints.c.opened.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
            .group_by(complaints.c.branch_id)
            .order_by(sa.desc("n"))
            .limit(1)
        ).first()
    return None if found is None else found.branch_id


def _timed(label: str, call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    console.print(f"{label}: {seconds:.2f} s", markup=False)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.complaints_probe")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--year", type=int, required=True)
    args = parser.parse_args(argv)
    db = open_store(load_settings(home=args.home))
    ensure_bench_user(args.home, BENCH_COMPLIANCE, Role.COMPLIANCE)
    compliance = principal_of(get_user(db, BENCH_COMPLIANCE))
    branch = _busiest_branch(db, args.year)
    # the branch's manager as the service sees one (scope and permissions; audited by name)
    manager = Principal(
        user_id=compliance.user_id,
        username=BENCH_COMPLIANCE,
        display_name="bench",
        role=Role.BRANCH_MANAGER,
        unit_id=branch,
    )
    found = complaint_summary(db, compliance, args.year)
    console.print(
        f"{found.total.opened:,} complaints opened in {args.year}, {len(found.rows)} rows",
        markup=False,
    )
    worst = max(
        _timed("summary, every branch", lambda: complaint_summary(db, compliance, args.year)),
        _timed(f"summary, branch {branch}", lambda: complaint_summary(db, manager, args.year)),
        _timed("export", lambda: write_summary(db, compliance, args.year, CsvText())),
    )
    console.print(f"slowest: {worst:.2f} s (target <= 5 s)", markup=False)
    return 0 if worst <= 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())

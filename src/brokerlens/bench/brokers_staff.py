"""Bench suite `brokers`, part E (issue 19): the staff book and broker risk run steps, then the
staff page served over HTTP.

Both stages run over the home of the suite's earlier stages (or any home that was run and
published: `brokerlens bench --suite brokers --workdir W --from-stage "staff book + broker
risk"`), running only the steps they need through `pipeline.single.run_single_step`:
- `staff book + broker risk`: the relationship ledger of T when the home has none, then the
  steps "staff book" and "broker risk"; prints the seconds and rows of each.
- `staff_page`: `brokerlens serve` on a free port, an HQ bench user, then for random staff with a
  book: GET /staff/{id} and its two slots of part E (/staff/{id}/book, /staff/{id}/risk, as htmx
  asks them) -> p50/p95/p99 of each and of the three together (a page view). Target at
  3,000,000 customers: p95 <= 300 ms.

Run as `python -m brokerlens.bench.brokers_staff steps|probe --home HOME`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import duckdb
import httpx

from brokerlens.bench.harness import BenchPlan, Stage, register_stage
from brokerlens.bench.serve_probe import (
    _free_port,
    _percentiles,
    _server,
    _sign_in,
    ensure_bench_user,
)
from brokerlens.config import load_settings
from brokerlens.pipeline.single import run_single_step
from brokerlens.warehouse.served import kept_file, newest_date, parquet_source

STEPS = ("staff book", "broker risk")
PAGE_VIEWS = 200
MAX_STAFF = 500


def _home(plan: BenchPlan) -> str:
    return str(plan.workdir / "home")


def _steps(plan: BenchPlan) -> list[str]:
    return [sys.executable, "-m", "brokerlens.bench.brokers_staff", "steps", "--home", _home(plan)]


def _probe(plan: BenchPlan) -> list[str]:
    return [sys.executable, "-m", "brokerlens.bench.brokers_staff", "probe", "--home", _home(plan)]


def run_steps(home: Path) -> str:
    settings = load_settings(home=home)
    parts = []
    if newest_date(settings, "ledger") is None:
        _, outcome = run_single_step(settings, "relationship ledger")
        parts.append(f"ledger {outcome.seconds:.1f} s")
    for name in STEPS:
        _, outcome = run_single_step(settings, name)
        parts.append(f"{name} {outcome.seconds:.1f} s ({outcome.result.rows or 0:,} rows)")
    return "; ".join(parts)


def staff_with_books(home: Path, seed: int) -> list[str]:
    """Up to MAX_STAFF staff members with customers in the newest kept book, drawn at random."""
    settings = load_settings(home=home)
    day = newest_date(settings, "staff_book")
    path = kept_file(settings, "staff_book", day) if day else None
    if path is None:
        return []
    found = (
        duckdb.connect(":memory:")
        .execute(
            f"SELECT DISTINCT scope_id FROM {parquet_source(path)} "
            "WHERE scope_kind = 'staff' AND section = 'tier' ORDER BY scope_id"
        )
        .fetchall()
    )
    ids = [str(r[0]) for r in found]
    random.Random(seed).shuffle(ids)
    return ids[:MAX_STAFF]


def page_views(base: str, cookies: dict[str, str], staff: list[str], n: int, seed: int) -> str:
    rng = random.Random(seed)
    parts: dict[str, list[float]] = {"page": [], "book": [], "risk": [], "view": []}
    errors = 0
    slot = {"HX-Request": "true"}
    with httpx.Client(base_url=base, cookies=cookies, timeout=60) as client:
        client.get(f"/staff/{staff[0]}")  # warm the worker once, as a first click would
        for _ in range(n):
            who = rng.choice(staff)
            view = 0.0
            for part, path, headers in (
                ("page", f"/staff/{who}", {}),
                ("book", f"/staff/{who}/book", slot),
                ("risk", f"/staff/{who}/risk", slot),
            ):
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                took = time.perf_counter() - started
                errors += response.status_code != 200
                parts[part].append(took)
                view += took
            parts["view"].append(view)
    line = "; ".join(f"{k} {_percentiles(v)}" for k, v in parts.items())
    return f"staff_page: {n} page views of {len(staff)} staff, {errors} errors; {line}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.brokers_staff")
    parser.add_argument("what", choices=["steps", "probe"])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--views", type=int, default=PAGE_VIEWS)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.what == "steps":
        sys.stdout.write(run_steps(args.home) + "\n")
        return 0
    staff = staff_with_books(args.home, args.seed)
    if not staff:
        sys.stdout.write("staff_page: no staff book kept (run the steps first)\n")
        return 1
    password = ensure_bench_user(args.home)
    with _server(args.home, _free_port(), 2) as base:
        cookies, _ = _sign_in(base, password)
        line = page_views(base, cookies, staff, args.views, args.seed)
    sys.stdout.write(line + "\n")
    return 1 if " 0 errors" not in line else 0


for stage in (
    Stage("staff book + broker risk", _steps),
    Stage("staff_page", _probe, "3M: p95 <= 300 ms"),
):
    register_stage("brokers", stage)


if __name__ == "__main__":
    raise SystemExit(main())

"""Bench suite `serve`: the serving side at scale.

The generated brokerage is loaded and computed without publishing, then `publish` is timed on
its own (profile table, reference data, changes, trend, flip), into the home's SQLite store and
into a fresh PostgreSQL database (BROKERLENS_BENCH_DATABASE_URL, default `brokerlens_bench` on
127.0.0.1:5432). Then the probes of `serve_probe` time real HTTP requests against
`brokerlens serve` over each store: the customer 360, a filtered sorted list page, a segment
count, and a mixed load at 200 requests/s for 60 s, on a fresh server and after a warm-up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage

PG_URL = os.environ.get(
    "BROKERLENS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/brokerlens_bench"
)
# Drop and create the bench's PostgreSQL database, so each bench starts from an empty store.
FRESH_DATABASE = (
    "import sys, sqlalchemy as sa; url = sa.make_url(sys.argv[1]);"
    "admin = sa.create_engine(url.set(database='postgres'), isolation_level='AUTOCOMMIT');"
    "c = admin.connect(); c.execute(sa.text(f'DROP DATABASE IF EXISTS \"{url.database}\"'));"
    "c.execute(sa.text(f'CREATE DATABASE \"{url.database}\"')); c.close()"
)


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _run(plan: BenchPlan) -> list[str]:
    return cli(plan, "run", "--no-publish")


def _publish(plan: BenchPlan) -> list[str]:
    return cli(plan, "publish")


def _fresh_database(plan: BenchPlan) -> list[str]:
    return [sys.executable, "-c", FRESH_DATABASE, PG_URL]


def _on_postgres(argv: list[str]) -> list[str]:
    return ["env", f"BROKERLENS_DATABASE_URL={PG_URL}", *argv]


def _publish_postgres(plan: BenchPlan) -> list[str]:
    return _on_postgres(cli(plan, "publish"))


def _probe(probe: str, postgres: bool = False, *extra: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        argv = [sys.executable, "-m", "brokerlens.bench.serve_probe", probe, *extra]
        argv += ["--home", str(plan.workdir / "home")]
        return _on_postgres(argv) if postgres else argv

    return command


# A server just started answers every list query cold; one that has worked a minute (uncounted,
# at 50 requests/s) has its answers kept. Both are timed.
_WARM = ("--warm-up", "60")

for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run --no-publish", _run),
    Stage("publish", _publish, "3M <= 120 s"),
    Stage("360 API (SQLite)", _probe("360"), "p95 <= 100 ms"),
    Stage("list page (SQLite)", _probe("list"), "3 conditions, sorted: p95 <= 300 ms"),
    Stage("segment count (SQLite)", _probe("count"), "<= 1 s"),
    Stage("load, fresh server (SQLite)", _probe("load"), "200 req/s x 60 s: p99 <= 500 ms"),
    Stage("load, after warm-up (SQLite)", _probe("load", False, *_WARM), "p99 <= 500 ms"),
    Stage("fresh PostgreSQL database", _fresh_database),
    Stage("publish (PostgreSQL)", _publish_postgres, "3M <= 120 s"),
    Stage("360 API (PostgreSQL)", _probe("360", True), "p95 <= 100 ms"),
    Stage("list page (PostgreSQL)", _probe("list", True), "3 conditions, sorted: p95 <= 300 ms"),
    Stage("segment count (PostgreSQL)", _probe("count", True), "<= 1 s"),
    Stage("load, fresh server (PostgreSQL)", _probe("load", True), "200/s x 60 s: p99 <= 500 ms"),
    Stage("load, after warm-up (PostgreSQL)", _probe("load", True, *_WARM), "p99 <= 500 ms"),
):
    register_stage("serve", stage)

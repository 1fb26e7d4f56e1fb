"""Bench suite `kb`: the knowledge base's search over 10,000 articles (issue 23 section 2:
<= 200 ms), on the home's SQLite store and on a fresh PostgreSQL database
(BROKERLENS_BENCH_KB_DATABASE_URL, default `brokerlens_bench_kb` on 127.0.0.1:5432).

No brokerage is generated: `kb_probe setup` puts 10,000 seeded Chinese articles in each store
(with a small organisation for their audiences), `kb_probe search` times the searches a reader
makes (`brokerlens bench --suite kb`; `--seed` seeds the articles).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from brokerlens.bench.harness import BenchPlan, Stage, register_stage
from brokerlens.bench.serve import FRESH_DATABASE

ARTICLES = 10_000
PG_URL = os.environ.get(
    "BROKERLENS_BENCH_KB_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/brokerlens_bench_kb",
)


def _probe(step: str, postgres: bool) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        home = plan.workdir / ("home-pg" if postgres else "home")
        argv = [sys.executable, "-m", "brokerlens.bench.kb_probe", step, "--home", str(home)]
        if step == "setup":
            argv += ["--articles", str(ARTICLES), "--seed", str(plan.seed)]
        return ["env", f"BROKERLENS_DATABASE_URL={PG_URL}", *argv] if postgres else argv

    return command


def _fresh_database(plan: BenchPlan) -> list[str]:
    return [sys.executable, "-c", FRESH_DATABASE, PG_URL]


TARGET = "10,000 articles: p95 <= 200 ms"
for stage in (
    Stage("kb seed 10,000 articles (SQLite)", _probe("setup", False)),
    Stage("kb search (SQLite)", _probe("search", False), TARGET),
    Stage("fresh PostgreSQL database", _fresh_database),
    Stage("kb seed 10,000 articles (PostgreSQL)", _probe("setup", True)),
    Stage("kb search (PostgreSQL)", _probe("search", True), TARGET),
):
    register_stage("kb", stage)

"""Serving-app probes for `brokerlens bench --suite serve`: a real server, real HTTP, real timings.

Each probe starts `brokerlens serve` on a free loopback port over the bench home's published
store, signs in as an HQ bench user (all customers in scope), and measures one thing:
- `360`: GET /api/customers/{id} for random customers, one at a time -> p50/p95/p99.
- `list`: a customer list page with three conditions, sorted, at a random page of the first five;
  every request asks a query never asked before (a fresh assets threshold), so no answer kept
  by the server is reused: the figure is a cold query's.
- `count`: a segment count of three conditions (the live count of the segment builder), each
  with a fresh threshold too.
- `recommendations`: GET /api/customers/{id}/recommendations (the 360's 推荐产品 panel) for random
  customers -> p50/p95/p99.
- `targets`: GET /api/products/{id}/targets (a product's target customers, 50 a page) for random
  products with targets and a random page of the first five -> p50/p95/p99.
- `worklist`: GET / (the home page: 今日待办 first, then the summary) as brokers with a work list
  on the newest kept date, each request as one of up to 10 of them at random -> p50/p95/p99.
- `callbacks`: GET /callbacks (the call-back work list, issue 18) as a call-centre user, for
  random filters (all pending; one kind; overdue; one branch) and a random page of the first
  five -> p50/p95/p99.
- `load`: an open-loop mix at a fixed rate for a fixed time -> p99 and errors: 60% customer 360s
  of random customers, 30% list pages drawn from 18 list queries (3 service levels x 3 assets
  thresholds x both orders) x 5 pages, 10% counts of their 9 condition sets: users paging
  through their lists, so a served answer is reused as it would be in a working day.

Run as `python -m brokerlens.bench.serve_probe PROBE --home HOME`; prints one summary line last
(the bench table shows it) and exits 1 when a request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import sqlalchemy as sa

from brokerlens.access import served_snapshot
from brokerlens.auth import add_user, list_users, reset_password
from brokerlens.auth.principal import Role
from brokerlens.bench.loadgen import Planned, encode, open_loop
from brokerlens.config import load_settings
from brokerlens.store import open_store
from brokerlens.store.compliance_schema import callbacks
from brokerlens.store.schema import users
from brokerlens.warehouse.served import kept_file, newest_date

BENCH_USER = "bench_hq"
BENCH_BROKER = "bench_broker_{}"
BENCH_CALLER = "bench_call_center"
CALLBACK_KINDS = ("annual_sample", "new_account")
WORKLIST_BROKERS = 10


Params = list[tuple[str, str | int | float | bool | None]]
LOAD_THRESHOLDS = (10_000, 100_000, 1_000_000)


@dataclass(frozen=True)
class Workload:
    """What the probes ask for, drawn from the published profile."""

    customer_ids: list[str]
    levels: list[str]  # the commonest service levels, commonest first
    product_ids: list[str]  # products with target customers in the newest recommendations

    def conditions(self, level: str, threshold: float) -> list[dict[str, Any]]:
        return [
            {"field": "service_level", "op": "eq", "value": level},
            {"field": "total_assets_t", "op": "ge", "value": threshold},
            {"field": "customer_type", "op": "eq", "value": "individual"},
        ]

    def list_params(self, level: str, threshold: float, descending: bool = True) -> Params:
        params: Params = [
            ("f", f"{c['field']}:{c['op']}:{c['value']}") for c in self.conditions(level, threshold)
        ]
        return [
            *params,
            ("sort", "total_assets_t"),
            ("desc", "true" if descending else "false"),
            ("page_size", "50"),
        ]

    def count_body(self, level: str, threshold: float) -> dict[str, Any]:
        return {"conditions": self.conditions(level, threshold)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_bench_user(
    home: Path,
    username: str = BENCH_USER,
    role: Role = Role.HQ_MARKETING,
    staff_id: str | None = None,
) -> str:
    """A fresh password for a bench user (created on first use; a broker re-anchored on
    `staff_id`)."""
    db = open_store(load_settings(home=home))
    password = "Bench-" + secrets.token_urlsafe(12)
    if any(u.username == username for u in list_users(db)):
        if staff_id is not None:
            with db.begin() as connection:
                connection.execute(
                    sa.update(users).where(users.c.username == username).values(staff_id=staff_id)
                )
        return reset_password(db, username, password, temporary=False)
    add_user(
        db,
        username=username,
        display_name="bench",
        role=role,
        password=password,
        staff_id=staff_id,
    )
    return password


def _worklist_brokers(home: Path, seed: int) -> list[str]:
    """Up to WORKLIST_BROKERS brokers with items in the newest kept work list, drawn at random."""
    settings = load_settings(home=home)
    day = newest_date(settings, "worklist")
    path = kept_file(settings, "worklist", day) if day else None
    if path is None:
        return []
    found = duckdb.connect().execute(
        "SELECT DISTINCT staff_id FROM read_parquet(?) WHERE in_budget ORDER BY 1", [str(path)]
    )
    staff = [str(r[0]) for r in found.fetchall()]
    return random.Random(seed).sample(staff, min(WORKLIST_BROKERS, len(staff)))


def _worklist_homes(base: str, home: Path, staff: list[str], n: int, seed: int) -> list[float]:
    """n home pages, each as one of the brokers at random (each signed in and warmed first)."""
    sessions = []
    for i, staff_id in enumerate(staff):
        username = BENCH_BROKER.format(i)
        password = ensure_bench_user(home, username, Role.BROKER, staff_id)
        response = httpx.post(
            f"{base}/api/login", json={"username": username, "password": password}, timeout=30
        )
        response.raise_for_status()
        sessions.append(httpx.Client(base_url=base, cookies=dict(response.cookies), timeout=30))
    rng = random.Random(seed)
    times: list[float] = []
    try:
        for client in sessions:
            client.get("/").raise_for_status()
        for _ in range(n):
            client = rng.choice(sessions)
            started = time.perf_counter()
            response = client.get("/")
            times.append(time.perf_counter() - started)
            if response.status_code != 200 or 'id="worklist-today"' not in response.text:
                raise SystemExit(f"worklist: the home page answered {response.status_code}")
    finally:
        for client in sessions:
            client.close()
    return times


def _callback_pages(base: str, home: Path, n: int, seed: int) -> list[float]:
    """n call-back work list pages as a call-centre user: a random filter and page of five."""
    with open_store(load_settings(home=home)).connect() as connection:
        branches = (
            connection.execute(
                sa.select(callbacks.c.branch_id).distinct().order_by(callbacks.c.branch_id).limit(5)
            )
            .scalars()
            .all()
        )
    password = ensure_bench_user(home, BENCH_CALLER, Role.CALL_CENTER)
    response = httpx.post(
        f"{base}/api/login", json={"username": BENCH_CALLER, "password": password}, timeout=30
    )
    response.raise_for_status()
    rng = random.Random(seed)
    filters: list[dict[str, str]] = [
        {},
        *({"kind": k} for k in CALLBACK_KINDS),
        {"due": "overdue"},
        *({"branch_id": str(b)} for b in branches if b),
    ]
    times: list[float] = []
    with httpx.Client(base_url=base, cookies=dict(response.cookies), timeout=30) as client:
        client.get("/callbacks").raise_for_status()
        for _ in range(n):
            params = {**rng.choice(filters), "p": str(rng.randint(1, 5))}
            started = time.perf_counter()
            answer = client.get("/callbacks", params=params)
            times.append(time.perf_counter() - started)
            if answer.status_code != 200 or 'id="callback-filters"' not in answer.text:
                raise SystemExit(f"callbacks: the work list answered {answer.status_code}")
    return times


def _workload(home: Path, seed: int) -> Workload:
    db = open_store(load_settings(home=home))
    snapshot = served_snapshot(db)
    table = snapshot.table
    with db.connect() as connection:
        ids = connection.execute(sa.select(table.c.customer_id)).scalars().all()
        levels = connection.execute(
            sa.select(table.c.service_level, sa.func.count())
            .group_by(table.c.service_level)
            .order_by(sa.func.count().desc())
        ).all()
    rng = random.Random(seed)
    sample = rng.sample(list(ids), min(2000, len(ids)))
    # the commonest levels: the slowest honest filters
    return Workload(sample, [str(level) for level, _ in levels[:3]], _targeted(home))


def _targeted(home: Path) -> list[str]:
    """The products with target customers in the newest recommendations (none before a run)."""
    settings = load_settings(home=home)
    day = newest_date(settings, "targets")
    path = kept_file(settings, "targets", day) if day else None
    if path is None:
        return []
    found = duckdb.connect().execute(
        "SELECT DISTINCT product_id FROM read_parquet(?) ORDER BY 1", [str(path)]
    )
    return [str(r[0]) for r in found.fetchall()]


@contextmanager
def _server(home: Path, port: int, workers: int) -> Iterator[str]:
    argv = [sys.executable, "-m", "brokerlens", "--home", str(home), "serve"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise SystemExit(f"the server exited: {err[-500:]}")
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not answer within 60 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        if proc.stderr is not None:
            proc.stderr.close()  # the pipe left open warns when collected (a test fails on it)


def _sign_in(base: str, password: str) -> tuple[dict[str, str], str]:
    """Cookies and the CSRF token of a fresh session."""
    response = httpx.post(
        f"{base}/api/login", json={"username": BENCH_USER, "password": password}, timeout=30
    )
    response.raise_for_status()
    return dict(response.cookies), str(response.json()["csrf_token"])


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"p50 {pick(0.5):.1f} ms, p95 {pick(0.95):.1f} ms, p99 {pick(0.99):.1f} ms"


Request = Callable[[httpx.Client], httpx.Response]


def _fresh_threshold(rng: random.Random) -> float:
    """An assets threshold no earlier request used (a cent-exact random amount)."""
    return round(rng.uniform(5_000, 50_000), 2)


def _requests(work: Workload, csrf: str, rng: random.Random) -> dict[str, Request]:
    """The serial probes' requests: each list and count query asked for the first time."""

    def one_360(client: httpx.Client) -> httpx.Response:
        return client.get(f"/api/customers/{rng.choice(work.customer_ids)}")

    def one_list(client: httpx.Client) -> httpx.Response:
        params = work.list_params(work.levels[0], _fresh_threshold(rng))
        return client.get("/api/customers", params=[*params, ("page", rng.randint(1, 5))])

    def one_count(client: httpx.Client) -> httpx.Response:
        body = work.count_body(work.levels[0], _fresh_threshold(rng))
        return client.post("/api/segments/count", json=body, headers={"X-CSRF-Token": csrf})

    def one_panel(client: httpx.Client) -> httpx.Response:
        return client.get(f"/api/customers/{rng.choice(work.customer_ids)}/recommendations")

    def one_targets(client: httpx.Client) -> httpx.Response:
        product = rng.choice(work.product_ids)
        params = {"page": rng.randint(1, 5), "page_size": 50}
        return client.get(f"/api/products/{product}/targets", params=params)

    return {
        "360": one_360,
        "list": one_list,
        "count": one_count,
        "recommendations": one_panel,
        "targets": one_targets,
    }


def _serial(base: str, cookies: dict[str, str], call: Request, n: int) -> tuple[list[float], int]:
    times, errors = [], 0
    with httpx.Client(base_url=base, cookies=cookies, timeout=30) as client:
        call(client)  # warm the worker's caches once, as a user's first click would
        for _ in range(n):
            started = time.perf_counter()
            response = call(client)
            times.append(time.perf_counter() - started)
            errors += response.status_code != 200
    return times, errors


def _load_plan(
    base: str, cookies: dict[str, str], work: Workload, csrf: str, total: int, seed: int = 1
) -> list[Planned]:
    """The load's requests, drawn and encoded before the clock starts (see the module doc)."""
    rng = random.Random(seed)
    mix = ["360"] * 6 + ["list"] * 3 + ["count"]
    plan = []
    for _ in range(total):
        kind = rng.choice(mix)
        level, threshold = rng.choice(work.levels), rng.choice(LOAD_THRESHOLDS)
        if kind == "360":
            raw = encode(base, "GET", f"/api/customers/{rng.choice(work.customer_ids)}", cookies)
        elif kind == "list":
            params = work.list_params(level, threshold, rng.random() < 0.5)
            params.append(("page", rng.randint(1, 5)))
            raw = encode(base, "GET", "/api/customers", cookies, params=params)
        else:
            body = work.count_body(level, threshold)
            headers = {"X-CSRF-Token": csrf}
            raw = encode(base, "POST", "/api/segments/count", cookies, body=body, headers=headers)
        plan.append(Planned(kind, raw))
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="serve_probe")
    parser.add_argument(
        "probe",
        choices=[
            "360",
            "list",
            "count",
            "load",
            "recommendations",
            "targets",
            "worklist",
            "callbacks",
        ],
    )
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "2")))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--warm-up", type=float, default=0.0, help="seconds of uncounted load at 50 req/s first"
    )
    args = parser.parse_args(argv)
    work = _workload(args.home, args.seed)
    if args.probe == "targets" and not work.product_ids:
        sys.stdout.write("targets: no recommendations kept (run `brokerlens run` first)\n")
        return 1
    brokers = _worklist_brokers(args.home, args.seed) if args.probe == "worklist" else []
    if args.probe == "worklist" and not brokers:
        sys.stdout.write("worklist: no work list kept (run `brokerlens run` first)\n")
        return 1
    password = ensure_bench_user(args.home)
    with _server(args.home, _free_port(), args.workers) as base:
        cookies, csrf = _sign_in(base, password)
        if args.probe == "worklist":
            times = _worklist_homes(base, args.home, brokers, args.requests, args.seed)
            errors = 0
            line = (
                f"worklist: {args.requests} broker home pages ({len(brokers)} brokers), "
                f"0 errors, {_percentiles(times)}"
            )
        elif args.probe == "callbacks":
            times = _callback_pages(base, args.home, args.requests, args.seed)
            errors = 0
            line = f"callbacks: {args.requests} work list pages, 0 errors, {_percentiles(times)}"
        elif args.probe == "load":
            if args.warm_up > 0:
                # a server that has worked a while (not counted): its workers have asked each
                # list query once, as they would have by mid-morning
                warm = _load_plan(base, cookies, work, csrf, int(50 * args.warm_up), seed=2)
                asyncio.run(open_loop(base, warm, 50))
            total = int(args.rate * args.seconds)
            plan = _load_plan(base, cookies, work, csrf, total)
            outcome = asyncio.run(open_loop(base, plan, args.rate))
            times, errors = outcome.times, outcome.errors
            warmed = f" after {args.warm_up:.0f} s at 50 req/s" if args.warm_up > 0 else ""
            line = (
                f"load {args.rate:.0f} req/s x {args.seconds:.0f} s{warmed}: {total} requests, "
                f"{errors} errors, {_percentiles(times)}"
            )
        else:
            call = _requests(work, csrf, random.Random(args.seed))[args.probe]
            n = args.requests if args.probe != "count" else max(10, args.requests // 30)
            times, errors = _serial(base, cookies, call, n)
            line = f"{args.probe}: {n} requests, {errors} errors, {_percentiles(times)}"
    sys.stdout.write(line + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A serve worker under load: it runs at most `serve_threads` requests at once
(BROKERLENS_SERVE_THREADS) while the rest wait their turn (with the framework's 40 threads a
loaded worker fell behind at 200 requests/s, its threads taking turns at the interpreter lock),
and `serve` prepares every route before the first request comes in."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from brokerlens.config import load_settings
from brokerlens.web.app import create_app


def _busiest(threads: int, tmp_path) -> int:
    app = create_app(load_settings(home=tmp_path / "home", serve_threads=threads))
    running, busiest, lock = 0, 0, threading.Lock()

    @app.get("/_slow")
    def slow() -> dict[str, int]:  # a sync endpoint: it runs on the worker's threads
        nonlocal running, busiest
        with lock:
            running += 1
            busiest = max(busiest, running)
        time.sleep(0.5)  # long enough for every client thread to be in by then
        with lock:
            running -= 1
        return {}

    with TestClient(app) as client, ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: client.get("/_slow").status_code, range(12)))
    assert statuses == [200] * 12  # every request answered: the others waited, none refused
    return busiest


def test_a_worker_runs_at_most_serve_threads_requests_at_once(tmp_path):
    assert _busiest(3, tmp_path / "a") == 3
    assert _busiest(8, tmp_path / "b") == 8


def _first_unmatched_request_seconds(tmp_path, warm: bool) -> float:
    app = create_app(load_settings(home=tmp_path / "home"), warm=warm)
    with TestClient(app) as client:  # the startup (lifespan) has run here
        started = time.perf_counter()
        assert client.get("/no/such/page").status_code == 404
        return time.perf_counter() - started


def test_a_served_app_prepares_its_routes_before_the_first_request(tmp_path):
    # `brokerlens serve` builds the app warm: the framework prepares each route the first time
    # a request is matched against it, and a path no route matches is tried against them all
    cold = _first_unmatched_request_seconds(tmp_path / "cold", warm=False)
    warm = _first_unmatched_request_seconds(tmp_path / "warm", warm=True)
    assert warm * 10 < cold, (warm, cold)

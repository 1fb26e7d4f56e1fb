"""The load generator counts what a real HTTP server answered, over kept-alive connections."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, TypeVar

import pytest

from brokerlens.bench.loadgen import Planned, encode, open_loop

T = TypeVar("T")


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run in a thread of its own: a browser test's Playwright (sync API) keeps an event
    loop running in the main thread of the pytest worker that ran it."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, Content-Length framed, as uvicorn answers
    connections: ClassVar[set[int]] = set()

    def _answer(self) -> None:
        _Handler.connections.add(id(self.connection))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        ok = self.path.startswith("/ok") and "bl_session=t" in (self.headers.get("Cookie") or "")
        payload = b'{"echo": %d}' % len(body)
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_open_loop_counts_answers_and_errors(server: str) -> None:
    cookies = {"bl_session": "t"}
    plan = [
        Planned("ok", encode(server, "GET", "/ok", cookies, params=[("page", 2)])),
        Planned("post", encode(server, "POST", "/ok", cookies, body={"a": [1, 2]})),
        Planned("missing", encode(server, "GET", "/missing", cookies)),
    ] * 20
    _Handler.connections.clear()
    outcome = _run(lambda: open_loop(server, plan, rate=300))
    assert len(outcome.times) == 60
    assert outcome.statuses == {200: 40, 404: 20}
    assert outcome.errors == 20  # every answer but 200 is an error
    assert all(t >= 0 for t in outcome.times)
    assert len(_Handler.connections) < 60  # connections were reused, not one per request


def test_a_refused_connection_is_an_error_not_a_crash() -> None:
    base = "http://127.0.0.1:9"  # discard port: nothing listens
    plan = [Planned("x", encode(base, "GET", "/", {}))] * 3
    outcome = _run(lambda: open_loop(base, plan, rate=100, timeout=2))
    assert outcome.errors == 3 and len(outcome.times) == 3

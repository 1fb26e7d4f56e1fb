"""An open-loop HTTP/1.1 load generator light enough to share two cores with the server.

httpx's async client spends about a millisecond of CPU per request: at 200 requests/s on this
machine the generator, not the server, fell behind, and every later request counted the delay.
Here every request is encoded before the clock starts, connections are kept alive and reused,
and a response is read by its Content-Length (what uvicorn sends for every JSON answer), so a
request costs the generator tens of microseconds.

Requests start on a fixed schedule whatever the answers' speed (no coordinated omission): the
time of each is counted from when it was due, not from when a connection was free.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit


@dataclass(frozen=True)
class Planned:
    """One request, encoded."""

    kind: str
    raw: bytes


@dataclass
class Outcome:
    times: list[float] = field(default_factory=list)  # seconds from due to the last byte
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def encode(
    base: str,
    method: str,
    path: str,
    cookies: dict[str, str],
    *,
    params: list[tuple[str, Any]] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    host = urlsplit(base).netloc
    target = path + ("?" + urlencode(params) if params else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    payload = b""
    if body is not None:
        payload = json.dumps(body).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def open_loop(base: str, plan: list[Planned], rate: float, timeout: float = 30) -> Outcome:
    """Send `plan` at `rate` requests/s on kept-alive connections; collect the timings."""
    split = urlsplit(base)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    outcome = Outcome()

    async def one(planned: Planned, due: float) -> None:
        reused = bool(idle)
        connection = idle.pop() if reused else None
        try:
            if connection is None:
                connection = await asyncio.open_connection(host, port)
            try:
                status = await asyncio.wait_for(_exchange(*connection, planned.raw), timeout)
            except (ConnectionError, asyncio.IncompleteReadError):
                if not reused:
                    raise
                # the server closed a connection idle past its keep-alive: ask on a new one
                await _close(connection[1])
                connection = await asyncio.open_connection(host, port)
                status = await asyncio.wait_for(_exchange(*connection, planned.raw), timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            outcome.errors += 1
            if connection is not None:
                await _close(connection[1])
            outcome.times.append(time.perf_counter() - due)
            return
        outcome.times.append(time.perf_counter() - due)
        outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        outcome.errors += status != 200
        idle.append(connection)

    start = time.perf_counter()
    tasks = []
    for i, planned in enumerate(plan):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(planned, due)))
    await asyncio.gather(*tasks)
    for _, writer in idle:
        await _close(writer)
    return outcome


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()

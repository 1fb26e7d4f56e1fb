"""A real server over a generated, computed and published brokerage, and Debian's chromium.

The browser is /usr/bin/chromium (installed by `make test`), driven by Playwright through
`executable_path`; Playwright never downloads one. A failed test leaves a screenshot in
`test-artifacts/`.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from brokerlens.config import load_settings
from support.brokerage import Brokerage, published_copy
from support.needs import need_file

CHROMIUM = Path(os.environ.get("BROKERLENS_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass(frozen=True)
class Served:
    base_url: str
    users: dict[str, tuple[str, str]]  # role -> (username, password)
    home: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# An existing home to serve instead of a generated one (e.g. /work/demo/home, to time the 360
# on the demo brokerage): only its head-office user below is made (or its password reset), so
# only tests that sign in as hq_marketing run against it.
EXISTING_HOME = os.environ.get("BROKERLENS_BROWSER_HOME")
TIMING_USER = "browser_test_hq"


def _existing_home_users(home: Path) -> dict[str, tuple[str, str]]:
    """The test's own HQ user in an existing home: created, or its password set again; no
    other user, customer data or setting is touched."""
    from brokerlens.auth.principal import Role
    from brokerlens.auth.users import add_user, get_user, reset_password
    from brokerlens.errors import NotFound
    from brokerlens.store import dispose_engines, open_store

    db = open_store(load_settings(home=home))
    password = "Bt-" + secrets.token_urlsafe(12) + "9a"
    try:
        get_user(db, TIMING_USER)
    except NotFound:
        add_user(
            db,
            username=TIMING_USER,
            display_name="浏览器测试（总部）",
            role=Role.HQ_MARKETING,
            password=password,
        )
    else:
        reset_password(db, TIMING_USER, password, temporary=False)
    dispose_engines()
    return {str(Role.HQ_MARKETING): (TIMING_USER, password)}


def _generated_home(request: pytest.FixtureRequest, tmp: pytest.TempPathFactory) -> Served:
    small_brokerage: Brokerage = request.getfixturevalue("small_brokerage")
    home, users = published_copy(tmp, small_brokerage)
    return Served("", users, home)


@contextmanager
def serving(home: Path, users: dict[str, tuple[str, str]], log_dir: Path) -> Iterator[Served]:
    """`brokerlens serve` over `home` on a free port, until the block ends."""
    port = _free_port()
    env = {**os.environ, "BROKERLENS_HOME": str(home)}
    argv = [sys.executable, "-m", "brokerlens", "serve", "--host", "127.0.0.1"]
    log_path = log_dir / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [*argv, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            err = log_path.read_text(errors="replace")
            pytest.fail(f"brokerlens serve did not start: {err[-1000:]}")
        time.sleep(0.2)
    try:
        yield Served(base, users, home)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    if EXISTING_HOME:
        home = Path(EXISTING_HOME)
        users = _existing_home_users(home)
        log_dir = tmp_path_factory.mktemp("served")
    else:
        made = _generated_home(request, tmp_path_factory)
        home, users, log_dir = made.home, made.users, made.home.parent
    with serving(home, users, log_dir) as served:
        yield served


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    need_file(CHROMIUM, "`make test` installs Debian's package (apt chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()

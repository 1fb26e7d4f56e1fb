"""Screenshots of the workbench for docs/screens/: `python tools/screens.py --home brokerlens-data`.

Serves the home on a free port, signs in as the demo users (`brokerlens user demo` made them)
and saves the main pages at 1440x900 in Chinese with Debian's chromium (never a downloaded
browser). Run after `make demo`; the pictures show that home's data.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from brokerlens.auth.demo import DEMO_PASSWORD, demo_username
from brokerlens.auth.principal import Role

# (file, role, path): a broker's day first, then what HQ looks at.
SHOTS = (
    ("home", Role.BROKER, "/"),
    ("customers", Role.BROKER, "/customers?sort=total_assets_t&desc=true"),
    ("customer-360", Role.BROKER, None),  # the biggest customer of the list above
    ("alerts", Role.BROKER, "/alerts"),
    ("activation", Role.BROKER, "/activation"),
    ("suitability", Role.HQ_MARKETING, "/suitability"),
    ("thresholds", Role.HQ_MARKETING, "/alerts/thresholds"),
)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit("screens: the server did not start")


def _sign_in(page: Page, base: str, role: Role) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", demo_username(role))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)  # ECharts animations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/screens"))
    parser.add_argument(
        "--chromium", default=os.environ.get("BROKERLENS_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BROKERLENS_HOME": str(args.home)}
    argv = [sys.executable, "-m", "brokerlens", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(base, proc)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            contexts = {}
            for name, role, path in SHOTS:
                if role not in contexts:
                    context = browser.new_context(
                        locale="zh-CN", viewport={"width": 1440, "height": 900}
                    )
                    contexts[role] = context.new_page()
                    _sign_in(contexts[role], base, role)
                page = contexts[role]
                if path is None:
                    href = page.locator("table a[href^='/customers/']").first.get_attribute("href")
                    path = str(href)
                page.goto(base + path)
                _settle(page)
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target))
                sys.stdout.write(f"{target}  {path}\n")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()

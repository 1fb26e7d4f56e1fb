"""Run the installed command as a user would: a subprocess, its exit code, stdout and stderr."""

from __future__ import annotations

import os
import subprocess
import sys


def brokerlens(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brokerlens", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=120,
    )

"""Run the `brokerlens` command as a user would: its exit code, stdout and stderr.

By default the command runs inside the test's process (`brokerlens.cli.main.run` with the
arguments, the environment given and stdout / stderr captured apart): the suite runs the command
several hundred times, and a new process pays 2-4 s of CPU importing brokerlens each time.
`process=True` (or `BROKERLENS_TEST_SUBPROCESS=1` for every call) starts the installed command in
its own process, for what only a process shows: signals, locks held by another process, a
server, the entry point itself."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import subprocess
import sys
import traceback
import warnings
from unittest import mock

import pytest

from brokerlens.access.snapshot import clear_cache
from brokerlens.console import console, err_console
from brokerlens.store import dispose_engines

WIDTH = 200  # as the subprocess's COLUMNS: rich wraps tables at the console's width


def brokerlens(
    *args: str, env: dict[str, str] | None = None, process: bool = False, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`stdin`: what the command reads on its standard input (a password, a list)."""
    if process or os.environ.get("BROKERLENS_TEST_SUBPROCESS"):
        return subprocess.run(
            [sys.executable, "-m", "brokerlens", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": str(WIDTH), **(env or {})},
            timeout=120,
        )
    return _in_process(list(args), env or {}, stdin)


def _in_process(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The command run here as its process would run it: a fresh view of the store and the
    served date (caches cleared before and after), output captured, an unexpected exception
    printed as a traceback with exit code 1 (as Python does), `stdin` on its input."""
    from brokerlens.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    widths = (console._width, err_console._width)  # None: rich's own default
    # the engines stay (a test's own handle is the same object); their connections are new
    clear_cache()
    dispose_engines(forget=False)
    code = 0
    with (
        mock.patch.dict(os.environ, {"COLUMNS": str(WIDTH), **env}),
        mock.patch.object(sys, "argv", ["brokerlens", *args]),
        mock.patch.object(sys, "stdin", io.StringIO(stdin)),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        console.width = err_console.width = WIDTH
        # what exists before the command is not its leftovers: frozen, the collection below
        # scans only what the command made, not a test process's whole heap (0.1-1 s a call)
        gc.freeze()
        try:
            run()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                err.write(exc.code + "\n")
        except Exception:  # what a process would print before exiting with 1
            traceback.print_exc(file=err)
            code = 1
        finally:
            console._width, err_console._width = widths
            clear_cache()
            dispose_engines(forget=False)
            # what the command left open, a process would close by exiting: closed here, quietly
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                gc.collect()
            gc.unfreeze()
    return subprocess.CompletedProcess(["brokerlens", *args], code, out.getvalue(), err.getvalue())


def in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    """The command run in this process (faster; for commands that start no server): its exit
    code and everything it printed."""
    from brokerlens.cli.main import run

    monkeypatch.setattr(sys, "argv", ["brokerlens", *args])
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err

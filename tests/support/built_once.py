"""A directory built once per test session, whichever pytest-xdist worker asks for it first;
each worker then works on its own copy.

A session fixture is built once per worker: with `make test`'s two workers, a brokerage the
recommender needs (25-40 s to generate, load and run) was built by both, and once more by the
browser test that serves it. Here the first worker to ask builds it under a file lock in the
directory the workers share (the parent of each worker's base temp); the others wait for it
and copy it, which takes well under a second. Without workers the directory lives under the
session's own base temp, so a build never outlives its session."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

DONE = ".built"  # written last: a directory without it is a build that failed half-way


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The directory `name`, made by `build(directory)` once for the whole session."""
    base = factory.getbasetemp()
    # popen-gw0, popen-gw1, ... share the session's numbered directory
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "built-once"
    root.mkdir(exist_ok=True)
    target = root / name
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (target / DONE).exists():
            shutil.rmtree(target, ignore_errors=True)  # another worker's failed build
            target.mkdir()
            build(target)
            (target / DONE).touch()
    return target


def copy_of(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """This worker's own copy of the directory `name` (built once, as `built_once`)."""
    source = built_once(factory, name, build)
    copy = factory.mktemp(name) / "copy"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(DONE))
    return copy

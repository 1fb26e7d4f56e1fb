"""The one way a test says it needs something outside the checkout (a server, a program, a
file): under CI the test fails, saying what is missing (CI must provide it); elsewhere it is
skipped with the same reason, which starts with `needs:` (tests/skips-allowed.txt allows that
prefix, and no other skip `make test` does not list there).

CI is read once, here: the variable `CI` set to `true` or `1`, in any case."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import NoReturn

import pytest

PREFIX = "needs: "


def under_ci() -> bool:
    """True when the variable CI says this is a CI run (`true` or `1`, in any case)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def missing(reason: str) -> NoReturn:
    """What the test needs is missing: fail under CI, skip elsewhere, saying `reason`."""
    if under_ci():
        pytest.fail(f"{PREFIX}{reason} (CI must provide it)", pytrace=False)
    pytest.skip(f"{PREFIX}{reason}")


def need_java() -> None:
    """Spark needs a Java 17+ (the `java` on PATH or JAVA_HOME)."""
    from brokerlens.engine.spark_session import java_missing_reason

    reason = java_missing_reason()
    if reason:
        missing(f"Spark: {reason}")


def need_module(name: str, hint: str) -> None:
    """An optional Python package (an extra of pyproject) must be importable."""
    if importlib.util.find_spec(name) is None:
        missing(f"the Python package {name} is not installed ({hint})")


def need_file(path: Path, hint: str) -> None:
    """A file or program outside the checkout must exist."""
    if not path.exists():
        missing(f"{path} does not exist ({hint})")

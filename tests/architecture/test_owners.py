"""One owner each: the warehouse layout, atomic writes, SQL files and quoting, the SQL runner."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "brokerlens"
ATOMIC = "write through brokerlens.atomic"
SWAPS = ("atomic.py", "lake/", "ingest/")


def _sources(*, outside: tuple[str, ...]) -> dict[str, str]:
    """Module path (relative to the package) -> text, for every module not under `outside`."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if not name.startswith(outside):
            found[name] = path.read_text("utf-8")
    return found


@pytest.mark.parametrize(
    ("pattern", "owners", "why"),
    [
        # the lake and ingest keep their own (fsynced) swap of the catalog and staged dates
        (r"os\.replace\(", SWAPS, ATOMIC),
        (r"\.partial|\.tmp\b", SWAPS, ATOMIC),
        (r"warehouse_dir\s*/", ("config.py",), "form warehouse paths in warehouse/layout.py"),
        (r"reports_dir\s*/", ("config.py",), "form report paths in warehouse/layout.py"),
        (r"DuckDBEngine\b", ("engine/",), "open an engine with engine.open_engine"),
        (r"resources\.files\([^)]*\)\.joinpath\(\s*\"sql\"", ("engine/",), "use engine.sqlfiles"),
        (
            r"replace\(\"'\", \"''\"\)|replace\('\"', '\"\"'\)",
            ("engine/sqltext.py",),
            "quote with engine.sqltext",
        ),
    ],
)
def test_one_owner(pattern: str, owners: tuple[str, ...], why: str) -> None:
    offenders = [
        name for name, text in _sources(outside=owners).items() if re.search(pattern, text)
    ]
    assert offenders == [], f"{why}: {offenders}"


def test_access_reads_the_warehouse_through_the_reader_api() -> None:
    for name, text in _sources(outside=()).items():
        if name.startswith("access/"):
            assert "warehouse.layout" not in text, name
            assert "warehouse_dir" not in text, name
            assert ".glob(" not in text, name

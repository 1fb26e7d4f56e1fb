"""The 360 lookup built in several passes (the next computed while one is copied into SQLite)
holds what one pass holds; a copy failing midway leaves the lookup built before in place."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from brokerlens.config import Settings, load_settings
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.publish import lookup
from support.brokerage import Brokerage


def _home(small_brokerage: Brokerage, tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(small_brokerage.settings.lake_dir, home / "lake")
    return load_settings(home=home)


def _documents(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT customer_id, doc FROM facts ORDER BY customer_id").fetchall()


def test_passes_hold_what_one_pass_holds(
    small_brokerage: Brokerage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _home(small_brokerage, tmp_path)
    as_of = max(read_catalog(LakeLayout(settings.lake_dir)).dates)
    one = _documents(lookup.build_lookup(settings, as_of))
    assert len(one) > 100

    monkeypatch.setattr(lookup, "PASS_CUSTOMERS", len(one) // 4)
    copied: list[int] = []
    real = lookup._computed_ahead

    def counting(warehouse, queries):  # type: ignore[no-untyped-def]
        copied.append(len(queries))
        yield from real(warehouse, queries)

    monkeypatch.setattr(lookup, "_computed_ahead", counting)
    several = _documents(lookup.build_lookup(settings, as_of))
    assert copied and copied[0] >= 4
    assert several == one


def test_a_copy_failing_midway_keeps_the_lookup_built_before(
    small_brokerage: Brokerage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _home(small_brokerage, tmp_path)
    as_of = max(read_catalog(LakeLayout(settings.lake_dir)).dates)
    path = lookup.build_lookup(settings, as_of)
    before = _documents(path)

    monkeypatch.setattr(lookup, "PASS_CUSTOMERS", len(before) // 4)
    real = lookup._computed_ahead

    def failing(warehouse, queries):  # type: ignore[no-untyped-def]
        for n, result in enumerate(real(warehouse, queries)):
            if n == 1:  # the first pass copied, the third being computed
                raise OSError("disk full")
            yield result

    monkeypatch.setattr(lookup, "_computed_ahead", failing)
    with pytest.raises(OSError, match="disk full"):
        lookup.build_lookup(settings, as_of)
    assert _documents(path) == before
    assert sorted(p.name for p in path.parent.glob("*.sqlite*")) == [path.name]

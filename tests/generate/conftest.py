"""Small generated brokerages shared by the generator tests (generated once per session)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from gen_checks import Make

from brokerlens.generate import GenerateOptions, generate


@pytest.fixture(scope="session")
def make(tmp_path_factory: pytest.TempPathFactory) -> Make:
    """make(**options) -> output folder; identical options reuse one generation."""
    cache: dict[tuple[tuple[str, object], ...], Path] = {}

    def _make(**kw: object) -> Path:
        key = tuple(sorted(kw.items()))
        if key not in cache:
            out = tmp_path_factory.mktemp("gen")
            options: dict[str, object] = {"customers": 400, "days": 8, "start": dt.date(2025, 1, 2)}
            options.update(kw)
            generate(GenerateOptions(out=out / "inbox", **options))  # type: ignore[arg-type]
            cache[key] = out / "inbox"
        return cache[key]

    return _make

"""`brokerlens segments ...` on the hand-built store (access/builders.py), for the CLI tests of
customer groups: `world` and `cli` (the command run in this process as `segments ...`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from access.builders import World, build_world
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import Settings
from support.cli import in_process

Run = Callable[..., tuple[int, str]]


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    clear_cache()
    yield build_world(store_settings)
    clear_cache()


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str) -> tuple[int, str]:
        home = str(world.settings.home)
        return in_process(monkeypatch, capsys, "--home", home, "segments", *args)

    return run

"""`brokerlens notices ...` as the named user, on the hand-built store (access/builders.py): a
branch manager publishes to their brokers, a broker lists and reads it, the manager reads the
receipts per unit; another branch, a broker publishing, a bad time: refused with the reason."""

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
        return in_process(monkeypatch, capsys, "--home", str(world.settings.home), "notices", *args)

    return run


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_publish_list_read_receipts_and_refusals(cli: Run) -> None:
    code, out = cli(
        "publish", "--user", "branch", "--title", "营业部周会", "--unit", "B1",
        "--role", "broker", "--body", "周一 **9:00**", "--importance", "important",
    )  # fmt: skip
    assert code == 0, out
    assert "notice 1 showing: '营业部周会' to B1 (broker)" in out
    code, out = cli("publish", "--user", "branch", "--title", "t", "--unit", "B3", "--body", "x")
    assert code == 2 and "units: B3 is outside your unit B1" in out
    code, out = cli("publish", "--user", "broker", "--title", "t", "--unit", "T1", "--body", "x")
    assert code == 2 and "publish_notices" in out
    code, out = cli(
        "publish", "--user", "branch", "--title", "t", "--unit", "B1", "--body", "x",
        "--expire-at", "tomorrow",
    )  # fmt: skip
    assert code == 2 and "--expire-at 'tomorrow' is not a date and time" in out
    code, out = cli("publish", "--user", "branch", "--title", " ", "--unit", "B1", "--body", "x")
    assert code == 2 and "title: required" in out

    code, out = cli("list", "--user", "broker")
    assert code == 0 and "营业部周会" in out and "1 notice(s), 1 unread" in out
    code, out = cli("read", "1", "--user", "broker")
    assert code == 0 and "周一 **9:00**" in out
    code, out = cli("list", "--user", "broker", "--unread")
    assert code == 0 and "0 notice(s), 0 unread" in out
    code, out = cli("list", "--user", "advisor")  # brokers only
    assert code == 0 and "0 notice(s)" in out

    code, out = cli("receipts", "1", "--user", "branch")
    assert code == 0 and "1 of 2 read" in out and "broker2" in out
    code, out = cli("receipts", "1", "--user", "broker")
    assert code == 2 and "read receipts" in out
    code, out = cli("withdraw", "1", "--user", "branch", "--note", "改期")
    assert code == 0 and "notice 1 withdrawn" in out

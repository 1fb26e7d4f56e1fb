"""`brokerlens records add|edit|list --user U` on SQLite and PostgreSQL, over the hand-built
published store of the access tests: the acting user's scope, the field named when refused,
the author's 24 hours, and the audit rows under the user's name."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from access.builders import World, build_world
from brokerlens.access.records import BEIJING
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import Settings
from brokerlens.store.marketing_schema import service_records
from brokerlens.store.schema import audit_log
from support.cli import brokerlens

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    clear_cache()
    yield build_world(store_settings)
    clear_cache()


@pytest.fixture
def records_cli(world: World) -> Run:
    env = {"BROKERLENS_DATABASE_URL": world.settings.database_url or ""}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return brokerlens("--home", str(world.settings.home), "records", *args, env=env)

    return run


def _actions(world: World, username: str) -> list[str]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log.c.action)
                .where(audit_log.c.username == username)
                .order_by(audit_log.c.audit_id)
            ).scalars()
        )


CALL = ["--channel", "phone", "--purpose", "callback", "--result", "reached"]


def test_add_edit_list_as_a_named_user(world: World, records_cli: Run) -> None:
    follow = (dt.datetime.now(BEIJING).date() + dt.timedelta(days=5)).isoformat()
    added = records_cli(
        "add", "C001", "--user", "broker", *CALL, "--content", "回访客户，已确认风险测评",
        "--next-step", "提醒续签", "--next-date", follow,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    found = re.search(r"logged service record (\d+) for C001", added.stdout)
    assert found is not None and f"follow up on {follow}: 提醒续签" in added.stdout
    record_id = found.group(1)
    edited = records_cli("edit", record_id, "--user", "broker", "--result", "done")
    assert edited.returncode == 0, edited.stderr
    assert "edited service record" in edited.stdout and "phone/callback/done" in edited.stdout
    listed = records_cli("list", "C001", "--user", "broker")
    assert listed.returncode == 0, listed.stderr
    assert "回访客户，已确认风险测评" in listed.stdout and f"follow up {follow}" in listed.stdout
    assert "1 entries (record 1, contact 0, care 0)" in listed.stdout
    assert _actions(world, "broker") == ["log_contact", "edit_record", "view_timeline"]


def test_refusals_name_the_field_the_scope_and_the_author(world: World, records_cli: Run) -> None:
    missing = records_cli("add", "C001", *CALL, "--content", "x")
    assert missing.returncode == 2 and "Missing option '--user'" in missing.stderr
    bad = records_cli("add", "C001", "--user", "broker", *CALL[:-1], "maybe", "--content", "x")
    assert bad.returncode == 2 and "result: must be one of" in bad.stderr
    assert "Traceback" not in bad.stderr
    past = records_cli(
        "add", "C001", "--user", "broker", *CALL, "--content", "x",
        "--next-step", "再联系", "--next-date", "2020-01-02",
    )  # fmt: skip
    assert past.returncode == 2 and "next_date" in past.stderr
    theirs = records_cli("add", "C003", "--user", "broker", *CALL, "--content", "x")
    assert theirs.returncode == 2 and "no customer 'C003'" in theirs.stderr
    assert records_cli("list", "C003", "--user", "broker").returncode == 2
    added = records_cli("add", "C002", "--user", "broker", *CALL, "--content", "首次联系")
    record_id = re.search(r"record (\d+)", added.stdout).group(1)  # type: ignore[union-attr]
    other = records_cli("edit", record_id, "--user", "broker2", "--content", "改")
    assert other.returncode == 2 and "only its author (broker)" in other.stderr
    with world.engine.begin() as connection:
        connection.execute(
            service_records.update().values(
                created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
            )
        )
    late = records_cli("edit", record_id, "--user", "broker", "--content", "改")
    assert late.returncode == 2 and "immutable 24 hours" in late.stderr
    nothing = records_cli("edit", record_id, "--user", "broker")
    assert nothing.returncode == 2 and "nothing to change" in nothing.stderr
    assert "edit_record" not in _actions(world, "broker")

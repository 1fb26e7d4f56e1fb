"""`brokerlens staff show|risk` (issue 19 part E) against the published small brokerage: the
same scope and audit as the web, through `--user`."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from brokerlens.console import console, err_console
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log, staff, users
from web.conftest import Published


def _cli(
    published: Published,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> subprocess.CompletedProcess[str]:
    from brokerlens.cli.main import run

    monkeypatch.setattr(console, "_width", 250)
    monkeypatch.setattr(err_console, "_width", 250)
    monkeypatch.setattr(sys, "argv", ["brokerlens", "--home", str(published.home), *args])
    code: int | str | None = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, int(code or 0), out, err)


def _broker(published: Published) -> str:
    username = published.users["broker"][0]
    with open_store(published.settings).connect() as connection:
        return str(
            connection.execute(
                sa.select(users.c.staff_id).where(users.c.username == username)
            ).scalar_one()
        )


def test_show_prints_the_page_and_is_audited(
    published: Published, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broker = _broker(published)
    lead = published.users["team_lead"][0]
    result = _cli(published, monkeypatch, capsys, "staff", "show", broker, "--user", lead)
    assert result.returncode == 0, result.stderr
    with open_store(published.settings).connect() as connection:
        name = connection.execute(
            sa.select(staff.c.name).where(staff.c.staff_id == broker)
        ).scalar_one()
        last = connection.execute(
            sa.select(audit_log.c.username, audit_log.c.action, audit_log.c.detail)
            .where(audit_log.c.action == "staff_view")
            .order_by(audit_log.c.audit_id.desc())
            .limit(2)
        ).all()
    assert f"{name} ({broker})" in result.stdout
    assert "book as of" in result.stdout and "month ends" in result.stdout
    # the page's head and its book section, each read audited in the team lead's name
    assert sorted((r.username, sorted(r.detail.items())) for r in last) == [
        (lead, [("section", "book"), ("staff_id", broker)]),
        (lead, [("staff_id", broker)]),
    ]


def test_show_out_of_scope_is_refused(
    published: Published, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broker = _broker(published)
    with open_store(published.settings).connect() as connection:
        other = connection.execute(
            sa.select(staff.c.staff_id)
            .where(staff.c.position == "broker", staff.c.staff_id != broker)
            .limit(1)
        ).scalar_one()
    me = published.users["broker"][0]
    result = _cli(published, monkeypatch, capsys, "staff", "show", other, "--user", me)
    assert result.returncode != 0 and "in your scope" in result.stderr
    assert "Traceback" not in result.stderr


def test_risk_lists_the_measures_in_scope(
    published: Published, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hq = published.users["hq_marketing"][0]
    result = _cli(published, monkeypatch, capsys, "staff", "risk", "--all", "--user", hq)
    assert result.returncode == 0, result.stderr
    assert "broker risk as of" in result.stdout and "line(s)" in result.stdout
    admin = published.users["admin"][0]
    refused = _cli(published, monkeypatch, capsys, "staff", "risk", "--user", admin)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr

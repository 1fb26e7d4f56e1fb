"""`brokerlens statements build`, and `list|preview|settle|adjust|export --user U`, on a
brokerage crossing a month's end: the steps run alone, the months and their state, a month per
unit, settling once (again: refused), an adjusting entry requested and approved through
`brokerlens approvals`, Excel written; a broker without settle_commission is refused, a bad
month named (exit 2)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brokerlens.access.statements import get_statement
from brokerlens.access.users import acting_principal
from brokerlens.cli import approvals as _approvals  # noqa: F401  (attaches `approvals`)
from brokerlens.cli import statements as _statements  # noqa: F401  (attaches `statements`)
from brokerlens.cli.main import app
from brokerlens.errors import Conflict, Forbidden
from brokerlens.store import dispose_engines
from support.brokers_statements import MARCH, StatementsStore, published_store, statements_home
from support.cli import brokerlens


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[StatementsStore]:
    yield published_store(statements_home(tmp_path_factory), tmp_path)
    dispose_engines()


@pytest.fixture
def run(store: StatementsStore) -> Callable[..., Any]:
    env = {"BROKERLENS_DATABASE_URL": store.settings.store_url, "COLUMNS": "250"}

    def invoke(*args: str) -> Any:
        home = str(store.settings.home)
        return CliRunner().invoke(app, ["--home", home, *args], env=env)

    return invoke


def test_list_settle_adjust_and_export(
    store: StatementsStore, run: Callable[..., Any], tmp_path: Path
) -> None:
    hq, second = store.users["hq_marketing"][0], store.users["hq_marketing_2"][0]
    broker = store.users["broker"][0]
    listed = run("statements", "list", "--user", hq)
    assert listed.exit_code == 0, listed.output
    assert "2025-03" in listed.output and "complete" in listed.output
    assert "2025-04" in listed.output and "preview" in listed.output
    by_unit = run("statements", "preview", "2025-03", "--user", hq, "--by", "unit")
    assert by_unit.exit_code == 0, by_unit.output
    assert "2025-03 complete through 2025-03-31: net commission" in by_unit.output
    denied = run("statements", "settle", "2025-03", "--user", broker)
    assert isinstance(denied.exception, Forbidden)
    settled = run("statements", "settle", "2025-03", "--user", hq)
    assert settled.exit_code == 0 and "settled 2025-03" in settled.output
    again = run("statements", "settle", "2025-03", "--user", hq)
    assert isinstance(again.exception, Conflict)

    principal = acting_principal(store.db, hq)
    lines = get_statement(store.settings, store.db, principal, MARCH).lines
    giver = next(x for x in lines if x.staff_id and x.role == "developer")
    taker = next(x.staff_id for x in lines if x.staff_id and x.staff_id != giver.staff_id)
    asked = run(
        "statements", "adjust", "2025-03", "--user", hq, "--role", "developer",
        "--kind", giver.income_kind, "--from", str(giver.staff_id), "--to", str(taker),
        "--amount", "0.01", "--reason", "更正",
    )  # fmt: skip
    assert asked.exit_code == 0, asked.output
    request_id = asked.output.split("request ", 1)[1].split(" ", 1)[0]
    approved = run("approvals", "approve", request_id, "--user", second, "--comment", "同意")
    assert approved.exit_code == 0, approved.output
    shown = run("statements", "preview", "2025-03", "--user", hq, "--staff", str(taker))
    assert shown.exit_code == 0 and "settled" in shown.output

    out = tmp_path / "march.xlsx"
    wrote = run("statements", "export", "2025-03", "--user", hq, "--by", "staff", "--out", str(out))
    assert wrote.exit_code == 0, wrote.output
    with zipfile.ZipFile(out) as book:
        assert any(name.startswith("xl/worksheets/") for name in book.namelist())


def test_build_runs_the_steps_alone(run: Callable[..., Any]) -> None:
    built = run("statements", "build", "--as-of", "2025-04-08")
    assert built.exit_code == 0, built.output
    assert "relationship ledger as of 2025-04-08" in built.output
    assert "commission statements as of 2025-04-08" in built.output
    assert "2025-04 through 2025-04-08" in built.output
    bad = run("statements", "build", "--as-of", "2025-04-31")
    assert bad.exit_code != 0 and "--as-of" in str(bad.exception)


def test_a_bad_month_is_named_with_exit_2(store: StatementsStore) -> None:
    refused = brokerlens(
        "--home", str(store.settings.home), "statements", "preview", "2025-3x",
        "--user", store.users["hq_marketing"][0],
        env={"BROKERLENS_DATABASE_URL": store.settings.store_url},
    )  # fmt: skip
    assert refused.returncode == 2 and "month" in refused.stderr and "YYYY-MM" in refused.stderr
    assert "Traceback" not in refused.stderr

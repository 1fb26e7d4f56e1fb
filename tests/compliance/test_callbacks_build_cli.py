"""`brokerlens callbacks build [--as-of T]` over the small brokerage's lake: a day not run yet
is a message saying what to do; a run day (its profile and activation in place) makes the
new accounts' tasks and the year's sample and loads them, and a second build loads nothing;
a bad date names the option. In-process, on SQLite."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from brokerlens.config import Settings, load_settings
from brokerlens.console import console, err_console
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.compliance_schema import callbacks
from brokerlens.warehouse import open_warehouse
from brokerlens.warehouse.layout import WarehouseLayout
from support.brokerage import Brokerage

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def home(small_brokerage: Brokerage, tmp_path: Path) -> Settings:
    settings = load_settings(home=tmp_path / "home")
    shutil.copytree(small_brokerage.settings.lake_dir, settings.lake_dir)
    return settings


@pytest.fixture
def cli(
    home: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Cli]:
    from brokerlens.cli.main import run

    monkeypatch.setattr(console, "_width", 250)
    monkeypatch.setattr(err_console, "_width", 250)
    monkeypatch.delenv("BROKERLENS_DATABASE_URL", raising=False)

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "argv", ["brokerlens", "--home", str(home.home), *args])
        code: int | str | None = 0
        try:
            run()
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, int(code or 0), out, err)

    yield call
    dispose_engines()


def _as_if_run(settings: Settings) -> dt.date:
    """T's profile (the customers in two tiers, alternately) and activation (the first ten
    customers dormant), as the run would have left them."""
    day = max(read_catalog(LakeLayout(settings.lake_dir)).dates)
    conn = open_warehouse(settings)
    try:
        ids = [
            r[0] for r in conn.execute("SELECT customer_id FROM customers ORDER BY 1").fetchall()
        ]
    finally:
        conn.close()
    warehouse = WarehouseLayout(settings.warehouse_dir)
    tiers = ["AB"[i % 2] for i in range(len(ids))]
    for path, table in (
        (warehouse.profile_file(day), pa.table({"customer_id": ids, "customer_tier": tiers})),
        (
            warehouse.activation_file(day),
            pa.table({"customer_id": ids[:10], "kind": ["dormant"] * 10}),
        ),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
    return day


def test_build_makes_and_loads_the_days_tasks_once(cli: Cli, home: Settings) -> None:
    refused = cli("callbacks", "build")
    assert refused.returncode != 0
    assert "has not been run" in refused.stderr and "brokerlens run --as-of" in refused.stderr
    assert "Traceback" not in refused.stderr

    day = _as_if_run(home)
    made = cli("callbacks", "build", "--as-of", day.isoformat())
    assert made.returncode == 0, made.stderr
    assert f"call-back tasks as of {day}:" in made.stdout
    assert "the year's sample:" in made.stdout
    with open_store(home).connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(callbacks)).scalar()
    assert stored and f"loaded {stored:,} new task(s)" in made.stdout

    # the sample's strata as drawn are a `brokerlens sql` table
    quotas = cli("sql", "select sum(quota) as quota from callback_samples")
    assert quotas.returncode == 0, quotas.stderr
    with open_store(home).connect() as connection:
        sampled = connection.execute(
            sa.select(sa.func.count()).where(callbacks.c.kind == "annual_sample")
        ).scalar()
    assert sampled and f" {sampled} " in quotas.stdout  # every stratum's quota was drawn

    again = cli("callbacks", "build", "--as-of", day.isoformat())
    assert again.returncode == 0, again.stderr
    assert "loaded 0 new task(s)" in again.stdout and "the year's sample" not in again.stdout


def test_a_bad_date_names_the_option(cli: Cli) -> None:
    bad = cli("callbacks", "build", "--as-of", "2025-13-01")
    assert bad.returncode == 2
    assert "--as-of" in bad.stderr and "Traceback" not in bad.stderr

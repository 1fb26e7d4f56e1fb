"""`run_pipeline` over the small generated brokerage: completeness, incremental = full, as-of."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from brokerlens.classify import load_default_catalog
from brokerlens.config import Settings, load_settings
from brokerlens.ingest import ingest_inbox
from brokerlens.pipeline import run_pipeline
from brokerlens.warehouse import run_query
from brokerlens.warehouse import steps as steps_module
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.state import read_state, write_state
from brokerlens.warehouse.steps import RunContext, RunStep, StepResult
from support.brokerage import Brokerage


def _copy_home(brokerage: Brokerage, target: Path) -> Settings:
    """A private home holding a copy of the shared brokerage's lake (runs write beside it)."""
    shutil.copytree(brokerage.settings.lake_dir, target / "lake")
    return load_settings(home=target)


def _dates(settings: Settings) -> list[dt.date]:
    rows = run_query(settings, "select distinct biz_date from daily_assets order by 1").rows
    return [r[0] for r in rows]


def _table(path: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(f"select * from read_parquet('{path}') order by customer_id").fetchall()


@pytest.fixture(scope="module")
def full_home(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _copy_home(small_brokerage, tmp_path_factory.mktemp("full"))
    run_pipeline(settings, full=True)
    return settings


def test_every_open_customer_gets_one_value_per_classification(full_home: Settings) -> None:
    last = _dates(full_home)[-1]
    expected = run_query(
        full_home,
        f"select count(*) from customers where open_date is null or open_date <= DATE '{last}'",
    ).rows[0][0]
    ids = [c.id for c in load_default_catalog().classifications]
    nulls = " + ".join(f"({i} is null)::int" for i in ids)
    rows, distinct, missing = run_query(
        full_home,
        f"select count(*), count(distinct customer_id), coalesce(sum({nulls}), 0) "
        "from customer_profile",
    ).rows[0]
    assert rows == distinct == expected > 500
    assert missing == 0


def test_incremental_runs_give_the_full_run(
    small_brokerage: Brokerage, full_home: Settings, tmp_path: Path
) -> None:
    days = _dates(full_home)
    settings = _copy_home(small_brokerage, tmp_path)
    for day in (days[4], days[8], days[9], days[-1]):  # batches of 5, 4, 1 and 2 days
        run_pipeline(settings, as_of=day)
    store = WarehouseLayout(settings.warehouse_dir)
    reference = WarehouseLayout(full_home.warehouse_dir)
    assert _table(store.indicators_file(days[-1])) == _table(reference.indicators_file(days[-1]))
    assert _table(store.profile_file(days[-1])) == _table(reference.profile_file(days[-1]))


def test_later_dates_do_not_change_an_earlier_profile(
    small_brokerage: Brokerage, tmp_path: Path
) -> None:
    dated = sorted(p for p in small_brokerage.inbox.iterdir() if p.name[:2] == "20")
    first, later = tmp_path / "first", tmp_path / "later"
    for folder, part in ((first, dated[:6]), (later, dated[6:])):
        folder.mkdir()
        for date_dir in part:
            (folder / date_dir.name).symlink_to(date_dir)
    settings = load_settings(home=tmp_path / "home")
    assert ingest_inbox(settings, first).exit_code == 0
    t1 = dt.date.fromisoformat(dated[5].name)
    run_pipeline(settings, as_of=t1)
    store = WarehouseLayout(settings.warehouse_dir)
    before = (_table(store.indicators_file(t1)), _table(store.profile_file(t1)))
    assert ingest_inbox(settings, later).exit_code == 0
    run_pipeline(settings)  # as of the latest date: the aggregates move past t1
    run_pipeline(settings, as_of=t1)
    assert (_table(store.indicators_file(t1)), _table(store.profile_file(t1))) == before


def test_a_redelivered_date_rebuilds_that_day_and_the_lots(
    small_brokerage: Brokerage, tmp_path: Path
) -> None:
    settings = _copy_home(small_brokerage, tmp_path)
    first = run_pipeline(settings)
    store = WarehouseLayout(settings.warehouse_dir)
    state = read_state(store.state_path)
    day = sorted(state.days)[3]
    state.days[day] = "an-older-delivery"  # as if the lake now holds a newer one
    state.lots.days[day] = "an-older-delivery"
    write_state(store.state_path, state)
    sharing = next(days for days in state.day_files.values() if day in days)
    again = run_pipeline(settings)
    # the file holding that day (a month's file, from the full build) is built again, whole
    assert (first.days_built, again.days_built) == (len(state.days), len(sharing))
    assert again.lot_days == len(state.days)  # lots restart from the first day
    assert again.customers == first.customers


def test_sql_reads_the_profile_history(full_home: Settings) -> None:
    last = _dates(full_home)[-1]
    rows = run_query(
        full_home,
        "select as_of_date, service_level, count(*) from customer_profile group by all",
    ).rows
    assert {r[0] for r in rows} == {last}
    assert {r[1] for r in rows} <= {"金手指", "金算盘", "金钥匙"}


def test_the_steps_run_under_the_memory_cap_the_caller_gives(
    small_brokerage: Brokerage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daily job lends part of DuckDB's cap to the publish loading beside the steps after
    `profile`: those steps, and the DuckDB they open themselves, keep to what is left."""
    settings = _copy_home(small_brokerage, tmp_path)
    seen: dict[str, tuple[str, str]] = {}

    def probe(ctx: RunContext) -> StepResult:
        limit = ctx.engine.fetch("select current_setting('memory_limit') as m").column(0)[0]
        seen["probe"] = (ctx.settings.duckdb_memory, str(limit))
        return StepResult()

    monkeypatch.setitem(steps_module._STEPS, "probe", RunStep("probe", probe, reads=("profile",)))
    done: list[str] = []
    run_pipeline(
        settings,
        on_step=lambda outcome: done.append(outcome.name),
        memory=lambda: "512MiB" if "profile" in done else settings.duckdb_memory,
    )
    assert done.index("profile") < done.index("probe")
    assert seen["probe"][0] == "512MiB" and seen["probe"][1].startswith("512")

"""The run's 360 lookup file answers exactly what the lake answers, for every kind of fact."""

from __future__ import annotations

import json
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from brokerlens.access import detail
from brokerlens.config import Settings, load_settings
from brokerlens.ingest import ingest_inbox
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.pipeline import run_pipeline
from brokerlens.publish.lookup import TABLES, lookup_file
from support.brokerage import Brokerage


def _customers_with_everything(settings: Settings, path: Path) -> list[str]:
    lookup = sqlite3.connect(path)
    try:
        # one customer per kind of fact that has rows there (another one than the kinds before
        # picked, where there is one), so every kind is compared whatever the generated data
        found: list[str] = []
        for table in TABLES:
            row = lookup.execute(
                "SELECT coalesce(min(customer_id) FILTER (WHERE customer_id NOT IN "
                "(SELECT value FROM json_each(?))), min(customer_id)) FROM facts "
                "WHERE json_array_length(doc, ?) > 0",
                (json.dumps(found), f"$.{table}"),
            ).fetchone()
            if row and row[0]:
                found.append(str(row[0]))
    finally:
        lookup.close()
    return sorted(set(found))


def test_lookup_equals_the_lake(small_brokerage: Brokerage, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(small_brokerage.settings.lake_dir, home / "lake")
    settings = load_settings(home=home)
    report = run_pipeline(settings)
    path = lookup_file(settings, report.as_of)
    assert path.exists() and "360 lookup" in report.seconds
    customers = _customers_with_everything(settings, path)
    assert len(customers) >= 5
    from_lookup = {c: detail.customer_facts(settings, c, report.as_of) for c in customers}
    path.rename(path.with_suffix(".hidden"))  # now the same questions go to the lake
    from_lake = {c: detail.customer_facts(settings, c, report.as_of) for c in customers}
    assert any(facts.positions for facts in from_lake.values())
    assert any(facts.recent_trades for facts in from_lake.values())
    for customer in customers:
        assert from_lookup[customer] == from_lake[customer], customer


def test_concurrent_360_reads_all_answer(small_brokerage: Brokerage, tmp_path: Path) -> None:
    """A server's threadpool asks for many customers at once: every answer arrives, and equals
    the answer of the same question asked alone (a shared connection once refused instead)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(small_brokerage.settings.lake_dir, home / "lake")
    settings = load_settings(home=home)
    report = run_pipeline(settings)
    customers = _customers_with_everything(settings, lookup_file(settings, report.as_of)) * 20
    alone = {c: detail.customer_facts(settings, c, report.as_of) for c in set(customers)}
    with ThreadPoolExecutor(max_workers=16) as pool:
        together = list(
            pool.map(lambda c: detail.customer_facts(settings, c, report.as_of), customers)
        )
    assert [alone[c] for c in customers] == together


def test_a_new_date_rebuilds_only_its_weeks_series(
    small_brokerage: Brokerage, tmp_path: Path
) -> None:
    """The charts' series live in weekly blocks: the next date rewrites only its own week's
    block, and the 360 of the date before still draws its own days (not the new one) with the
    asset mix of its own last day."""
    from brokerlens.access.detail import assets_history
    from brokerlens.publish.lookup import build_lookup, open_lookup
    from brokerlens.warehouse.layout import WarehouseLayout

    settings = load_settings(home=tmp_path / "home")
    folders = sorted(p for p in small_brokerage.inbox.iterdir() if p.name[:2] == "20")
    for name, part in (("history", folders[:-1]), ("next", folders[-1:])):
        (tmp_path / name).mkdir()
        for folder in part:
            (tmp_path / name / folder.name).symlink_to(folder)
    assert ingest_inbox(settings, tmp_path / "history").exit_code == 0
    *_, before = sorted(read_catalog(LakeLayout(settings.lake_dir)).dates)
    build_lookup(settings, before)
    layout = WarehouseLayout(settings.warehouse_dir)
    weeks = layout.series_weeks()
    assert len(weeks) >= 2
    stamps = {w: layout.series_file(w).stat().st_ino for w in weeks}
    assert ingest_inbox(settings, tmp_path / "next").exit_code == 0
    last = max(read_catalog(LakeLayout(settings.lake_dir)).dates)
    assert before.isocalendar()[1] == last.isocalendar()[1]  # the same week: its block grows
    build_lookup(settings, last)
    assert layout.series_weeks() == weeks
    rebuilt = [w for w in weeks if layout.series_file(w).stat().st_ino != stamps[w]]
    assert rebuilt == [weeks[-1]]  # only the week of the new date

    old = open_lookup(settings, before)
    assert old is not None
    ids = [
        r[0]
        for r in sqlite3.connect(lookup_file(settings, before)).execute(
            "SELECT customer_id FROM facts ORDER BY customer_id LIMIT 40"
        )
    ]
    compared = 0
    for cid in ids:
        lake = assets_history(settings, cid, before)
        found = old.series(cid)
        assert (found is not None) == bool(lake), cid
        if not lake or found is None:
            continue
        dates = [d for d, _ in old.series_dates() or []]
        assert [dates[n] for n in found["n"]] == [p.biz_date for p in lake]  # never `last`
        assert found["t"] == [p.total_assets for p in lake]
        assert found["m"][:2] == [lake[-1].cash, lake[-1].stock_value]
        compared += 1
    assert compared >= 20

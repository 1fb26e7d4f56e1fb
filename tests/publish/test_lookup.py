"""The run's 360 lookup file answers exactly what the lake answers, for every kind of fact."""

from __future__ import annotations

import json
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from brokerlens.access import detail
from brokerlens.config import Settings, load_settings
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

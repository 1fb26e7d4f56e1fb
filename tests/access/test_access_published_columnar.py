"""The Parquet copy a real publish writes (small brokerage): recorded on the snapshot, and the
DuckDB path over it answers exactly as the store's profile table."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.access import CustomerQuery, count_customers, list_customers, served_snapshot
from brokerlens.access.columnar import columnar_file
from brokerlens.access.conditions import Condition
from brokerlens.access.snapshot import clear_cache
from brokerlens.auth.principal import Permission, Principal, Role
from brokerlens.config import load_settings
from brokerlens.publish import publish
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.schema import snapshots
from support.brokerage import Brokerage

pytestmark = pytest.mark.slow


def test_publish_writes_the_columnar_copy(small_brokerage: Brokerage, tmp_path: Path) -> None:
    from brokerlens.pipeline.run import run_pipeline

    settings = load_settings(
        home=small_brokerage.settings.home, database_url=f"sqlite:///{tmp_path / 'store.db'}"
    )
    run_pipeline(small_brokerage.settings)
    publish(settings)
    clear_cache()
    try:
        db = open_store(settings)
        snapshot = served_snapshot(db)
        path = columnar_file(snapshot)
        assert path == str(settings.warehouse_dir / "served" / f"{snapshot.snapshot_id}.parquet")
        # reveal_pii: the birth_date sort below is personal (refused without it, audited with it)
        reveal = frozenset({Permission.REVEAL_PII})
        hq = Principal(1, "hq", "HQ", Role.HQ_MARKETING, extra_permissions=reveal)
        some = list_customers(db, hq, CustomerQuery(page_size=1)).rows[0]
        branch = Principal(
            2, "bm", "BM", Role.BRANCH_MANAGER, unit_id=some["branch_id"], extra_permissions=reveal
        )
        queries = [
            CustomerQuery(sort="total_assets_t", descending=True, page=2, page_size=20),
            CustomerQuery(sort="total_assets_t", page_size=30),
            CustomerQuery(
                conditions=[Condition(field="total_assets_t", op="ge", value=10_000)],
                sort="birth_date",
                page_size=50,
            ),
        ]

        def answers() -> list[object]:
            clear_cache()
            out: list[object] = []
            for who in (hq, branch):
                out.append(count_customers(db, who))
                out += [(p.total, p.rows) for p in (list_customers(db, who, q) for q in queries)]
            return out

        duck = answers()
        with db.begin() as connection:
            connection.execute(snapshots.update().values(columnar_path=None))
        assert answers() == duck  # the store's answers (columnar_path unset)
        assert columnar_file(served_snapshot(db)) is None
        with db.begin() as connection:
            connection.execute(snapshots.update().values(columnar_path=path))
        # Two more publishes: the first snapshot's table is dropped, and its file with it.
        publish(settings)
        publish(settings)
        clear_cache()
        assert not Path(path).exists()
        assert columnar_file(served_snapshot(db)) is not None
    finally:
        clear_cache()
        dispose_engines()

"""The access layer over a real publish of the small brokerage (pipeline -> publish -> access):
the contract's tables as publish writes them, read by access unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.access import (
    CustomerQuery,
    customer_360,
    explain_customer,
    home_summary,
    list_customers,
    org_tree,
    served_snapshot,
)
from brokerlens.access.snapshot import clear_cache
from brokerlens.auth.principal import Principal, Role
from brokerlens.config import load_settings
from brokerlens.publish import publish
from brokerlens.store import dispose_engines, open_store
from support.brokerage import Brokerage

pytestmark = pytest.mark.slow


def test_access_over_a_real_publish(small_brokerage: Brokerage, tmp_path: Path) -> None:
    from brokerlens.pipeline.run import run_pipeline

    home = small_brokerage.settings.home
    settings = load_settings(home=home, database_url=f"sqlite:///{tmp_path / 'store.db'}")
    run_pipeline(small_brokerage.settings)
    publish(settings)
    clear_cache()
    try:
        db = open_store(settings)
        snapshot = served_snapshot(db)
        hq = Principal(1, "hq", "HQ", Role.HQ_MARKETING)
        page = list_customers(
            db, hq, CustomerQuery(sort="total_assets_t", descending=True, page_size=5)
        )
        assert page.total == snapshot.rows > 0 and len(page.rows) == 5
        top = page.rows[0]
        view = customer_360(db, settings, hq, top["customer_id"])
        assert view["facts_error"] is None and view["relationships"]
        stored = {c["id"]: c["value"] for c in view["classifications"]}
        explained = explain_customer(db, hq, top["customer_id"])
        assert {e.classification_id: e.value for e in explained} == stored
        branch = Principal(2, "bm", "BM", Role.BRANCH_MANAGER, unit_id=top["branch_id"])
        mine = list_customers(db, branch, CustomerQuery(page_size=200))
        assert 0 < mine.total < page.total
        assert {r["branch_id"] for r in mine.rows} == {top["branch_id"]}
        assert home_summary(db, branch).customers == mine.total
        assert org_tree(db, hq)
    finally:
        clear_cache()
        dispose_engines()

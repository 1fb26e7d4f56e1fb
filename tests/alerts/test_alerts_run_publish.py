"""`brokerlens run` then `brokerlens publish` on the small generated brokerage: the run writes
T's alerts and counts them, publishing puts them in the store, and a re-run with a re-publish
adds none twice and keeps the status people set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.alerts import alerts_file
from brokerlens.config import load_settings
from brokerlens.pipeline import run_pipeline
from brokerlens.publish import publish
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.alerts_schema import alerts
from brokerlens.warehouse.layout import WarehouseLayout
from support.brokerage import Brokerage


def test_run_and_publish_then_again(small_brokerage: Brokerage, tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    shutil.copytree(small_brokerage.settings.lake_dir, settings.lake_dir)
    report = run_pipeline(settings)
    assert "alerts" in report.seconds
    fired = pq.read_table(alerts_file(WarehouseLayout(settings.warehouse_dir), report.as_of))
    assert sum(report.alerts.values()) == fired.num_rows > 0
    assert set(report.alerts) >= {"fund_movement", "no_trade", "risk_mismatch"}
    assert publish(settings, report.as_of).alerts == fired.num_rows
    db = open_store(settings)
    with db.begin() as connection:
        first = connection.execute(sa.select(alerts.c.alert_row_id)).scalars().first()
        connection.execute(
            alerts.update().where(alerts.c.alert_row_id == first).values(status="handled")
        )
    run_pipeline(settings, as_of=report.as_of)
    assert publish(settings, report.as_of).alerts == 0
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(alerts.c.customer_id, alerts.c.alert_id, alerts.c.as_of_date)
        ).all()
        status = connection.execute(
            sa.select(alerts.c.status).where(alerts.c.alert_row_id == first)
        ).scalar_one()
    dispose_engines()
    assert len(rows) == len(set(rows)) == fired.num_rows
    assert status == "handled"

"""Publishing T loads T's alert rows into the store once: a re-publish adds only rows the store
lacks and keeps the status people set; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.alerts import alerts_file
from brokerlens.alerts.evaluate import ALERT_SCHEMA
from brokerlens.config import Settings
from brokerlens.publish.alerts import publish_alerts
from brokerlens.store import open_store
from brokerlens.store.alerts_schema import alerts
from brokerlens.warehouse.layout import WarehouseLayout

T = dt.date(2025, 3, 28)


def write_alerts(settings: Settings, rows: list[tuple[str, str, str]], day: dt.date = T) -> None:
    explanation = json.dumps({"figures": {"x": 1}, "thresholds": {"y": 2}, "zh": "说明", "en": "e"})
    table = pa.table(
        {
            "as_of_date": [day] * len(rows),
            "customer_id": [r[0] for r in rows],
            "branch_id": [r[1] for r in rows],
            "alert_id": [r[2] for r in rows],
            "explanation": [explanation] * len(rows),
        },
        schema=ALERT_SCHEMA,
    )
    path = alerts_file(WarehouseLayout(settings.warehouse_dir), day)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def stored(db: sa.Engine) -> dict[tuple[str, str, dt.date], sa.Row[tuple[object, ...]]]:
    with db.connect() as connection:
        rows = connection.execute(sa.select(alerts)).all()
    return {(r.customer_id, r.alert_id, r.as_of_date): r for r in rows}


def test_a_republish_adds_only_new_rows_and_keeps_statuses(store_settings: Settings) -> None:
    db = open_store(store_settings)
    first = [("C1", "B1", "fund_movement"), ("C1", "B1", "no_trade"), ("C2", "B2", "no_trade")]
    write_alerts(store_settings, first)
    assert publish_alerts(db, store_settings, T) == 3
    got = stored(db)
    row = got[("C1", "fund_movement", T)]
    assert (row.branch_id, row.status, row.explanation["zh"]) == ("B1", "new", "说明")
    assert row.created_at is not None
    with db.begin() as connection:
        connection.execute(
            alerts.update()
            .where(alerts.c.alert_row_id == row.alert_row_id)
            .values(status="acknowledged", status_by="alice")
        )
    # the re-run of T found one more; publishing T again adds just that one
    write_alerts(store_settings, [*first, ("C3", "B1", "entitlement")])
    assert publish_alerts(db, store_settings, T) == 1
    assert publish_alerts(db, store_settings, T) == 0
    again = stored(db)
    assert len(again) == 4
    kept = again[("C1", "fund_movement", T)]
    assert (kept.alert_row_id, kept.status, kept.status_by) == (
        row.alert_row_id,
        "acknowledged",
        "alice",
    )


def test_an_alert_open_from_an_earlier_date_is_not_added_again(
    store_settings: Settings,
) -> None:
    """A lasting state fires every day; the inbox holds it once while it is new or
    acknowledged, and again once someone has handled or dismissed it."""
    db = open_store(store_settings)
    days = [T + dt.timedelta(days=n) for n in (0, 3, 4, 5)]
    for day in days:
        write_alerts(store_settings, [("C1", "B1", "no_trade"), ("C2", "B1", "no_trade")], day)
    assert publish_alerts(db, store_settings, days[0]) == 2
    with db.begin() as connection:
        connection.execute(
            alerts.update().where(alerts.c.customer_id == "C1").values(status="acknowledged")
        )
        connection.execute(
            alerts.update().where(alerts.c.customer_id == "C2").values(status="dismissed")
        )
    assert publish_alerts(db, store_settings, days[1]) == 1  # C2's, dismissed: again
    with db.begin() as connection:
        connection.execute(
            alerts.update().where(alerts.c.customer_id == "C1").values(status="handled")
        )
    assert publish_alerts(db, store_settings, days[2]) == 1  # C1's, now handled; C2 open
    assert set(stored(db)) == {
        ("C1", "no_trade", days[0]),
        ("C2", "no_trade", days[0]),
        ("C2", "no_trade", days[1]),
        ("C1", "no_trade", days[2]),
    }
    # another alert of a customer with one open still comes in
    write_alerts(store_settings, [("C2", "B1", "no_trade"), ("C2", "B1", "heavy_loss")], days[3])
    assert publish_alerts(db, store_settings, days[3]) == 1


def test_a_date_without_alerts_computed_loads_nothing(store_settings: Settings) -> None:
    assert publish_alerts(open_store(store_settings), store_settings, T) == 0

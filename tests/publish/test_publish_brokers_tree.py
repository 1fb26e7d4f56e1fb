"""Publish keeps the organisation's versions known on T: a version delivered after T is left
out and the one before it stays open; a later publish adds it and closes the older one; a
publish of the same date writes nothing. On the computed small brokerage, the store holds
exactly the lake's versions up to the published date."""

from __future__ import annotations

import datetime as dt

import duckdb
import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.publish import publish
from brokerlens.publish.org_history import publish_org_history
from brokerlens.store import open_store
from brokerlens.store.brokers_tree_schema import org_unit_versions, staff_versions
from brokerlens.warehouse import open_warehouse

D1, D2, D3 = dt.date(2025, 1, 2), dt.date(2025, 2, 3), dt.date(2025, 3, 3)


def _lake() -> duckdb.DuckDBPyConnection:
    duck = duckdb.connect()
    duck.execute(
        "CREATE TABLE org_units_history AS SELECT * FROM (VALUES "
        "('U1', NULL, 'hq', '总部', '上海', DATE '2010-01-01', NULL, DATE '2025-01-02', NULL)) "
        "t(unit_id, parent_id, unit_type, name, city, open_date, close_date, valid_from, valid_to)"
    )
    duck.execute(
        "CREATE TABLE staff_history AS SELECT * FROM (VALUES "
        "('S1', '李雷', 'U1', 'broker', NULL, DATE '2020-01-01', NULL, NULL, 'P1', "
        " DATE '2025-01-02', DATE '2025-02-03'), "
        "('S1', '李雷', 'U1', 'broker', NULL, DATE '2020-01-01', DATE '2025-02-20', NULL, 'P1', "
        " DATE '2025-02-03', NULL)) "
        "t(staff_id, name, unit_id, position, manager_id, hire_date, leave_date, sac_cert_no, "
        "grade, valid_from, valid_to)"
    )
    return duck


def _staff(db: sa.Engine) -> list[tuple[object, ...]]:
    with db.connect() as connection:
        query = sa.select(
            staff_versions.c.valid_from, staff_versions.c.valid_to, staff_versions.c.leave_date
        ).order_by(staff_versions.c.valid_from)
        return [tuple(r) for r in connection.execute(query)]


def test_versions_known_on_the_date_only(store_settings: Settings) -> None:
    db = open_store(store_settings)
    duck = _lake()
    assert publish_org_history(db, duck, D1) == 2  # the unit and the first version
    assert _staff(db) == [(D1, None, None)]  # the later delivery is not known on D1 yet
    assert publish_org_history(db, duck, D1) == 0
    assert publish_org_history(db, duck, D3) == 3  # the first version closed, the second added
    assert _staff(db) == [(D1, D2, None), (D2, None, dt.date(2025, 2, 20))]
    assert publish_org_history(db, duck, D1) == 3  # back to D1 (a re-publish of a past date)
    assert _staff(db) == [(D1, None, None)]


def test_a_publish_loads_the_lake_s_versions_up_to_its_date(pub_settings: Settings) -> None:
    day = publish(pub_settings).as_of_date
    duck = open_warehouse(pub_settings, lock_down=False)
    try:
        lake = duck.execute(
            "SELECT count(*), count(DISTINCT staff_id) FROM staff_history WHERE valid_from <= ?",
            [day],
        ).fetchone()
        units = duck.execute(
            "SELECT count(*) FROM org_units_history WHERE valid_from <= ?", [day]
        ).fetchone()
    finally:
        duck.close()
    assert lake is not None and units is not None
    db = open_store(pub_settings)
    with db.connect() as connection:
        stored = connection.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(staff_versions.c.staff_id)))
        ).one()
        stored_units = connection.execute(
            sa.select(sa.func.count()).select_from(org_unit_versions)
        ).scalar_one()
        staff_now = connection.execute(sa.text("SELECT count(*) FROM staff")).scalar_one()
    assert tuple(stored) == tuple(lake) and lake[0] > 0
    assert stored_units == units[0]
    assert stored[1] == staff_now  # every staff member of the store has their versions

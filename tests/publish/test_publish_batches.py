"""A publish loads in short transactions: other writers get in meanwhile, a killed publish's
leftovers are cleared by the next, and the flip writes only the reference rows that changed."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa
from publish_home import Computed

from brokerlens.config import Settings
from brokerlens.publish import bulk, publish, reference
from brokerlens.publish import service as publish_service
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log, login_attempts

SERVED = sa.text(
    "select s.snapshot_id, s.as_of_date from serving v "
    "join snapshots s on s.snapshot_id = v.snapshot_id where v.id = 1"
)


def test_other_writers_get_in_while_a_publish_loads(
    pub_settings: Settings, computed: Computed, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(pub_settings, as_of=computed.earlier)
    monkeypatch.setattr(bulk, "SQLITE_CHUNK_ROWS", 50)
    monkeypatch.setattr(bulk, "PG_COMMIT_ROWS", 50)
    monkeypatch.setattr(bulk, "HOLD_SECONDS", 0.0)
    loading = threading.Event()
    batches: list[float] = []

    def slow() -> None:
        batches.append(time.perf_counter())
        loading.set()
        time.sleep(0.2)

    monkeypatch.setattr(bulk, "between_batches", slow)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            publish(pub_settings, as_of=computed.latest)
        except BaseException as exc:  # reported below
            errors.append(exc)

    publisher = threading.Thread(target=run)
    publisher.start()
    try:
        assert loading.wait(60)
        db = open_store(pub_settings)
        now = dt.datetime.now(dt.UTC)
        for _ in range(3):
            started = time.perf_counter()
            with db.begin() as connection:
                connection.execute(
                    audit_log.insert().values(at=now, username="u", action="view_360")
                )
            with db.begin() as connection:
                connection.execute(
                    login_attempts.insert().values(username="u", ip="1.2.3.4", at=now, success=1)
                )
            took = time.perf_counter() - started
            assert took < 2.0, f"a writer waited {took:.1f} s for the publish"
            with db.connect() as connection:  # still the previous date, meanwhile
                assert connection.execute(SERVED).one().snapshot_id == first.snapshot_id
            time.sleep(0.1)
        assert publisher.is_alive(), "the publish finished before the writers were tried"
    finally:
        publisher.join(timeout=120)
    assert errors == []
    assert len(batches) > 5
    with open_store(pub_settings).connect() as connection:
        assert str(connection.execute(SERVED).one().as_of_date) == str(computed.latest)
        writes = connection.execute(sa.select(sa.func.count()).select_from(audit_log))
        assert writes.scalar_one() == 3


def test_a_killed_publish_leftovers_are_cleared_by_the_next(
    pub_settings: Settings, computed: Computed, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(pub_settings, as_of=computed.earlier)
    real = publish_service.load_profile

    def killed(db: sa.Engine, table: sa.Table, batches: object) -> int:
        real(db, table, batches)  # type: ignore[arg-type]
        raise KeyboardInterrupt  # stands for SIGKILL: nothing below runs

    monkeypatch.setattr(publish_service, "load_profile", killed)
    monkeypatch.setattr(publish_service, "abandon", lambda *_args: None)
    with pytest.raises(KeyboardInterrupt):
        publish(pub_settings, as_of=computed.latest)
    db = open_store(pub_settings)
    with db.connect() as connection:
        left = connection.execute(
            sa.text("select snapshot_id, table_name from snapshots where status = 'loading'")
        ).one()
        assert left.table_name in sa.inspect(connection).get_table_names()
        assert connection.execute(SERVED).one().snapshot_id == first.snapshot_id
    monkeypatch.undo()

    report = publish(pub_settings, as_of=computed.latest)
    with db.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        status = connection.execute(
            sa.text("select status from snapshots where snapshot_id = :s"),
            {"s": left.snapshot_id},
        ).scalar_one()
        served = connection.execute(SERVED).one()
    assert left.table_name not in tables and status == "failed"
    assert served.snapshot_id == report.snapshot_id
    assert {first.table_name, report.table_name} <= set(tables)


def _reference(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    with open_store(settings).connect() as connection:
        return {
            table.name: sorted(connection.execute(sa.select(table)).all(), key=repr)
            for table in reference.REFERENCE_TABLES
        }


def test_a_next_day_publish_writes_only_the_changed_reference_rows(
    pub_settings: Settings, computed: Computed, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(pub_settings, as_of=computed.earlier)
    assert first.reference_written == first.reference  # nothing published: written whole
    same = publish(pub_settings, as_of=computed.earlier)
    assert same.reference_written == {"org_units": 0, "staff": 0, "relationships": 0}

    # One relationship's share changes as of the next publish's date.
    with open_store(pub_settings).connect() as connection:
        one = connection.execute(
            sa.text("select customer_id, staff_id from relationships order by 1, 2 limit 1")
        ).one()
    real = reference.reference_sql

    def edited(table_name: str, day: dt.date) -> str:
        sql = real(table_name, day)
        if table_name != "relationships" or day != computed.latest:
            return sql
        return (
            "SELECT * REPLACE (CASE WHEN customer_id = "
            f"'{one.customer_id}' AND staff_id = '{one.staff_id}' "
            f"THEN 12.5 ELSE share_pct END AS share_pct) FROM ({sql})"
        )

    monkeypatch.setattr(reference, "reference_sql", edited)
    # The lake's own differences between the two dates, plus the edited row (out + in).
    expected = _lake_difference(pub_settings, computed)
    moved = publish(pub_settings, as_of=computed.latest)
    assert moved.reference_written["relationships"] == expected["relationships"] + 2
    assert moved.reference_written["staff"] == expected["staff"]
    assert moved.reference_written["org_units"] == expected["org_units"]
    diffed = _reference(pub_settings)
    shares = [r.share_pct for r in diffed["relationships"] if r[:2] == tuple(one)]
    assert shares and set(shares) == {12.5}

    # The same date again after the store lost rows: counts differ, so replaced whole, and
    # the result is what the difference made.
    with open_store(pub_settings).begin() as connection:
        connection.execute(sa.text("delete from staff"))
    whole = publish(pub_settings, as_of=computed.latest)
    assert whole.reference_written["staff"] == whole.reference["staff"] > 0
    assert whole.reference_written["relationships"] == 0
    assert _reference(pub_settings) == diffed


def _lake_difference(settings: Settings, computed: Computed) -> dict[str, int]:
    """Rows out + rows in per reference table between the two dates, from the lake directly."""
    from brokerlens.warehouse import open_warehouse
    from brokerlens.warehouse.views import as_of_sql

    duck = open_warehouse(settings, lock_down=False)
    try:
        counts = {}
        for table in reference.REFERENCE_TABLES:
            cols = ", ".join(c.name for c in table.columns)
            old = f"SELECT {cols} FROM ({as_of_sql(table.name, computed.earlier)})"
            new = f"SELECT {cols} FROM ({as_of_sql(table.name, computed.latest)})"
            out = duck.sql(f"SELECT count(*) FROM ({old} EXCEPT {new})").fetchall()[0][0]
            into = duck.sql(f"SELECT count(*) FROM ({new} EXCEPT {old})").fetchall()[0][0]
            counts[table.name] = int(out) + int(into)
        return counts
    finally:
        duck.close()

"""A reader polling while publishes run only ever sees a served snapshot with its own rows."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from publish_home import Computed

from brokerlens.config import Settings
from brokerlens.publish import publish
from brokerlens.store import open_store, store_engine

SERVED = sa.text(
    "select s.snapshot_id, s.as_of_date, s.table_name, s.rows from serving v "
    "join snapshots s on s.snapshot_id = v.snapshot_id where v.id = 1"
)


def test_readers_see_a_consistent_snapshot_during_publishes(
    pub_settings: Settings, computed: Computed
) -> None:
    publish(pub_settings, as_of=computed.earlier)
    db = store_engine(pub_settings)
    seen: list[tuple[int, str]] = []
    problems: list[str] = []
    stop = threading.Event()

    def read() -> None:
        # The way the access layer reads: which snapshot is served, then its table.
        while not stop.is_set():
            try:
                with db.connect() as connection:
                    snap = connection.execute(SERVED).one()
                    count, low, high = connection.execute(
                        sa.text(
                            f"select count(*), min(as_of_date), max(as_of_date) "
                            f"from {snap.table_name}"
                        )
                    ).one()
                day = str(snap.as_of_date)
                if count != snap.rows or str(low) != day or str(high) != day:
                    problems.append(f"{snap}: {count} rows dated {low}..{high}")
                seen.append((snap.snapshot_id, day))
            except Exception as exc:
                problems.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.001)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for day in (computed.latest, computed.earlier, computed.latest):
            publish(pub_settings, as_of=day)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert problems == []
    assert len({snapshot for snapshot, _ in seen}) >= 2, seen[-3:]
    with open_store(pub_settings).connect() as connection:
        assert str(connection.execute(SERVED).one().as_of_date) == str(computed.latest)


def test_two_publishes_at_once_both_land_one_after_the_other(
    pub_settings: Settings, computed: Computed
) -> None:
    publish(pub_settings, as_of=computed.earlier)
    reports = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            reports.append(publish(pub_settings, as_of=computed.latest))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with open_store(pub_settings).connect() as connection:
        served = connection.execute(SERVED).one()
        duplicated = connection.execute(
            sa.text(
                "select count(*) from (select kind, scope_id, biz_date from scope_daily "
                "group by kind, scope_id, biz_date having count(*) > 1) d"
            )
        ).scalar_one()
    assert served.snapshot_id == max(r.snapshot_id for r in reports)
    assert sorted(len(r.scope_days) for r in reports) == [0, 1]  # the latest date added once
    assert duplicated == 0

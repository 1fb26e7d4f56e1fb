"""publish(): the profile as of T, reference data, changes and trend, served by one flip."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from publish_home import Computed, linked_home

from brokerlens.config import Settings, load_settings
from brokerlens.errors import ConfigError, LakeError
from brokerlens.publish import PublishError, publish
from brokerlens.publish import service as publish_service
from brokerlens.store import dispose_engines, open_store
from brokerlens.warehouse.layout import WarehouseLayout


def _profile(settings: Settings, day: dt.date) -> dict[str, dict[str, object]]:
    table = pq.read_table(WarehouseLayout(settings.warehouse_dir).profile_file(day))
    return {row["customer_id"]: row for row in table.to_pylist()}


def test_publish_serves_the_profile_with_reference_columns(
    pub_settings: Settings, computed: Computed
) -> None:
    report = publish(pub_settings, as_of=computed.earlier)
    expected = _profile(pub_settings, computed.earlier)
    assert report.rows == len(expected) and report.as_of_date == computed.earlier
    db = open_store(pub_settings)
    with db.connect() as connection:
        snap = connection.execute(
            sa.text(
                "select s.snapshot_id, s.table_name, s.columns, s.catalog, s.status, s.rows "
                "from serving v join snapshots s on s.snapshot_id = v.snapshot_id where v.id = 1"
            )
        ).one()
        assert (snap.snapshot_id, snap.table_name) == (report.snapshot_id, report.table_name)
        assert snap.status == "served" and snap.rows == report.rows
        columns = snap.columns if isinstance(snap.columns, list) else json.loads(snap.columns)
        kinds = {c["name"]: (c["kind"], c["type"]) for c in columns}
        assert [c["name"] for c in columns][:3] == ["customer_id", "name", "customer_type"]
        assert kinds["region_id"] == ("customer", "text")
        assert kinds["birth_date"] == ("customer", "date")
        assert kinds["total_assets_t"] == ("indicator", "number")
        assert kinds["service_level"] == ("classification", "text")
        assert kinds["catalog_version"][0] == "meta"
        catalog = snap.catalog if isinstance(snap.catalog, dict) else json.loads(snap.catalog)
        assert "service_level" in [c["id"] for c in catalog["classifications"]]

        rows = connection.execute(
            sa.text(
                f"select p.customer_id, p.service_level, p.total_assets_t, p.region_id, "
                f"p.birth_date, u.parent_id from {report.table_name} p "
                "left join org_units u on u.unit_id = p.branch_id"
            )
        ).all()
        assert len(rows) == len(expected)
        for row in rows:
            want = expected[row.customer_id]
            assert row.service_level == want["service_level"]
            assert row.total_assets_t == pytest.approx(want["total_assets_t"])
            assert row.region_id == row.parent_id and row.region_id is not None
        assert any(row.birth_date is not None for row in rows)

        indexed = {
            tuple(ix["column_names"])
            for ix in sa.inspect(connection).get_indexes(report.table_name)
        }
        for column in ("branch_id", "region_id", "total_assets_t", "service_level"):
            assert (column,) in indexed
        for table in ("org_units", "staff", "relationships"):
            count = connection.execute(sa.text(f"select count(*) from {table}")).scalar_one()
            assert count == report.reference[table] > 0
        days = connection.execute(sa.text("select distinct biz_date from scope_daily")).scalars()
        assert sorted(str(d) for d in days) == sorted(str(d) for d in report.scope_days)
        assert max(report.scope_days) == computed.earlier


def test_next_publish_flips_records_changes_and_drops_older(
    pub_settings: Settings, computed: Computed
) -> None:
    first = publish(pub_settings, as_of=computed.earlier)
    second = publish(pub_settings, as_of=computed.latest)
    assert second.scope_days == [computed.latest]
    old = _profile(pub_settings, computed.earlier)
    new = _profile(pub_settings, computed.latest)
    moved = {
        k for k in new.keys() & old.keys() if new[k]["service_level"] != old[k]["service_level"]
    }
    arrived = new.keys() - old.keys()
    db = open_store(pub_settings)

    def changes_of(snapshot_id: int) -> list[Any]:
        with db.connect() as connection:
            return list(
                connection.execute(
                    sa.text(
                        "select customer_id, field, old_value, new_value from profile_changes "
                        "where snapshot_id = :s"
                    ),
                    {"s": snapshot_id},
                ).all()
            )

    changes = changes_of(second.snapshot_id)
    assert second.changes == len(changes)
    assert {c.customer_id for c in changes if c.field == "service_level"} == moved
    assert {c.customer_id for c in changes if c.new_value == "new"} == arrived
    for c in changes:
        if c.field == "service_level":
            assert (c.old_value, c.new_value) == (
                old[c.customer_id]["service_level"],
                new[c.customer_id]["service_level"],
            )

    third = publish(pub_settings, as_of=computed.latest)  # the same date published again
    assert third.scope_days == []
    # its changes stay those from the date before it, not an empty difference with itself
    assert third.changes == second.changes > 0
    assert sorted(changes_of(third.snapshot_id)) == sorted(changes)
    with db.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        statuses: dict[int, str] = dict(
            connection.execute(sa.text("select snapshot_id, status from snapshots")).all()
        )
        served = connection.execute(
            sa.text("select snapshot_id from serving where id = 1")
        ).scalar_one()
        left = connection.execute(
            sa.text("select count(*) from profile_changes where snapshot_id = :s"),
            {"s": first.snapshot_id},
        ).scalar_one()
    assert first.table_name not in tables  # older than the previous one: dropped
    assert {second.table_name, third.table_name} <= tables
    assert served == third.snapshot_id
    assert statuses == {
        first.snapshot_id: "retired",
        second.snapshot_id: "retired",
        third.snapshot_id: "served",
    }
    assert left == 0


def _store_state(settings: Settings) -> tuple[object, ...]:
    db = open_store(settings)
    with db.connect() as connection:
        tables = sorted(
            t for t in sa.inspect(connection).get_table_names() if t.startswith("profile_")
        )
        return (
            tables,
            connection.execute(sa.text("select snapshot_id from serving")).all(),
            # a failed publish leaves its snapshot row, marked failed, and nothing else
            connection.execute(
                sa.text("select snapshot_id, status from snapshots where status <> 'failed'")
            ).all(),
            connection.execute(sa.text("select count(*) from org_units")).scalar_one(),
            connection.execute(sa.text("select count(*) from relationships")).scalar_one(),
            connection.execute(sa.text("select count(*) from scope_daily")).scalar_one(),
            connection.execute(sa.text("select count(*) from profile_changes")).scalar_one(),
        )


@pytest.mark.parametrize(
    "step",
    ["load_profile", "create_indexes", "write_changes", "apply_reference", "add_scope_days"],
)
def test_a_publish_failing_midway_leaves_the_previous_date_served(
    pub_settings: Settings, computed: Computed, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    first = publish(pub_settings, as_of=computed.earlier)
    before = _store_state(pub_settings)
    with open_store(pub_settings).connect() as connection:
        rows_before = connection.execute(
            sa.text(f"select customer_id, service_level from {first.table_name}")
        ).all()

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"{step} broke")

    monkeypatch.setattr(publish_service, step, boom)
    with pytest.raises(RuntimeError, match="broke"):
        publish(pub_settings, as_of=computed.latest)
    assert _store_state(pub_settings) == before
    with open_store(pub_settings).connect() as connection:
        rows_after = connection.execute(
            sa.text(f"select customer_id, service_level from {first.table_name}")
        ).all()
    assert sorted(rows_after) == sorted(rows_before)
    with open_store(pub_settings).connect() as connection:
        failed = connection.execute(
            sa.text("select count(*) from snapshots where status = 'failed'")
        ).scalar_one()
    assert failed == 1
    monkeypatch.undo()
    assert publish(pub_settings, as_of=computed.latest).rows > 0  # and the next one works
    # the failed publish's columnar copy (written beside the load) went with it
    with open_store(pub_settings).connect() as connection:
        recorded = set(
            connection.execute(
                sa.text("select columnar_path from snapshots where status <> 'failed'")
            ).scalars()
        )
    served_dir = pub_settings.warehouse_dir / "served"
    assert {str(p) for p in served_dir.glob("*.parquet")} == recorded


def test_a_store_error_becomes_a_publish_error(
    pub_settings: Settings, computed: Computed, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(pub_settings, as_of=computed.earlier)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise sa.exc.OperationalError("insert", {}, Exception("disk I/O error"))

    monkeypatch.setattr(publish_service, "add_scope_days", broken)
    with pytest.raises(PublishError, match="previously published date stays served"):
        publish(pub_settings, as_of=computed.latest)


def test_nothing_computed_says_run_first(computed: Computed, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "lake").symlink_to(computed.home / "lake", target_is_directory=True)
    with pytest.raises(LakeError, match="no computed profile") as caught:
        publish(load_settings(home=home))
    assert "brokerlens run" in str(caught.value)


def test_a_date_not_computed_is_refused(computed: Computed, tmp_path: Path) -> None:
    settings = load_settings(home=linked_home(computed, tmp_path))
    with pytest.raises(
        ConfigError, match="2020-01-02: no profile has been computed as of that date"
    ):
        publish(settings, as_of=dt.date(2020, 1, 2))


def test_an_unreadable_profile_becomes_a_publish_error(
    computed: Computed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    settings = load_settings(home=linked_home(computed, tmp_path))

    def unreadable(*_args: object, **_kwargs: object) -> None:
        raise duckdb.IOException("IO Error: could not read the Parquet file")

    monkeypatch.setattr(publish_service, "compute_scope", unreadable)
    with pytest.raises(PublishError, match="reading the warehouse for") as caught:
        publish(settings)
    assert "brokerlens run" in str(caught.value)


# Statistics are PostgreSQL's concern (SQLite plans well without): its store alone.
@pytest.mark.parametrize("pub_settings", ["postgresql"], indirect=True)
def test_postgres_plans_with_fresh_statistics_after_a_publish(
    pub_settings: Settings, computed: Computed
) -> None:
    """On PostgreSQL the bulk-loaded tables are analysed by the publish itself, so the first
    readers are planned on their real sizes (stale statistics made the 360 ~80x slower)."""
    publish(pub_settings, as_of=computed.earlier)
    db = open_store(pub_settings)
    assert db.dialect.name == "postgresql"
    with db.connect() as connection:
        table = connection.execute(sa.text("select table_name from snapshots")).scalar_one()
        analysed = dict(
            connection.execute(
                sa.text(
                    "select relname, analyze_count from pg_stat_user_tables "
                    "where schemaname = current_schema()"
                )
            ).all()
        )
        staff = connection.execute(sa.text("select count(*) from staff")).scalar_one()
        planned = connection.execute(
            sa.text(
                "select reltuples from pg_class where relname = 'staff' "
                "and relnamespace = current_schema()::regnamespace"
            )
        ).scalar_one()
    for name in (table, "staff", "relationships", "org_units"):
        assert analysed.get(name, 0) >= 1, name
    assert planned == staff  # the planner knows the staff table's real size


def test_the_trend_backfilled_a_few_dates_a_query_equals_one_query_over_all(
    computed: Computed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brokerlens.lake.catalog import read_catalog
    from brokerlens.lake.layout import LakeLayout
    from brokerlens.publish import scope
    from brokerlens.warehouse import open_warehouse

    days = sorted(read_catalog(LakeLayout(computed.home / "lake")).dates)
    assert len(days) >= 5
    duck = open_warehouse(load_settings(home=computed.home), lock_down=False)
    try:
        whole = duck.sql(scope.scope_sql(days, sqlite=False)).to_arrow_table().to_pylist()
        monkeypatch.setattr(scope, "DATES_PER_QUERY", 2)
        chunked = scope.compute_scope(duck, days, sqlite=False)
    finally:
        duck.close()
    assert chunked is not None

    def key(row: dict[str, Any]) -> tuple[str, str, str]:
        return (row["kind"], row["scope_id"], str(row["biz_date"]))

    assert sorted(chunked.to_pylist(), key=key) == sorted(whole, key=key)
    assert {row["biz_date"] for row in whole} == set(days)  # every date has its rows


def test_a_home_given_as_a_relative_path_records_where_the_columnar_copy_is(
    computed: Computed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`brokerlens --home home publish`, then a server started from another folder: the
    recorded copy is found (a relative path sent every list and analysis to the slow store)."""
    linked_home(computed, tmp_path)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(home=Path("home"))
    publish(settings, as_of=computed.latest)
    with open_store(settings).connect() as connection:
        recorded = connection.execute(sa.text("select columnar_path from snapshots")).scalar_one()
    dispose_engines()
    assert Path(recorded).is_absolute() and Path(recorded).is_file()

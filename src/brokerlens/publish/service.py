"""`publish(settings, as_of)`: the profile and reference data as of T into the operational store.

Readers find the profile table through `serving` -> `snapshots.table_name`, so a new table is
invisible until the flip. The work is cut into short transactions so the serving app keeps
writing (sign-ins, audit rows) meanwhile, SQLite having a single write lock:

1. the snapshot row, status `loading`, naming `profile_<id>`;
2. the table, its rows committed a batch at a time (`bulk.load_in_batches`), its indexes;
3. profile_changes (keyed by the new snapshot, which nobody reads yet), in batches;
   On a first publish (nothing served, so nobody reads them) the reference tables too;
4. the flip, one short transaction: the reference tables' differences as of T, the new
   scope_daily rows, the snapshot served, `serving` pointed at it, the previous one retired;
5. after it, tables older than the previous snapshot dropped.

Readers see the previous date until the flip commits, then the new one. A failure before the
flip drops the new table and marks the snapshot `failed`; each publish starts by clearing what
a killed one left. Publishes queue on a lock (`publish_lock`).

The changes and the trend are worked out by DuckDB in a second thread while the store takes
the profile rows."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from brokerlens.atomic import atomic_file
from brokerlens.classify import Catalog, load_active_catalog
from brokerlens.config import Settings
from brokerlens.engine.sqltext import ident, literal
from brokerlens.errors import BrokerlensError, ConfigError, LakeError
from brokerlens.indicators import load_indicators
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.publish.alerts import publish_alerts
from brokerlens.publish.bulk import load_in_batches
from brokerlens.publish.callbacks import publish_callbacks
from brokerlens.publish.campaigns import publish_campaign_outcomes
from brokerlens.publish.care import publish_care
from brokerlens.publish.changes import compute_changes, write_changes
from brokerlens.publish.columns import ColumnSpec
from brokerlens.publish.complaints import COMPLAINTS_ANALYZE, publish_complaints
from brokerlens.publish.handovers import overlay_rows, put_back, take_out, touched_customers
from brokerlens.publish.org_history import publish_org_history
from brokerlens.publish.profile_table import create_indexes, profile_table, table_name
from brokerlens.publish.reference import (
    apply_reference,
    plan_reference,
    preload_reference,
    stage_reference,
)
from brokerlens.publish.scope import add_scope_days, compute_scope, missing_days
from brokerlens.publish.source import (
    PROFILE_ROWS,
    PROFILE_VIEW,
    column_specs,
    create_profile_view,
    stage_profile,
    staged_batches,
)
from brokerlens.store import open_store
from brokerlens.store.schema import profile_changes, serving, snapshots
from brokerlens.warehouse import open_warehouse
from brokerlens.warehouse.layout import WarehouseLayout

log = logging.getLogger(__name__)

# Two publishes at once would race for `serving`: the second waits for the first.
_PG_LOCK = 0x62726B6C  # "brkl"


class PublishError(BrokerlensError):
    """The store refused or failed a publish; the previously served date stays served."""


@dataclass
class PublishReport:
    rows: int
    seconds: float
    snapshot_id: int
    as_of_date: dt.date
    table_name: str
    changes: int = 0
    scope_days: list[dt.date] = field(default_factory=list)
    reference: dict[str, int] = field(default_factory=dict)  # rows per reference table
    reference_written: dict[str, int] = field(default_factory=dict)  # rows deleted + inserted
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step
    alerts: int = 0  # alert rows of T inserted (those already there keep their status)
    care: int = 0  # care messages of T put in the outbox (opted-out ones marked so)
    campaign_conversions: int = 0  # campaign members whose conversion T's outcomes found
    complaints: int = 0  # complaints the feed's state of T added or moved on, and escalations
    callbacks: int = 0  # call-back tasks of T's rules inserted (those already there kept)
    org_versions: int = 0  # org unit and staff versions written (deleted + inserted)
    handovers: int = 0  # applied handover items put back on the feed's relationships (issue 19)


def pick_profile(settings: Settings, as_of: dt.date | None) -> tuple[dt.date, Path]:
    warehouse = WarehouseLayout(settings.warehouse_dir)
    computed = warehouse.profile_dates()
    if not computed:
        raise LakeError(
            f"no computed profile under {warehouse.root}",
            hint="run `brokerlens run` first (it computes the profile, then publishes it)",
        )
    if as_of is None:
        return computed[-1], warehouse.profile_file(computed[-1])
    if as_of not in computed:
        raise ConfigError(
            f"--as-of {as_of}: no profile has been computed as of that date",
            hint=f"run `brokerlens run --as-of {as_of}` first; computed dates: "
            + ", ".join(str(d) for d in computed[-5:]),
        )
    return as_of, warehouse.profile_file(as_of)


def catalog_json(catalog: Catalog) -> dict[str, Any]:
    return catalog.model_dump(mode="json", exclude_none=True)


def publish(
    settings: Settings,
    as_of: dt.date | None = None,
    on_step: Callable[[str, float], None] | None = None,
) -> PublishReport:
    """Publish the profile as of T (default: the latest computed) and serve it; `on_step`
    hears of each step (name, seconds) as it finishes."""
    publishing = Publishing(settings, as_of, on_step)
    publishing.prepare()
    return publishing.finish()


class PublishCancelled(BrokerlensError):
    """The publish was called off before its flip (the daily job's run failed meanwhile)."""


class Publishing:
    """One publish in two halves. `prepare` loads the new profile table and its indexes, which
    readers do not see; `finish` flips readers to it and publishes the rest of the date.

    Only the profile, the lake and the store go into `prepare`, so the daily job starts it in a
    second thread (`prepare_in_background`) as soon as the run's `profile` step is done, and the
    store takes the rows while the run's later steps compute (issue 21). `memory_limit` caps
    this publish's DuckDB meanwhile; `cancel` calls it off if the run fails. The publish lock is
    held from `prepare` to the end of `finish` (or `cancel`)."""

    def __init__(
        self,
        settings: Settings,
        as_of: dt.date | None = None,
        on_step: Callable[[str, float], None] | None = None,
        *,
        memory_limit: str | None = None,
    ) -> None:
        self.started = time.perf_counter()
        day, profile_path = pick_profile(settings, as_of)
        catalog = load_active_catalog(settings)
        loaded = sorted(read_catalog(LakeLayout(settings.lake_dir)).dates)
        self.day = day
        self.duck = open_warehouse(settings, lock_down=False)
        self._stack = ExitStack()
        self._stack.callback(self.duck.close)
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed: BaseException | None = None
        self._prepared: _Prepared | None = None
        with self._errors():
            if memory_limit:
                self.duck.execute(f"SET memory_limit = {literal(memory_limit)}")
            self.duck.execute("SET enable_progress_bar = false")  # the CLI prints its own line
            create_profile_view(self.duck, profile_path, day)
            columns = column_specs(self.duck, PROFILE_VIEW, catalog, load_indicators(settings))
            self.job = _Job(
                settings=settings,
                duck=self.duck,
                day=day,
                profile_path=profile_path,
                columns=columns,
                catalog=catalog,
                version=_catalog_version(self.duck, profile_path),
                loaded=loaded,
                on_step=on_step,
                cancelled=self._cancelled,
            )
            self.db = open_store(settings)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self._stack.close()  # the lock and DuckDB go with a failure
            raise

    def prepare(self) -> None:
        """Stage, create and load the new profile table, then its indexes (under the lock)."""
        with self._errors(), _store_errors(self.day):
            self._stack.enter_context(publish_lock(self.db))
            self._prepared = self.job.prepare(self.db)

    def prepare_in_background(self) -> None:
        def prepare() -> None:
            try:
                self.prepare()
            except BaseException as exc:  # finish() raises it in the caller's thread
                self._failed = exc

        self._thread = threading.Thread(target=prepare, name="publish-prepare", daemon=True)
        self._thread.start()

    def prepared(self) -> bool:
        """Whether `prepare` has ended (loaded, failed or called off)."""
        return self._thread is None or not self._thread.is_alive()

    def finish(self) -> PublishReport:
        """Flip readers to the new table and publish the rest of the date; returns the report."""
        if self._thread is not None:
            self._thread.join()
        with self._stack:
            if self._failed is not None:
                raise self._failed
            assert self._prepared is not None, "prepare() first"
            with _store_errors(self.day):
                report = self.job.finish(self.db, self._prepared)
        report.seconds = round(time.perf_counter() - self.started, 2)
        return report

    def cancel(self) -> None:
        """Call the publish off before its flip: the new table is dropped and its snapshot
        marked failed; readers keep the served date."""
        self._cancelled.set()
        with suppress(duckdb.Error):  # closed already when prepare failed
            self.duck.interrupt()  # a staging query stops at once, not when it is done
        if self._thread is not None:
            self._thread.join()
        with self._stack:
            if self._prepared is not None:  # loaded before the call came
                abandon(self.db, self._prepared.snapshot_id, self._prepared.name)


@contextmanager
def _store_errors(day: dt.date) -> Iterator[None]:
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise PublishError(
            f"publishing {day} to the store failed: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}",
            hint="nothing was changed and the previously published date stays served; "
            "check the store (BROKERLENS_DATABASE_URL) and run `brokerlens publish` again",
        ) from None
    except duckdb.Error as exc:
        raise PublishError(
            f"reading the warehouse for {day} failed: {str(exc).splitlines()[0]}",
            hint="nothing was published; run `brokerlens run` again to recompute the "
            f"profile as of {day}, then `brokerlens publish`",
        ) from None


def _catalog_version(duck: duckdb.DuckDBPyConnection, path: Path) -> str:
    rows = duck.execute(
        f"SELECT any_value(catalog_version) FROM read_parquet({literal(str(path))})"
    ).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else "unknown"


@dataclass
class _Basis:
    """What the changes and the trend rows are worked out against."""

    previous: int | None
    previous_date: dt.date | None
    changes_date: dt.date | None  # the date the changes are from (the previous one's, or
    # the one before when T is published again)
    before: int | None  # when T is published again: the snapshot served before T
    days: list[dt.date]


@dataclass
class _Derived:
    basis: _Basis
    changes: pa.Table | None
    scope: pa.Table | None


@dataclass
class _Prepared:
    """A loaded, indexed table not served yet, and what its flip needs."""

    snapshot_id: int
    name: str
    rows: int
    derived: _Derived


@dataclass
class _Job:
    settings: Settings
    duck: duckdb.DuckDBPyConnection
    day: dt.date
    profile_path: Path
    columns: list[ColumnSpec]
    catalog: Catalog
    version: str
    loaded: list[dt.date]
    on_step: Callable[[str, float], None] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    steps: dict[str, float] = field(default_factory=dict)

    def _basis(self, connection: sa.Connection) -> _Basis:
        row = connection.execute(
            sa.select(snapshots.c.snapshot_id, snapshots.c.as_of_date)
            .join(serving, serving.c.snapshot_id == snapshots.c.snapshot_id)
            .where(serving.c.id == 1)
        ).first()
        previous_date = row.as_of_date if row else None
        changes_date, before = previous_date, None
        if previous_date == self.day:
            # T published again (a resumed daily run, a second `publish`): its changes stay
            # those from the date served before T, not an empty T-to-T difference
            earlier = connection.execute(
                sa.select(snapshots.c.snapshot_id, snapshots.c.as_of_date)
                .where(
                    snapshots.c.as_of_date < self.day,
                    snapshots.c.status.in_(("served", "retired")),
                )
                .order_by(snapshots.c.as_of_date.desc(), snapshots.c.snapshot_id.desc())
                .limit(1)
            ).first()
            changes_date, before = (earlier[1], earlier[0]) if earlier else (None, None)
        return _Basis(
            previous=row.snapshot_id if row else None,
            previous_date=previous_date,
            changes_date=changes_date,
            before=before,
            days=missing_days(connection, self.loaded, self.day),
        )

    def _derive(self, basis: _Basis, sqlite: bool) -> _Derived:
        # Its own DuckDB connection (same database, same views): runs beside the main one.
        duck = self.duck.cursor()
        try:
            duck.execute("SET enable_progress_bar = false")
            changes = None
            if basis.changes_date is not None:
                old = WarehouseLayout(self.settings.warehouse_dir).profile_file(basis.changes_date)
                if old.exists():
                    changes = compute_changes(
                        duck,
                        old=old,
                        new=self.profile_path,
                        classifications=[
                            c.name for c in self.columns if c.kind == "classification"
                        ],
                    )
            return _Derived(basis, changes, compute_scope(duck, basis.days, sqlite=sqlite))
        finally:
            duck.close()

    def _lap(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.steps[step] = round(now - since, 2)
        if self.on_step is not None:
            self.on_step(step, self.steps[step])
        return now

    def prepare(self, db: sa.Engine) -> _Prepared:
        """Clear what a killed publish left, stage the rows, load the new table and index it;
        the changes and the trend are worked out beside it. Nothing here is served yet."""
        sqlite = db.dialect.name == "sqlite"
        clock = time.perf_counter()
        clear_leftovers(db)
        with db.connect() as connection:
            basis = self._basis(connection)
        clock = self._lap("leftovers", clock)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(self._derive, basis, sqlite)
            stage_profile(self.duck, self.columns, sqlite=sqlite)
            stage_reference(self.duck, self.day, basis.previous_date, sqlite=sqlite)
            clock = self._lap("staging (DuckDB)", clock)
            snapshot_id, name = self._record(db)
            try:
                rows, clock = self._load(db, snapshot_id, name, clock)
                derived = pending.result()
                self._lap("changes and trend (wait)", clock)
            except BaseException:
                abandon(db, snapshot_id, name)
                raise
        return _Prepared(snapshot_id, name, rows, derived)

    def finish(self, db: sa.Engine, prepared: _Prepared) -> PublishReport:
        """The flip, then what goes after it: older tables dropped, alerts, care messages,
        campaign outcomes, complaints, call-back tasks, org history."""
        try:
            report = self._flip(db, prepared, time.perf_counter())
        except BaseException:
            abandon(db, prepared.snapshot_id, prepared.name)
            raise
        basis = prepared.derived.basis
        clock = time.perf_counter()
        with db.begin() as connection:
            _drop_older(
                connection,
                keep={prepared.snapshot_id, *_ids(basis.previous)},
                keep_changes=_ids(basis.before),
            )
            if basis.before is not None and basis.previous is not None:
                # the earlier publish of T: its table stays for readers still on it, its
                # changes are the new snapshot's now
                connection.execute(
                    profile_changes.delete().where(profile_changes.c.snapshot_id == basis.previous)
                )
        clock = self._lap("drop older", clock)
        report.alerts = publish_alerts(db, self.settings, self.day)
        clock = self._lap("alerts", clock)
        report.care = publish_care(db, self.settings, self.day)
        clock = self._lap("care messages", clock)
        report.campaign_conversions = publish_campaign_outcomes(db, self.settings, self.day)
        clock = self._lap("campaign outcomes", clock)
        merged = publish_complaints(db, self.settings, self.day)
        report.complaints = merged.changed
        if merged.inserted >= COMPLAINTS_ANALYZE:  # a first load: plan on fresh statistics
            refresh_statistics(db, ["complaints", "complaint_events"])
        clock = self._lap("complaints", clock)
        report.callbacks = publish_callbacks(db, self.settings, self.day)
        self._lap("call-back tasks", clock)
        clock = time.perf_counter()
        report.org_versions = publish_org_history(db, self.duck, self.day)
        self._lap("org history", clock)
        report.steps = self.steps
        return report

    def _record(self, db: sa.Engine) -> tuple[int, str]:
        """The snapshot row, status `loading`, naming its table before the table exists: a
        publish killed from here on leaves a row the next one finds and cleans up after."""
        with db.begin() as connection:
            inserted = connection.execute(
                snapshots.insert().values(
                    as_of_date=self.day,
                    table_name="profile_pending",
                    columns=[c.to_json() for c in self.columns],
                    catalog_version=self.version,
                    catalog=catalog_json(self.catalog),
                    rows=0,
                    status="loading",
                    started_at=dt.datetime.now(dt.UTC),
                )
            ).inserted_primary_key
            assert inserted is not None
            snapshot_id = int(inserted[0])
            name = table_name(snapshot_id)
            connection.execute(
                snapshots.update()
                .where(snapshots.c.snapshot_id == snapshot_id)
                .values(table_name=name)
            )
        return snapshot_id, name

    def _write_columnar(self, snapshot_id: int) -> Path:
        """The loaded rows as Parquet for access's lists and counts (DuckDB), written before
        the flip; dates and booleans back to their own types where SQLite staging made text.
        Runs on its own cursor beside the store's load (DuckDB sorts on the other core: 26 s
        of a publish at 3M customers)."""
        path = WarehouseLayout(self.settings.warehouse_dir).served_file(snapshot_id)
        exprs = []
        for col in self.columns:
            kind = {"date": "DATE", "boolean": "BOOLEAN"}.get(col.type)
            name = ident(col.name)
            exprs.append(f"CAST({name} AS {kind}) AS {name}" if kind else name)
        # Largest assets first: the row groups' min/max let DuckDB skip most of the file for an
        # assets condition and stop a top-N by assets early (3M rows: a sorted list page 190 ->
        # 20 ms); a sort by customer id scans instead (30 -> 340 ms, once per kept answer).
        names = {col.name for col in self.columns}
        order = f"{ident(ASSETS_ORDER)} DESC NULLS LAST, " if ASSETS_ORDER in names else ""
        duck = self.duck.cursor()
        with atomic_file(path) as partial, closing(duck):
            duck.execute(
                f"COPY (SELECT {', '.join(exprs)} FROM {PROFILE_ROWS} "
                f"ORDER BY {order}customer_id) "
                f"TO {literal(str(partial))} (FORMAT parquet, COMPRESSION zstd)"
            )
        return path

    def _load(self, db: sa.Engine, snapshot_id: int, name: str, clock: float) -> tuple[int, float]:
        table = profile_table(name, self.columns)
        with db.begin() as connection:
            table.create(connection)
        # Recorded before it is written: a publish killed meanwhile leaves a snapshot row whose
        # file the next one's clear_leftovers removes.
        record_columnar(
            db, snapshot_id, WarehouseLayout(self.settings.warehouse_dir).served_file(snapshot_id)
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            columnar = pool.submit(self._write_columnar, snapshot_id)
            # staged in customer order (stage_profile): read as it lies
            batches = staged_batches(self.duck, PROFILE_ROWS)
            rows = load_profile(db, table, _unless(self.cancelled, batches))
            clock = self._lap("profile rows", clock)
            create_indexes(db, table)
            refresh_statistics(db, [table.name])
            clock = self._lap("indexes", clock)
            columnar.result()
        # loaded and copied: its memory goes back before the flip (in the daily job the run's
        # steps are still computing beside it)
        self.duck.execute(f"DROP TABLE {PROFILE_ROWS}")
        return rows, self._lap("columnar copy (wait)", clock)

    def _flip(self, db: sa.Engine, prepared: _Prepared, clock: float) -> PublishReport:
        derived = prepared.derived
        # Keyed by a snapshot not served yet: readers ask for the served one's changes only.
        changes = 0
        if derived.changes is not None:
            changes = write_changes(db, prepared.snapshot_id, derived.changes)
        clock = self._lap("changes (write)", clock)
        previous_date = derived.basis.previous_date
        with db.connect() as connection:
            overlay = {"relationships": overlay_rows(connection)}  # issue 19 handovers
            plan = plan_reference(connection, self.duck, previous_date, overlay)
        if derived.basis.previous is None:
            preload_reference(db, self.duck, plan)
        touched = touched_customers(self.duck, plan, previous_date)  # issue 19 handovers
        clock = self._lap("reference (before the flip)", clock)
        with db.begin() as connection:
            if db.dialect.name == "sqlite":
                # Take the write lock now, so the time below is all time it is held.
                connection.exec_driver_sql("DELETE FROM serving WHERE 0")
            if not plan.preloaded:
                take_out(connection, touched)  # the feed's rows again, for the difference
            reference = apply_reference(connection, self.duck, plan)
            handovers = put_back(connection, self.day, touched)  # handovers the feed lacks
            add_scope_days(connection, derived.scope)
            _flip(
                connection,
                prepared.snapshot_id,
                prepared.name,
                prepared.rows,
                derived.basis.previous,
            )
        clock = self._lap("flip (write lock)", clock)
        refresh_statistics(db, REFERENCE_STATISTICS)
        self._lap("statistics", clock)
        return PublishReport(
            rows=prepared.rows,
            seconds=0.0,
            snapshot_id=prepared.snapshot_id,
            as_of_date=self.day,
            table_name=prepared.name,
            changes=changes,
            scope_days=derived.basis.days,
            reference=plan.rows,
            reference_written=reference,
            handovers=handovers.put_back,
        )


def _unless(
    cancelled: threading.Event, batches: Iterable[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """The batches, until the publish is called off (`Publishing.cancel`)."""
    for batch in batches:
        if cancelled.is_set():
            raise PublishCancelled("the publish was called off before its flip")
        yield batch


ASSETS_ORDER = "total_assets_t"  # the served Parquet copy's order (see _write_columnar)

# Tables a publish rewrites in bulk, besides the profile table.
REFERENCE_STATISTICS = ("org_units", "staff", "relationships", "scope_daily", "profile_changes")


def refresh_statistics(db: sa.Engine, tables: Iterable[str]) -> None:
    """PostgreSQL plans by its statistics, and a bulk load leaves them stale until autovacuum
    comes round: the 360's relationships query then hashed the whole staff table (17 ms instead
    of 0.2 ms at 3 million customers). ANALYZE samples (about a second for millions of rows)
    and blocks neither readers nor writers. SQLite's planner does well without them."""
    if db.dialect.name != "postgresql":
        return
    quote = db.dialect.identifier_preparer.quote
    with db.begin() as connection:
        for name in tables:
            connection.exec_driver_sql(f"ANALYZE {quote(name)}")


def record_columnar(db: sa.Engine, snapshot_id: int, path: Path) -> None:
    # Recorded at once (the snapshot is not served yet): a failed publish's file is found and
    # removed by the next one's clear_leftovers.
    with db.begin() as connection:
        connection.execute(
            snapshots.update()
            .where(snapshots.c.snapshot_id == snapshot_id)
            .values(columnar_path=str(path.resolve()))  # a server started elsewhere finds it
        )


def remove_columnar(path: str | None) -> None:
    if path:
        Path(path).unlink(missing_ok=True)


def _ids(snapshot_id: int | None) -> set[int]:
    return set() if snapshot_id is None else {snapshot_id}


def load_profile(db: sa.Engine, table: sa.Table, batches: pa.RecordBatchReader) -> int:
    return load_in_batches(db, table, batches)


@contextmanager
def publish_lock(db: sa.Engine) -> Iterator[None]:
    """One publish at a time per store; the next waits. PostgreSQL: a session advisory lock on
    a connection held for the publish. SQLite: an flock on a file beside the database. Both
    go with the process, so a killed publish never leaves the store locked."""
    if db.dialect.name == "sqlite":
        database = db.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.publish-lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with db.connect() as connection:
        connection.execute(sa.select(sa.func.pg_advisory_lock(_PG_LOCK)))
        connection.commit()
        try:
            yield
        finally:
            try:
                connection.execute(sa.select(sa.func.pg_advisory_unlock(_PG_LOCK)))
                connection.commit()
            except sa.exc.SQLAlchemyError:
                connection.invalidate()  # closing the session is what releases it then


def clear_leftovers(db: sa.Engine) -> list[int]:
    """Drop the tables (and changes) of snapshots a killed or failed publish left `loading` or
    `failed`, and mark them `failed`. Runs under the publish lock: none is being loaded."""
    with db.begin() as connection:
        left = connection.execute(
            sa.select(
                snapshots.c.snapshot_id, snapshots.c.table_name, snapshots.c.columnar_path
            ).where(snapshots.c.status.in_(("loading", "failed")))
        ).all()
        if not left:
            return []
        served = connection.execute(
            sa.select(serving.c.snapshot_id).where(serving.c.id == 1)
        ).scalar_one_or_none()
        existing = set(sa.inspect(connection).get_table_names())
        quote = connection.dialect.identifier_preparer.quote
        for snapshot_id, name, columnar in left:
            if snapshot_id == served:  # cannot happen; never drop what readers use
                continue
            if name in existing and name.startswith("profile_"):
                connection.execute(sa.text(f"DROP TABLE {quote(name)}"))
            remove_columnar(columnar)
            connection.execute(
                profile_changes.delete().where(profile_changes.c.snapshot_id == snapshot_id)
            )
        connection.execute(
            snapshots.update()
            .where(snapshots.c.snapshot_id.in_([r.snapshot_id for r in left]))
            .where(snapshots.c.status == "loading")
            .values(status="failed")
        )
    return [r.snapshot_id for r in left]


def abandon(db: sa.Engine, snapshot_id: int, name: str) -> None:
    """After a failure: drop what this publish loaded and mark its snapshot failed. Best effort
    (the store may be what failed); the next publish clears what is left."""
    try:
        with db.begin() as connection:
            quote = connection.dialect.identifier_preparer.quote
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {quote(name)}"))
            connection.execute(
                profile_changes.delete().where(profile_changes.c.snapshot_id == snapshot_id)
            )
            connection.execute(
                snapshots.update()
                .where(snapshots.c.snapshot_id == snapshot_id)
                .where(snapshots.c.status == "loading")
                .values(status="failed")
            )
    except sa.exc.SQLAlchemyError:
        log.warning("could not clean up after the failed publish of snapshot %s", snapshot_id)


def _flip(
    connection: sa.Connection, snapshot_id: int, name: str, rows: int, previous: int | None
) -> None:
    connection.execute(
        snapshots.update()
        .where(snapshots.c.snapshot_id == snapshot_id)
        .values(table_name=name, rows=rows, status="served", published_at=dt.datetime.now(dt.UTC))
    )
    if previous is None:
        connection.execute(serving.insert().values(id=1, snapshot_id=snapshot_id))
        return
    connection.execute(serving.update().where(serving.c.id == 1).values(snapshot_id=snapshot_id))
    connection.execute(
        snapshots.update().where(snapshots.c.snapshot_id == previous).values(status="retired")
    )


def _drop_older(
    connection: sa.Connection, keep: set[int], keep_changes: set[int] | None = None
) -> None:
    """Drop profile tables of snapshots before the previous one; their rows stay as history.
    Their changes go too, but those of `keep_changes` (the date before T, when T is published
    again: its changes are still the latest but one)."""
    existing = set(sa.inspect(connection).get_table_names())
    older = connection.execute(
        sa.select(snapshots.c.snapshot_id, snapshots.c.table_name, snapshots.c.columnar_path).where(
            snapshots.c.snapshot_id.not_in(keep)
        )
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    for snapshot_id, name, columnar in older:
        if name in existing:
            connection.execute(sa.text(f"DROP TABLE {quote(name)}"))
        remove_columnar(columnar)
        if snapshot_id not in (keep_changes or set()):
            connection.execute(
                profile_changes.delete().where(profile_changes.c.snapshot_id == snapshot_id)
            )

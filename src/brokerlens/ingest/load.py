"""Load one date folder: read, validate and stage every feed, then commit it to the lake."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from brokerlens.errors import DateRejected
from brokerlens.ingest.discover import DateFolder, check_manifest, list_feed_files
from brokerlens.ingest.read import read_feed_file
from brokerlens.ingest.sqltext import ident
from brokerlens.ingest.summary import LOADED, LOADED_WITH_QUARANTINE
from brokerlens.ingest.validate import DateValidator, FeedOutcome, KnownKeys
from brokerlens.lake.catalog import Catalog, DateEntry, FeedCounts
from brokerlens.lake.layout import LakeLayout


def connect(workdir: Path) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB; it spills to `workdir` when memory runs short."""
    conn = duckdb.connect(":memory:")
    conn.execute("SET temp_directory = $dir", {"dir": str(workdir / "spill")})
    conn.execute("SET preserve_insertion_order = true")
    return conn


class IngestSession:
    """One DuckDB connection for a whole ingest run, and the lake's keys kept in it.

    Per date: `stage_date`, then either `committed` (after the catalog swap) or `discard`.
    """

    def __init__(self, layout: LakeLayout, workdir: Path) -> None:
        self.layout, self.workdir = layout, workdir
        self.conn = connect(workdir)
        self.known = KnownKeys(self.conn, layout)
        self.pending: DateValidator | None = None

    def committed(self, day: dt.date, entry: DateEntry) -> None:
        """The staged date is visible: its keys join the known ones; its tables go."""
        validator, self.pending = self.pending, None
        if validator is None:
            return
        try:
            self.known.add_committed(day, entry.dirname, validator.delivered_keys())
            validator.finish()
        except duckdb.Error:  # the date is committed anyway: rebuild the keys from the lake
            self.known.invalidate()

    def discard(self) -> None:
        """The staged date was refused: drop what it left in the connection."""
        validator, self.pending = self.pending, None
        if validator is not None:
            try:
                validator.finish()
            except duckdb.Error:
                self.known.invalidate()

    def reset(self) -> None:
        """A fresh connection (after a DuckDB error): the lake's keys are read again."""
        self.pending = None
        self.conn.close()
        self.conn = connect(self.workdir)
        self.known = KnownKeys(self.conn, self.layout)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> IngestSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stage_date(
    session: IngestSession, catalog: Catalog, folder: DateFolder, threshold: float
) -> DateEntry:
    """Write the date's directory (not yet visible) and return its catalog entry.

    Raises DateRejected (and leaves nothing behind) when the date must be refused.
    """
    layout, workdir, conn = session.layout, session.workdir, session.conn
    session.discard()
    list_feed_files(folder)
    manifest = check_manifest(folder)
    encoding = manifest.encoding if manifest else "utf-8"
    stage = layout.new_date_dir(folder.day)
    stage.mkdir(parents=True)
    outcomes: list[FeedOutcome] = []
    try:
        session.known.prepare(catalog, folder.day)
        validator = DateValidator(conn, session.known, folder.day, stage, threshold)
        session.pending = validator
        for ff in folder.files:
            raw = read_feed_file(conn, ff, encoding, f"raw_{ff.feed}", workdir)
            expected = manifest.feeds.get(ff.feed) if manifest else None
            if expected is not None and expected.rows != raw.rows:
                raise DateRejected(
                    f"{raw.rows} data rows, the manifest says {expected.rows}",
                    file=str(ff.path),
                    hint="the file is incomplete or the manifest is wrong",
                )
            outcomes.append(validator.validate(raw))
        validator.write_quarantine()
    except duckdb.Error as exc:
        shutil.rmtree(stage, ignore_errors=True)
        session.reset()
        raise DateRejected(f"the date could not be loaded: {exc}", file=str(folder.path)) from exc
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        session.discard()
        _drop_scratch(session)
        raise
    quarantined = sum(o.quarantined for o in outcomes)
    return DateEntry(
        dirname=stage.name,
        status=LOADED_WITH_QUARANTINE if quarantined else LOADED,
        loaded_at=dt.datetime.now().isoformat(timespec="seconds"),
        feeds={o.feed: FeedCounts(o.loaded, o.quarantined) for o in outcomes},
    )


def _drop_scratch(session: IngestSession) -> None:
    """Drop the tables a refused date may have left half-way (raw_*, typed_*, ...)."""
    try:
        names = session.conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary "
            "AND NOT starts_with(table_name, 'lake_keys_')"
        ).fetchall()
        for (name,) in names:
            session.conn.execute(f"DROP TABLE IF EXISTS {ident(name)}")
    except duckdb.Error:
        session.reset()

"""Load one date folder: read, validate and stage every feed, then commit it to the lake.

A run keeps one DuckDB connection (`IngestSession`). While a small date is validated, a second
cursor on a worker thread already reads the next date folder's files (manifest, sha256, CSV
parsing) into tables: the two halves run on two cores. What the reader finds wrong is raised
only when the date is reached, at the feed where a sequential load would have found it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from brokerlens.contract.manifest import Manifest
from brokerlens.engine.duckdb_engine import limit_memory
from brokerlens.engine.sqltext import ident
from brokerlens.errors import DateRejected
from brokerlens.ingest.discover import DateFolder, FeedFile, check_manifest, list_feed_files
from brokerlens.ingest.read import RawTable, read_feed_file
from brokerlens.ingest.summary import LOADED, LOADED_WITH_QUARANTINE
from brokerlens.ingest.validate import DateValidator, FeedOutcome, KnownKeys, StageWriter
from brokerlens.lake.catalog import Catalog, DateEntry, FeedCounts
from brokerlens.lake.layout import LakeLayout

# A date folder up to this size is "small": it is read ahead while the previous one is
# validated, with one DuckDB thread per query. Bigger dates get every thread and no read-ahead,
# and are read one feed file at a time as they are validated (so a big date's text is never
# in memory all at once).
SMALL_DATE_BYTES = 256 << 20


def connect(workdir: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB; it spills to `workdir` past `memory_limit` (the lake's keys
    it holds grow with every date: at 3M customers x 20 dates 7.8 GB without a cap)."""
    conn = duckdb.connect(":memory:")
    limit_memory(conn, memory_limit, workdir / "spill")
    conn.execute("SET preserve_insertion_order = true")
    return conn


def folder_bytes(folder: DateFolder) -> int:
    try:
        return sum(p.stat().st_size for p in folder.path.iterdir() if p.is_file())
    except OSError:
        return SMALL_DATE_BYTES + 1  # let the sequential path report it


@dataclass
class ReadDate:
    """A date folder's files as read: raw tables in load order, then the error that stopped it.

    Files in `unread` (a lazy read, see `read_date`) are read one at a time by `each`.
    """

    folder: DateFolder
    workdir: Path
    suffix: str = ""
    manifest: Manifest | None = None
    raws: list[RawTable] = field(default_factory=list)
    error: Exception | None = None
    unread: list[FeedFile] = field(default_factory=list)
    conn: duckdb.DuckDBPyConnection | None = None

    @property
    def tables(self) -> list[str]:
        return [t for r in self.raws for t in (r.table, r.line_table) if t]

    def _read_next(self) -> None:
        ff = self.unread.pop(0)
        assert self.conn is not None
        encoding = self.manifest.encoding if self.manifest else "utf-8"
        try:
            table = f"raw_{ff.feed}{self.suffix}"
            self.raws.append(read_feed_file(self.conn, ff, encoding, table, self.workdir))
        except Exception as exc:  # raised by the caller where it belongs, as when read ahead
            self.error = exc
            self.unread.clear()

    def each(self) -> Iterator[RawTable]:
        """The raw tables in load order, reading a file not read yet only when it is reached
        (so a big date holds one feed's text at a time); stops at the error, if any."""
        i = 0
        while True:
            if i == len(self.raws):
                if not self.unread:
                    return
                self._read_next()
                continue
            yield self.raws[i]
            i += 1


def read_date(
    conn: duckdb.DuckDBPyConnection,
    folder: DateFolder,
    workdir: Path,
    suffix: str,
    lazy: bool = False,
) -> ReadDate:
    """List, check the manifest of and read every feed file of `folder`; never raises.

    `lazy`: read no file yet; `ReadDate.each` reads them, on `conn`, as they are reached.
    """
    read = ReadDate(folder, workdir, suffix, conn=conn)
    try:
        list_feed_files(folder)
        read.manifest = check_manifest(folder)
        workdir.mkdir(parents=True, exist_ok=True)
        read.unread = list(folder.files)
        if not lazy:
            while read.unread:
                read._read_next()
    except Exception as exc:  # handed to the loading thread, raised where it belongs
        read.error = exc
    return read


class IngestSession:
    """One DuckDB connection for a whole ingest run, the lake's keys kept in it, a read-ahead.

    Per date: `stage_date`, then either `committed` (after the catalog swap) or `discard`.
    """

    def __init__(self, layout: LakeLayout, workdir: Path, memory_limit: str | None = None) -> None:
        self.layout, self.workdir, self.memory_limit = layout, workdir, memory_limit
        self.pending: DateValidator | None = None
        self.ahead: Future[ReadDate] | None = None
        self.pool: ThreadPoolExecutor | None = None
        self._count = 0
        self._open()

    def _open(self) -> None:
        self.conn = connect(self.workdir, self.memory_limit)
        self.reader = self.conn.cursor()
        row = self.conn.execute("SELECT current_setting('threads')").fetchone()
        self.threads = int(row[0]) if row else 1
        self.current_threads = self.threads
        self.known = KnownKeys(self.conn, self.layout)
        self.writer = StageWriter(self.conn)

    def set_threads(self, threads: int) -> None:
        """DuckDB's worker threads (no read-ahead may be running)."""
        if threads != self.current_threads:
            self.conn.execute(f"SET threads = {int(threads)}")
            self.current_threads = threads

    def _scratch(self) -> tuple[Path, str]:
        self._count += 1
        return self.workdir / f"read{self._count}", f"_{self._count}"

    def read_ahead(self, folder: DateFolder) -> None:
        """Start reading `folder` on the worker thread (the caller validates meanwhile)."""
        self.drop_ahead()
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-read")
        workdir, suffix = self._scratch()
        self.ahead = self.pool.submit(read_date, self.reader, folder, workdir, suffix)

    def take(self, folder: DateFolder) -> ReadDate:
        """`folder` as read: by the read-ahead when it read this folder, else a lazy read
        (its files are read one at a time as they are validated, as in a sequential load)."""
        if self.ahead is not None:
            ahead, self.ahead = self.ahead, None
            read = ahead.result()
            if read.folder is folder:
                return read
            self.drop_tables(read.tables)
        workdir, suffix = self._scratch()
        return read_date(self.conn, folder, workdir, suffix, lazy=True)

    def drop_ahead(self) -> None:
        """Wait for the read-ahead, if any, and drop what it read."""
        if self.ahead is not None:
            ahead, self.ahead = self.ahead, None
            self.drop_tables(ahead.result().tables)

    def drop_tables(self, tables: list[str]) -> None:
        if tables:
            try:
                self.conn.execute("; ".join(f"DROP TABLE IF EXISTS {ident(t)}" for t in tables))
            except duckdb.Error:
                self.reset()

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
        self._stop_reader()
        self.discard()
        self.writer.close()
        self.conn.close()
        self._open()

    def _stop_reader(self) -> None:
        if self.ahead is not None:
            self.ahead.cancel()
            with contextlib.suppress(Exception):  # what it read is thrown away
                self.ahead.result()
            self.ahead = None

    def close(self) -> None:
        self._stop_reader()
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        self.discard()
        self.writer.close()
        self.conn.close()

    def __enter__(self) -> IngestSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stage_date(
    session: IngestSession,
    catalog: Catalog,
    folder: DateFolder,
    threshold: float,
    upcoming: DateFolder | None = None,
) -> DateEntry:
    """Write the date's directory (not yet visible) and return its catalog entry.

    `upcoming` (the next date folder of the run, if any) is read ahead meanwhile.
    Raises DateRejected (and leaves nothing behind) when the date must be refused.
    """
    layout = session.layout
    session.discard()
    small = folder_bytes(folder) <= SMALL_DATE_BYTES
    ahead = small and upcoming is not None and folder_bytes(upcoming) <= SMALL_DATE_BYTES
    threads = 1 if ahead else session.threads
    if not ahead:
        session.drop_ahead()  # a big date gets every thread, and the memory, to itself
    if session.ahead is None:
        session.set_threads(threads)
    read = session.take(folder)
    session.set_threads(threads)
    if ahead and upcoming is not None:
        session.read_ahead(upcoming)
    outcomes: list[FeedOutcome] = []
    stage: Path | None = None
    try:
        if read.manifest is None and read.error is not None and not read.raws:
            raise read.error  # the folder or its manifest is refused: nothing to stage
        manifest = read.manifest
        stage = layout.new_date_dir(folder.day)
        stage.mkdir(parents=True)
        session.known.prepare(catalog, folder.day)
        validator = DateValidator(
            session.conn, session.known, folder.day, stage, threshold, session.writer
        )
        session.pending = validator
        for raw in read.each():
            ff = raw.file
            expected = manifest.feeds.get(ff.feed) if manifest else None
            if expected is not None and expected.rows != raw.rows:
                raise DateRejected(
                    f"{raw.rows} data rows, the manifest says {expected.rows}",
                    file=str(ff.path),
                    hint="the file is incomplete or the manifest is wrong",
                )
            outcomes.append(validator.validate(raw))
        if read.error is not None:
            raise read.error
        validator.write_quarantine()
    except duckdb.Error as exc:
        session.discard()  # waits for the writer: nothing more lands in `stage`
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        session.drop_ahead()
        session.reset()
        raise DateRejected(f"the date could not be loaded: {exc}", file=str(folder.path)) from exc
    except BaseException:
        session.discard()  # waits for the writer: nothing more lands in `stage`
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        session.drop_tables(read.tables)
        raise
    finally:
        shutil.rmtree(read.workdir, ignore_errors=True)  # GBK transcodes
    quarantined = sum(o.quarantined for o in outcomes)
    return DateEntry(
        dirname=stage.name,
        status=LOADED_WITH_QUARANTINE if quarantined else LOADED,
        loaded_at=dt.datetime.now().isoformat(timespec="seconds"),
        feeds={o.feed: FeedCounts(o.loaded, o.quarantined) for o in outcomes},
    )

"""Validate one feed delivery set-based in DuckDB and stage its good rows as Parquet.

Passes, each one SQL statement over the whole delivery:
1. row-local rules (one CASE per row: its first violation) while casting to the lake types;
2. duplicate_key: among rows that passed 1, every copy of a key after its first (by line) goes;
3. unknown_reference: among rows still good, a reference not in the keys known in the lake
   before this date plus this delivery's good rows of the referenced feed.
1-3 are one statement (typed table with `_v`, the first violation's code, or NULL when the row
loads). The lake's keys are kept in temp tables across dates (`KnownKeys`), so a date does not
re-read the earlier ones. Quarantined rows keep their raw text values as JSON; the rest is
written with COPY.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from brokerlens.contract.feeds import FEEDS, Feed, Rule
from brokerlens.engine.sqltext import Params, ident, literal, path_list
from brokerlens.errors import DateRejected
from brokerlens.ingest.read import RawTable
from brokerlens.ingest.rules import RuleSet, Violation, raw_name, row_rules
from brokerlens.lake.catalog import Catalog
from brokerlens.lake.layout import DELIVERED_COLUMN, QUARANTINE_FILE, LakeLayout

QUARANTINE_TABLE = "quarantine_rows"
QUARANTINE_COLUMNS = (
    "feed VARCHAR, business_date DATE, file VARCHAR, line BIGINT, rule VARCHAR, "
    '"column" VARCHAR, value VARCHAR, message VARCHAR, raw JSON'
)


@dataclass
class FeedOutcome:
    feed: str
    rows: int
    quarantined: int

    @property
    def loaded(self) -> int:
        return self.rows - self.quarantined


# Feeds some column references: their keys are looked up by the unknown_reference rule.
REFERENCED: tuple[str, ...] = tuple(
    sorted({c.references.feed for f in FEEDS.values() for c in f.columns if c.references})
)


def keeps_delivery_date(feed: Feed) -> bool:
    """Reference feeds and undated facts (complaints, corporate_actions) record their delivery."""
    return feed.is_reference or feed.date_column is None


class KnownKeys:
    """The distinct keys of every referenced feed in a set of committed lake dates.

    One temp table per referenced feed lives for the whole run; `covered` names the date
    directories whose keys it holds. `prepare` makes it hold exactly the dates before the one
    being loaded: in calendar order it only adds the date committed last (`add_committed`); a
    date delivered out of order makes it rebuild from the lake (the slower, exact path).
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection, layout: LakeLayout) -> None:
        self.conn, self.layout = conn, layout
        self.covered: dict[dt.date, str] | None = None

    @staticmethod
    def table(feed: str) -> str:
        return f"lake_keys_{feed}"

    def _add(self, feed: str, source: str) -> None:
        table = ident(self.table(feed))
        self.conn.execute(
            f"INSERT INTO {table} SELECT DISTINCT k FROM ({source}) WHERE k IS NOT NULL "
            f"AND k NOT IN (SELECT k FROM {table})"
        )

    def prepare(self, catalog: Catalog, day: dt.date) -> None:
        """Hold the keys of the catalog's dates before `day`, as the lake has them."""
        needed = {d: e.dirname for d, e in catalog.dates.items() if d < day}
        if self.covered is not None and self.covered.items() <= needed.items():
            covered = self.covered
        else:
            self.covered, covered = None, {}
            for feed in REFERENCED:
                self.conn.execute(
                    f"CREATE OR REPLACE TEMP TABLE {ident(self.table(feed))} (k VARCHAR)"
                )
        missing = sorted(d for d in needed if d not in covered)
        self.covered = None  # unknown until the keys are in
        for feed in REFERENCED:
            key = ident(FEEDS[feed].key[0])
            files = [
                self.layout.feed_file(needed[d], feed)
                for d in missing
                if feed in catalog.dates[d].feeds
            ]
            if files:
                self._add(feed, f"SELECT {key} AS k FROM read_parquet({path_list(files)})")
        self.covered = {**covered, **{d: needed[d] for d in missing}}

    def add_committed(self, day: dt.date, dirname: str, sources: dict[str, str]) -> None:
        """`day` (loaded into `dirname`) is committed: add its keys, given as SQL per feed."""
        covered, self.covered = self.covered, None
        if covered is None or any(d >= day for d in covered):
            return
        for feed, source in sources.items():
            self._add(feed, source)
        self.covered = {**covered, day: dirname}

    def invalidate(self) -> None:
        self.covered = None


class DateValidator:
    """Validates the feeds of one business date in load order, staging into `stage_dir`.

    `known` must hold the lake's keys as of the dates before `day` (see `KnownKeys.prepare`).
    The keys a referenced feed loads are kept until `finish` (`delivered_<feed>`): later feeds
    of the date may reference them, and they join `known` once the date is committed.
    """

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        known: KnownKeys,
        day: dt.date,
        stage_dir: Path,
        threshold: float,
        writer: StageWriter | None = None,
    ) -> None:
        self.conn, self.known, self.writer = conn, known, writer
        self.day, self.stage_dir, self.threshold = day, stage_dir, threshold
        self.suffix = f"_{day:%Y%m%d}"
        self.staged: dict[str, Path] = {}
        self.writes: list[Future[None]] = []
        self.kept: dict[str, str] = {}  # referenced feed -> table of its delivered keys (k)
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {QUARANTINE_TABLE} ({QUARANTINE_COLUMNS})")

    def delivered_keys(self) -> dict[str, str]:
        """SQL (column `k`) of the keys this delivery loads, per referenced feed staged."""
        return {feed: f"SELECT k FROM {ident(table)}" for feed, table in self.kept.items()}

    def wait_for_writes(self) -> None:
        """Until every staged file is written; the first failure is raised."""
        writes, self.writes = self.writes, []
        failure: BaseException | None = None
        for write in writes:
            error = write.exception()
            failure = failure or error
        if failure is not None:
            raise failure

    def finish(self) -> None:
        """Drop what the date left in the connection (after its writes are done)."""
        with contextlib.suppress(duckdb.Error):
            self.wait_for_writes()
        typed = [f"typed_{f}{self.suffix}" for f in FEEDS]
        drop_tables(self.conn, [QUARANTINE_TABLE, *self.kept.values(), *typed])
        self.kept.clear()

    # -- one feed ---------------------------------------------------------------------------
    def validate(self, raw: RawTable) -> FeedOutcome:
        feed = FEEDS[raw.file.feed]
        t = f"typed_{feed.name}{self.suffix}"  # a plain table: the writer's cursor reads it
        params = Params()
        rules, typed, case = row_rules(feed, self.day, params)
        renamed = ", ".join(f"{ident(c)} AS {raw_name(c)}" for c in feed.column_names)
        columns = ", ".join(ident(c) for c in feed.column_names)
        duplicate = self._duplicates(feed, rules)
        # d: the keys repeated among rows still good, with their first row. Grouping by one
        # hash first is cheap; only rows whose key hash repeats are grouped by the key itself.
        prefixed = ", ".join(f"r1.{ident(c)}" for c in feed.column_names)
        keys = ", ".join(ident(k) for k in feed.key)
        on = " AND ".join(f"r1.{ident(k)} = d.{ident(k)}" for k in feed.key)
        references = self._references(feed, rules)
        self.conn.execute(
            f"CREATE OR REPLACE TABLE {ident(t)} AS "
            f"WITH r1 AS (SELECT _rid, {columns}, {case} AS _v FROM ("
            f"SELECT _rid, {typed}, {', '.join(raw_name(c) for c in feed.column_names)} FROM ("
            f"SELECT rowid AS _rid, {renamed} FROM {ident(raw.table)}))), "
            f"r2 AS (SELECT r1._rid, {prefixed}, coalesce(r1._v, {duplicate}) AS _v FROM r1 "
            f"LEFT JOIN (SELECT {keys}, min(_rid) AS _first FROM r1 WHERE _v IS NULL "
            f"AND hash({keys}) IN (SELECT h FROM (SELECT hash({keys}) AS h FROM r1 "
            "WHERE _v IS NULL GROUP BY h HAVING count(*) > 1)) "
            f"GROUP BY ALL HAVING count(*) > 1) d ON {on}) "
            f"SELECT _rid, {columns}, coalesce(_v, {references}) AS _v FROM r2",
            params.values,
        )
        counted = self.conn.execute(
            f"SELECT count(*) FROM {ident(t)} WHERE _v IS NOT NULL"
        ).fetchone()
        quarantined = int(counted[0]) if counted else 0
        if quarantined:
            self._quarantine(raw, rules, t)
            self._check_threshold(raw, quarantined)
        if feed.name in REFERENCED:  # its good rows' keys, for the feeds after it
            keys = f"delivered_{feed.name}"
            self.conn.execute(
                f"CREATE OR REPLACE TEMP TABLE {ident(keys)} AS SELECT DISTINCT "
                f"{ident(feed.key[0])} AS k FROM {ident(t)} WHERE _v IS NULL"
            )
            self.kept[feed.name] = keys
        drop_tables(self.conn, [d for d in (raw.table, raw.line_table) if d])
        self._stage(feed, t)
        return FeedOutcome(feed.name, raw.rows, quarantined)

    @staticmethod
    def _duplicates(feed: Feed, rules: RuleSet) -> str:
        """Over r1: every copy of a key after its first (by line) among rows still good."""
        v = rules.add(
            Rule.DUPLICATE_KEY,
            feed.key,
            f"key ({', '.join(feed.key)}) repeats an earlier row of this delivery",
        )
        return f"CASE WHEN r1._v IS NULL AND r1._rid <> d._first THEN {v.code} END"

    def _references(self, feed: Feed, rules: RuleSet) -> str:
        """Over r2: a reference not among the keys known as of this date."""
        refs = [c for c in feed.columns if c.references is not None]
        whens = []
        for col in refs:
            assert col.references is not None
            target = col.references.feed
            sources = [f"SELECT k FROM {ident(self.known.table(target))}"]
            own = ident(FEEDS[target].key[0])
            if target == feed.name:  # a feed referencing itself: its own good rows count too
                sources.append(f"SELECT {own} AS k FROM r2 WHERE _v IS NULL")
            elif target in self.kept:
                sources.append(f"SELECT k FROM {ident(self.kept[target])}")
            v = rules.add(
                Rule.UNKNOWN_REFERENCE,
                (col.name,),
                f"{col.name} names no known {target} row ({col.references.column})",
            )
            known = " UNION ALL ".join(sources)
            whens.append(
                f"WHEN {ident(col.name)} IS NOT NULL AND {ident(col.name)} NOT IN "
                f"(SELECT k FROM ({known}) WHERE k IS NOT NULL) THEN {v.code}"
            )
        return ("CASE " + " ".join(whens) + " END") if whens else "NULL"

    def _quarantine(self, raw: RawTable, rules: RuleSet, t: str) -> None:
        codes = self._codes_case(rules.violations)
        raw_json = (
            "json_object(" + ", ".join(f"{literal(c)}, r.{ident(c)}" for c in raw.columns) + ")"
        )
        if raw.line_table:
            line = "l._line"
            join = f"JOIN {ident(raw.line_table)} l ON l._rid = b._rid"
        else:
            line = f"b._rid + {raw.first_line}"
            join = ""
        params = Params()
        self.conn.execute(
            f"INSERT INTO {QUARANTINE_TABLE} SELECT {params.bind(raw.file.feed)}, "
            f"{params.bind(self.day)}, {params.bind(raw.file.path.name)}, {line}, "
            f"{codes['rule']}, {codes['column']}, {codes['value']}, {codes['message']}, "
            f"{raw_json} FROM (SELECT _rid, _v AS code FROM {ident(t)} WHERE _v IS NOT NULL) b "
            f"JOIN {ident(raw.table)} r ON r.rowid = b._rid {join} ORDER BY 4",
            params.values,
        )

    @staticmethod
    def _codes_case(violations: list[Violation]) -> dict[str, str]:
        def case(pick: str) -> str:
            whens = []
            for v in violations:
                expr = {
                    "rule": literal(v.rule.value),
                    "column": literal(v.column),
                    "message": literal(v.message),
                    "value": v.value_sql,
                }[pick]
                whens.append(f"WHEN {v.code} THEN {expr}")
            return "CASE b.code " + " ".join(whens) + " END"

        return {k: case(k) for k in ("rule", "column", "value", "message")}

    def _check_threshold(self, raw: RawTable, quarantined: int) -> None:
        if not raw.rows or quarantined / raw.rows <= self.threshold:
            return
        top = self.conn.execute(
            f'SELECT rule, "column", count(*) FROM {QUARANTINE_TABLE} WHERE feed = $feed '
            "GROUP BY ALL ORDER BY 3 DESC LIMIT 3",
            {"feed": raw.file.feed},
        ).fetchall()
        first = self.conn.execute(
            f"SELECT line FROM {QUARANTINE_TABLE} WHERE feed = $feed ORDER BY line LIMIT 1",
            {"feed": raw.file.feed},
        ).fetchone()
        reasons = "; ".join(f"{rule} on {column}: {n}" for rule, column, n in top)
        raise DateRejected(
            f"{quarantined} of {raw.rows} rows ({quarantined / raw.rows:.2%}) would be "
            f"quarantined, above the threshold {self.threshold:.2%} ({reasons})",
            file=str(raw.file.path),
            line=int(first[0]) if first else None,
            hint="fix the feed and deliver the date again, or raise --threshold",
        )

    def _stage(self, feed: Feed, t: str) -> None:
        """Write the good rows (in file order) to the stage directory, then drop `t`: on the
        writer's thread when there is one (the next feed is validated meanwhile)."""
        target = self.stage_dir / f"{feed.name}.parquet"
        columns = ", ".join(ident(c) for c in feed.column_names)
        params = Params()
        if keeps_delivery_date(feed):
            columns += f", {params.bind(self.day)}::DATE AS {ident(DELIVERED_COLUMN)}"
        copy = (
            f"COPY (SELECT {columns} FROM {ident(t)} WHERE _v IS NULL ORDER BY _rid) "
            f"TO {literal(str(target))} (FORMAT parquet, COMPRESSION zstd)"
        )
        self.staged[feed.name] = target
        if self.writer is None:
            self.conn.execute(copy, params.values)
            drop_tables(self.conn, [t])
        else:
            self.writes.append(self.writer.submit(copy, params.values, t))

    def write_quarantine(self) -> None:
        self.wait_for_writes()
        target = self.stage_dir / QUARANTINE_FILE
        self.conn.execute(
            f"COPY (SELECT * FROM {QUARANTINE_TABLE} ORDER BY feed, line) "
            f"TO {literal(str(target))} (FORMAT parquet, COMPRESSION zstd)"
        )


class StageWriter:
    """Runs COPY statements on its own cursor and thread, one after the other."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.cursor = conn.cursor()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write")

    def _run(self, sql: str, params: dict[str, object], table: str) -> None:
        self.cursor.execute(sql, params)
        drop_tables(self.cursor, [table])

    def submit(self, sql: str, params: dict[str, object], table: str) -> Future[None]:
        """Run `sql`, then drop `table` (which it read)."""
        return self.pool.submit(self._run, sql, params, table)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.cursor.close()


def drop_tables(conn: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Drop temp tables (those that exist) in one round trip."""
    if tables:
        conn.execute("; ".join(f"DROP TABLE IF EXISTS {ident(t)}" for t in tables))

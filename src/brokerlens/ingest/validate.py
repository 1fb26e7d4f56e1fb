"""Validate one feed delivery set-based in DuckDB and stage its good rows as Parquet.

Passes, each one SQL statement over the whole delivery:
1. row-local rules (one CASE per row: its first violation) while casting to the lake types;
2. duplicate_key: among rows that passed 1, every copy of a key after its first (by line) goes;
3. unknown_reference: among rows still good, a reference not in the keys known in the lake
   before this date plus this delivery's good rows of the referenced feed.
Quarantined rows keep their raw text values as JSON; the rest is written with COPY.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from brokerlens.contract.feeds import FEEDS, Feed, Rule
from brokerlens.errors import DateRejected
from brokerlens.ingest.read import RawTable
from brokerlens.ingest.rules import RuleSet, Violation, raw_name, row_rules
from brokerlens.ingest.sqltext import Params, ident, literal, path_list
from brokerlens.lake.catalog import Catalog
from brokerlens.lake.layout import DELIVERED_COLUMN, LakeLayout

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


def keeps_delivery_date(feed: Feed) -> bool:
    """Reference feeds and undated facts (complaints, corporate_actions) record their delivery."""
    return feed.is_reference or feed.date_column is None


class DateValidator:
    """Validates the feeds of one business date in load order, staging into `stage_dir`."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        layout: LakeLayout,
        catalog: Catalog,
        day: dt.date,
        stage_dir: Path,
        threshold: float,
    ) -> None:
        self.conn, self.layout, self.catalog = conn, layout, catalog
        self.day, self.stage_dir, self.threshold = day, stage_dir, threshold
        self.staged: dict[str, Path] = {}
        self.known: dict[str, str] = {}
        self.scratch: list[str] = []
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {QUARANTINE_TABLE} ({QUARANTINE_COLUMNS})")

    # -- known keys -------------------------------------------------------------------------
    def _known_sources(self, feed: str) -> list[str]:
        key = ident(FEEDS[feed].key[0])
        files = [p for _, p in self.catalog.files_of(self.layout, feed, before=self.day)]
        if feed in self.staged:
            files.append(self.staged[feed])
        return [f"SELECT {key} AS k FROM read_parquet({path_list(files)})"] if files else []

    def _known_table(self, feed: str, current: str | None = None) -> str:
        """A temp table of the distinct keys of `feed` known as of this date."""
        if current is None and feed in self.known:
            return self.known[feed]
        sources = self._known_sources(feed)
        if current is not None:  # a feed referencing itself: its own good rows count too
            sources.append(current)
        table = f"known_{feed}" + ("_self" if current else "")
        body = " UNION ".join(sources) if sources else "SELECT NULL::VARCHAR AS k WHERE false"
        self.conn.execute(f"CREATE OR REPLACE TEMP TABLE {ident(table)} AS {body}")
        if current is None:
            self.known[feed] = table
        else:
            self.scratch.append(table)
        return table

    # -- one feed ---------------------------------------------------------------------------
    def validate(self, raw: RawTable) -> FeedOutcome:
        feed = FEEDS[raw.file.feed]
        t, bad = f"typed_{feed.name}", f"bad_{feed.name}"
        params = Params()
        rules, typed, case = row_rules(feed, self.day, params)
        renamed = ", ".join(f"{ident(c)} AS {raw_name(c)}" for c in feed.column_names)
        columns = ", ".join(ident(c) for c in feed.column_names)
        self.conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {ident(t)} AS "
            f"SELECT _rid, {columns}, {case} AS _v FROM ("
            f"SELECT _rid, {typed}, {', '.join(raw_name(c) for c in feed.column_names)} FROM ("
            f"SELECT rowid AS _rid, {renamed} FROM {ident(raw.table)}))",
            params.values,
        )
        self.conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {ident(bad)} AS "
            f"SELECT _rid, _v AS code FROM {ident(t)} WHERE _v IS NOT NULL"
        )
        self._duplicates(feed, rules, t, bad)
        self._references(feed, rules, t, bad)
        quarantined = self._quarantine(raw, rules, bad)
        self._check_threshold(raw, quarantined)
        self._stage(feed, t, bad)
        for table in (t, bad, raw.table, raw.line_table):
            if table:
                self.conn.execute(f"DROP TABLE IF EXISTS {ident(table)}")
        return FeedOutcome(feed.name, raw.rows, quarantined)

    def _duplicates(self, feed: Feed, rules: RuleSet, t: str, bad: str) -> None:
        v = rules.add(
            Rule.DUPLICATE_KEY,
            feed.key,
            f"key ({', '.join(feed.key)}) repeats an earlier row of this delivery",
        )
        keys = ", ".join(ident(k) for k in feed.key)
        on = " AND ".join(f"t.{ident(k)} = d.{ident(k)}" for k in feed.key)
        self.conn.execute(
            f"INSERT INTO {ident(bad)} SELECT t._rid, {v.code} FROM {ident(t)} t JOIN ("
            f"SELECT {keys}, min(_rid) AS _first FROM {ident(t)} WHERE _v IS NULL "
            f"GROUP BY ALL HAVING count(*) > 1) d ON {on} "
            "WHERE t._v IS NULL AND t._rid <> d._first"
        )

    def _references(self, feed: Feed, rules: RuleSet, t: str, bad: str) -> None:
        refs = [c for c in feed.columns if c.references is not None]
        if not refs:
            return
        joins, whens, cols = [], [], []
        for i, col in enumerate(refs):
            assert col.references is not None
            target = col.references.feed
            if target == feed.name:
                own = ident(feed.key[0])
                current = (
                    f"SELECT {own} AS k FROM {ident(t)} WHERE _v IS NULL "
                    f"AND _rid NOT IN (SELECT _rid FROM {ident(bad)})"
                )
                table = self._known_table(target, current)
            else:
                table = self._known_table(target)
            v = rules.add(
                Rule.UNKNOWN_REFERENCE,
                (col.name,),
                f"{col.name} names no known {target} row ({col.references.column})",
            )
            alias = f"k{i}"
            joins.append(
                f"LEFT JOIN (SELECT DISTINCT k FROM {ident(table)}) {alias} "
                f"ON t.{ident(col.name)} = {alias}.k"
            )
            whens.append(
                f"WHEN t.{ident(col.name)} IS NOT NULL AND {alias}.k IS NULL THEN {v.code}"
            )
            cols.append(col.name)
        code = "CASE " + " ".join(whens) + " END"
        self.conn.execute(
            f"INSERT INTO {ident(bad)} SELECT _rid, code FROM ("
            f"SELECT t._rid, {code} AS code FROM (SELECT * FROM {ident(t)} WHERE _v IS NULL "
            f"AND _rid NOT IN (SELECT _rid FROM {ident(bad)})) t {' '.join(joins)}"
            ") WHERE code IS NOT NULL"
        )

    def _quarantine(self, raw: RawTable, rules: RuleSet, bad: str) -> int:
        count_row = self.conn.execute(f"SELECT count(*) FROM {ident(bad)}").fetchone()
        count = int(count_row[0]) if count_row else 0
        if not count:
            return 0
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
            f"{raw_json} FROM {ident(bad)} b JOIN {ident(raw.table)} r ON r.rowid = b._rid "
            f"{join} ORDER BY 4",
            params.values,
        )
        return count

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

    def _stage(self, feed: Feed, t: str, bad: str) -> None:
        target = self.stage_dir / f"{feed.name}.parquet"
        columns = ", ".join(ident(c) for c in feed.column_names)
        params = Params()
        if keeps_delivery_date(feed):
            columns += f", {params.bind(self.day)}::DATE AS {ident(DELIVERED_COLUMN)}"
        self.conn.execute(
            f"COPY (SELECT {columns} FROM {ident(t)} WHERE _v IS NULL "
            f"AND _rid NOT IN (SELECT _rid FROM {ident(bad)})) "
            f"TO {literal(str(target))} (FORMAT parquet, COMPRESSION zstd)",
            params.values,
        )
        self.staged[feed.name] = target
        self.known.pop(feed.name, None)

    def write_quarantine(self) -> None:
        target = self.stage_dir / "_quarantine.parquet"
        self.conn.execute(
            f"COPY (SELECT * FROM {QUARANTINE_TABLE} ORDER BY feed, line) "
            f"TO {literal(str(target))} (FORMAT parquet, COMPRESSION zstd)"
        )
        self.conn.execute(f"DROP TABLE IF EXISTS {QUARANTINE_TABLE}")
        for table in [*self.known.values(), *self.scratch]:
            self.conn.execute(f"DROP TABLE IF EXISTS {ident(table)}")
        self.known.clear()
        self.scratch.clear()

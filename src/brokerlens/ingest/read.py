"""Read one delivered feed file into a DuckDB table of text columns, or reject the date.

The tables are plain (not TEMP) tables of the in-memory database, so a second cursor can read
the next date while the current one is validated (see `brokerlens.ingest.load`).

CSV is read by DuckDB with explicit options (no sniffing) and `store_rejects`, so every
malformed line is found and reported with its physical line number. GBK files are transcoded to
UTF-8 first (DuckDB cannot read GBK without a downloadable extension). Parquet is read and its
columns cast to text, so both formats are validated by the same SQL.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from brokerlens.contract.feeds import FEEDS
from brokerlens.engine.sqltext import ident, literal
from brokerlens.errors import DateRejected
from brokerlens.ingest.discover import FeedFile

CHUNK = 4 << 20


@dataclass
class RawTable:
    """A feed file as a table of VARCHAR columns in file order (rowid = data row index)."""

    table: str
    file: FeedFile
    rows: int
    columns: list[str]  # as delivered, in file order
    first_line: int  # physical line of the first data row (2 for CSV: header is line 1)
    line_table: str | None = None  # rowid -> physical line, when quoted fields hold newlines


def _read_header(path: Path, encoding: str) -> list[str]:
    with path.open("rb") as fh:
        first = fh.readline()
    if not first.strip():
        raise DateRejected("the file is empty: it has no header row", file=str(path), line=1)
    try:
        text = first.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        raise DateRejected(
            f"the header is not valid {encoding} ({exc.reason})", file=str(path), line=1
        ) from None
    text = text.lstrip("\ufeff")
    return [name.strip() for name in next(csv.reader(io.StringIO(text)))]


def _check_columns(ff: FeedFile, columns: list[str]) -> None:
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise DateRejected(
                "the header names this column twice", file=str(ff.path), line=1, column=name
            )
        seen.add(name)
    missing = [c for c in FEEDS[ff.feed].column_names if c not in seen]
    if missing:
        raise DateRejected(
            f"required column(s) missing from the header: {', '.join(missing)}",
            file=str(ff.path),
            line=1,
            column=missing[0],
            hint=f"the contract's {ff.feed} columns are: {', '.join(FEEDS[ff.feed].column_names)}",
        )


def transcode_gbk(source: Path, target: Path) -> None:
    """Stream a GBK file into UTF-8; a byte sequence that is not GBK rejects the date."""
    decoder = codecs.getincrementaldecoder("gbk")(errors="strict")
    newlines = 0
    with source.open("rb") as fin, target.open("w", encoding="utf-8", newline="") as fout:
        while True:
            chunk = fin.read(CHUNK)
            try:
                fout.write(decoder.decode(chunk, final=not chunk))
            except UnicodeDecodeError as exc:
                line = newlines + chunk[: max(exc.start, 0)].count(b"\n") + 1
                raise DateRejected(
                    f"the file is not valid GBK ({exc.reason})", file=str(source), line=line
                ) from None
            if not chunk:
                break
            newlines += chunk.count(b"\n")


def _count_lines(path: Path) -> tuple[int, int]:
    """(newline count, physical line count) of a file."""
    newlines = 0
    last = b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return newlines, newlines + (0 if last == b"\n" else 1)


def _line_of_byte(path: Path, position: int) -> int:
    with path.open("rb") as fh:
        return fh.read(position).count(b"\n") + 1


def read_csv_file(
    conn: duckdb.DuckDBPyConnection, ff: FeedFile, encoding: str, table: str, workdir: Path
) -> RawTable:
    columns = _read_header(ff.path, encoding)
    _check_columns(ff, columns)
    source = ff.path
    if encoding == "gbk":
        source = workdir / f"{ff.feed}.utf8.csv"
        transcode_gbk(ff.path, source)
    spec = "{" + ", ".join(f"{literal(c)}: 'VARCHAR'" for c in columns) + "}"
    rejects, scans = f"{table}_rejects", f"{table}_scans"
    try:
        created = conn.execute(
            f"CREATE OR REPLACE TABLE {ident(table)} AS SELECT * FROM read_csv($path, "
            "header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
            f"all_varchar = true, null_padding = false, columns = {spec}, "
            f"store_rejects = true, rejects_table = {literal(rejects)}, "
            f"rejects_scan = {literal(scans)}, max_line_size = 10000000)",
            {"path": str(source)},
        ).fetchone()
        errors = conn.execute(
            f"SELECT line_byte_position, column_name, error_type, error_message, csv_line "
            f"FROM {ident(rejects)} ORDER BY line_byte_position LIMIT 1"
        ).fetchall()
    except duckdb.Error as exc:
        raise DateRejected(f"the file cannot be parsed as CSV: {exc}", file=str(ff.path)) from None
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {ident(rejects)}; DROP TABLE IF EXISTS {ident(scans)}")
    if errors:
        position, column, kind, message, text = errors[0]
        raise DateRejected(
            f"the file cannot be parsed ({kind}: {message}); the line reads {str(text)[:200]!r}",
            file=str(ff.path),
            line=_line_of_byte(source, int(position)),
            column=column,
        )
    rows = int(created[0]) if created else 0
    raw = RawTable(table, ff, rows, columns, first_line=2)
    _, physical = _count_lines(source)
    if physical > rows + 1:  # quoted fields hold line breaks: map each row to its physical line
        raw.line_table = _build_line_table(conn, raw)
    return raw


def _build_line_table(conn: duckdb.DuckDBPyConnection, raw: RawTable) -> str:
    breaks = " + ".join(
        f"coalesce(length({ident(c)}) - length(replace({ident(c)}, chr(10), '')), 0)"
        for c in raw.columns
    )
    lines = f"{raw.table}_lines"
    conn.execute(
        f"CREATE OR REPLACE TABLE {ident(lines)} AS "
        f"SELECT rowid AS _rid, {raw.first_line} + rowid + coalesce(sum({breaks}) OVER "
        "(ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS _line "
        f"FROM {ident(raw.table)}"
    )
    return lines


def read_parquet_file(conn: duckdb.DuckDBPyConnection, ff: FeedFile, table: str) -> RawTable:
    try:
        described = conn.execute(
            "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($path))",
            {"path": str(ff.path)},
        ).fetchall()
        columns = [str(r[0]) for r in described]
        _check_columns(ff, columns)
        casts = ", ".join(f"CAST({ident(c)} AS VARCHAR) AS {ident(c)}" for c in columns)
        conn.execute(
            f"CREATE OR REPLACE TABLE {ident(table)} AS SELECT {casts} FROM read_parquet($path)",
            {"path": str(ff.path)},
        )
    except duckdb.Error as exc:
        raise DateRejected(
            f"the file cannot be read as Parquet: {exc}", file=str(ff.path)
        ) from None
    rows = _scalar_int(conn, f"SELECT count(*) FROM {ident(table)}")
    # Parquet has no lines: a row's `line` is the one it would have in the CSV rendering of the
    # file (row number + 1, header = line 1), so quarantines compare across formats.
    return RawTable(table, ff, rows, columns, first_line=2)


def read_feed_file(
    conn: duckdb.DuckDBPyConnection, ff: FeedFile, encoding: str, table: str, workdir: Path
) -> RawTable:
    """The file as a text table. Lines: CSV physical lines (header = 1); Parquet row + 1."""
    if ff.format == "parquet":
        return read_parquet_file(conn, ff, table)
    return read_csv_file(conn, ff, encoding, table, workdir)


def _scalar_int(conn: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0

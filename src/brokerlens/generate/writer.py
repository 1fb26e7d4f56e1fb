"""Write one feed file (CSV or parquet) and the date folder's manifest."""

from __future__ import annotations

import io
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from brokerlens.contract.manifest import FeedEntry, Manifest, sha256_of

STRUCTURAL = r'[",\r\n]'


def _quote_minimal(col: pa.Array) -> pa.Array:
    """RFC 4180 quoting only for values that need it."""
    text = pc.cast(col, pa.string())
    if not pa.types.is_string(col.type):
        return text
    needs = pc.fill_null(pc.match_substring_regex(text, STRUCTURAL), False)
    quoted = pc.binary_join_element_wise(
        pa.scalar('"'), pc.replace_substring(text, '"', '""'), pa.scalar('"'), ""
    )
    return pc.if_else(needs, quoted, text)


def csv_bytes(table: pa.Table) -> bytes:
    header = (",".join(table.column_names) + "\n").encode()
    if table.num_rows == 0:
        return header
    sink = io.BytesIO()
    sink.write(header)
    try:
        pcsv.write_csv(
            table,
            sink,
            pcsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65536),
        )
        return sink.getvalue()
    except pa.ArrowInvalid:
        pass  # some value holds a comma, quote or newline: format column by column instead
    cols = [_quote_minimal(c.combine_chunks()) for c in table.columns]
    lines = pc.binary_join_element_wise(*cols, ",", null_handling="replace", null_replacement="")
    lines = pc.binary_join_element_wise(lines, pa.scalar(""), "\n")
    offsets = lines.buffers()[1]
    data = lines.buffers()[2]
    assert offsets is not None and data is not None
    off = np.frombuffer(offsets, dtype=np.int32)
    start, end = int(off[lines.offset]), int(off[lines.offset + len(lines)])
    return header + memoryview(data)[start:end].tobytes()


def write_feed(table: pa.Table, folder: Path, name: str, fmt: str, encoding: str) -> Path:
    if fmt == "parquet":
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd")
        return path
    path = folder / f"{name}.csv"
    data = csv_bytes(table)
    if encoding == "gbk":
        data = data.decode("utf-8").encode("gbk")
    path.write_bytes(data)
    return path


class DateWriter:
    """Writes the files of one date folder and its manifest on a background thread.

    The simulation of the next date overlaps with encoding and writing this one (pyarrow releases
    the GIL); at most `depth` dates are in flight, so memory stays bounded.
    """

    def __init__(self, fmt: str, encoding: str, depth: int = 1) -> None:
        self.fmt = fmt
        self.encoding = encoding
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: list[Future[None]] = []
        self.depth = depth

    def submit(self, folder: Path, business_date: str, tables: list[tuple[str, pa.Table]]) -> None:
        while len(self.pending) >= self.depth:
            self.pending.pop(0).result()
        self.pending.append(self.pool.submit(self._write, folder, business_date, tables))

    def _write(self, folder: Path, business_date: str, tables: list[tuple[str, pa.Table]]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        manifest = Manifest(business_date, self.encoding)
        for name, table in tables:
            path = write_feed(table, folder, name, self.fmt, self.encoding)
            manifest.feeds[name] = FeedEntry(rows=table.num_rows, sha256=sha256_of(path))
        manifest.write(folder)

    def close(self) -> None:
        try:
            for job in self.pending:
                job.result()
        finally:
            self.pool.shutdown(wait=True)

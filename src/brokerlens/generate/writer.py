"""Write one feed file (CSV or parquet) and the date folder's manifest."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
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


BATCH_ROWS = 250_000


def csv_body(table: pa.Table | pa.RecordBatch) -> bytes:
    """CSV lines without header; RFC 4180 quotes only around values that need them."""
    if table.num_rows == 0:
        return b""
    sink = io.BytesIO()
    try:
        pcsv.write_csv(
            table,
            sink,
            pcsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65536),
        )
        return sink.getvalue()
    except pa.ArrowInvalid:
        pass  # some value holds a comma, quote or newline: format column by column instead
    columns = (
        table.columns
        if isinstance(table, pa.RecordBatch)
        else [c.combine_chunks() for c in table.columns]
    )
    cols = [_quote_minimal(c) for c in columns]
    lines = pc.binary_join_element_wise(*cols, ",", null_handling="replace", null_replacement="")
    lines = pc.binary_join_element_wise(lines, pa.scalar(""), "\n")
    offsets = lines.buffers()[1]
    data = lines.buffers()[2]
    assert offsets is not None and data is not None
    off = np.frombuffer(offsets, dtype=np.int32)
    start, end = int(off[lines.offset]), int(off[lines.offset + len(lines)])
    return memoryview(data)[start:end].tobytes()


def write_feed(
    table: pa.Table, folder: Path, name: str, fmt: str, encoding: str
) -> tuple[Path, str]:
    """Write one feed file batch by batch (bounded memory); returns its path and sha256."""
    if fmt == "parquet":
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd")
        return path, sha256_of(path)
    path = folder / f"{name}.csv"
    digest = hashlib.sha256()
    with path.open("wb") as fh:
        chunks = [(",".join(table.column_names) + "\n").encode()]
        for batch in table.to_batches(BATCH_ROWS):
            chunks.append(csv_body(batch))
            for chunk in chunks:
                data = chunk.decode("utf-8").encode("gbk") if encoding == "gbk" else chunk
                digest.update(data)
                fh.write(data)
            chunks = []
        for chunk in chunks:
            data = chunk.decode("utf-8").encode("gbk") if encoding == "gbk" else chunk
            digest.update(data)
            fh.write(data)
    return path, digest.hexdigest()


class DateWriter:
    """Writes feed files and date manifests on one background thread, in submission order.

    The simulation overlaps with encoding and writing (pyarrow releases the GIL). Submitting
    waits while more than `max_rows` rows are queued, so memory stays bounded (a whole ordinary
    day fits, so the next day is simulated while this one is written).
    """

    def __init__(self, fmt: str, encoding: str, max_rows: int = 8_000_000) -> None:
        self.fmt = fmt
        self.encoding = encoding
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: list[tuple[Future[None], int]] = []
        self.max_rows = max_rows
        self.folder = Path()
        self.manifest = Manifest("")

    def _submit(self, job: Callable[[], None], rows: int = 0) -> None:
        while self.pending and sum(r for _, r in self.pending) + rows > self.max_rows:
            self.pending.pop(0)[0].result()
        still = []
        for future, queued in self.pending:
            if future.done():
                future.result()  # surface a failed write now
            else:
                still.append((future, queued))
        self.pending = still
        self.pending.append((self.pool.submit(job), rows))

    def begin(self, folder: Path, business_date: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        manifest = Manifest(business_date, self.encoding)
        self.folder, self.manifest = folder, manifest

    def add(self, name: str, table: pa.Table) -> None:
        folder, manifest, fmt, encoding = self.folder, self.manifest, self.fmt, self.encoding

        def job() -> None:
            _, sha = write_feed(table, folder, name, fmt, encoding)
            manifest.feeds[name] = FeedEntry(rows=table.num_rows, sha256=sha)

        self._submit(job, table.num_rows)

    def end(self) -> None:
        folder, manifest = self.folder, self.manifest
        self._submit(lambda: manifest.write(folder))

    def close(self) -> None:
        try:
            for job, _ in self.pending:
                job.result()
        finally:
            self.pool.shutdown(wait=True)

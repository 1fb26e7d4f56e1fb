"""Turn internal numpy columns into contract-typed Arrow tables (exact column order)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brokerlens.contract.feeds import ColumnType, feed

NULL_INT = np.iinfo(np.int64).min  # null marker in int64 money / price / integer / date columns
EPOCH = np.datetime64("1970-01-01", "D")


def decimal_array(values: np.ndarray, scale: int) -> pa.Array:
    """int64 scaled integers (cents for scale 2) as decimal128(18, scale), NULL_INT as null."""
    v = np.ascontiguousarray(values, dtype=np.int64)
    mask = v == NULL_INT
    buf = np.empty((len(v), 2), dtype=np.int64)
    buf[:, 0] = np.where(mask, 0, v)
    buf[:, 1] = buf[:, 0] >> 63
    arr = pa.Array.from_buffers(pa.decimal128(18, scale), len(v), [None, pa.py_buffer(buf)])
    if mask.any():
        arr = pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)
    return arr


def _masked(values: np.ndarray, typ: pa.DataType) -> pa.Array:
    v = np.asarray(values, dtype=np.int64)
    mask = v == NULL_INT
    return pa.array(np.where(mask, 0, v), type=pa.int64(), mask=mask if mask.any() else None).cast(
        typ
    )


def column_array(kind: ColumnType, values: Any) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    if kind == ColumnType.MONEY:
        return decimal_array(values, 2)
    if kind == ColumnType.PRICE:
        return decimal_array(values, 4)
    if kind == ColumnType.INTEGER:
        return _masked(values, pa.int64())
    if kind == ColumnType.DATE:
        v = np.asarray(values, dtype=np.int64)
        mask = v == NULL_INT
        return pa.array(
            np.where(mask, 0, v).astype(np.int32),
            type=pa.date32(),
            mask=mask if mask.any() else None,
        )
    if kind == ColumnType.TIMESTAMP:
        return _masked(values, pa.timestamp("s"))
    if kind == ColumnType.NUMBER:
        v = np.asarray(values, dtype=np.float64)
        mask = np.isnan(v)
        return pa.array(v, type=pa.float64(), mask=mask if mask.any() else None)
    if kind == ColumnType.BOOLEAN:
        return pa.array(np.asarray(values, dtype=bool), type=pa.bool_())
    return pa.array(values, type=pa.string())


def build(feed_name: str, cols: dict[str, Any]) -> pa.Table:
    """A table with exactly the contract's columns in order; missing columns are all null."""
    spec = feed(feed_name)
    n = None
    for value in cols.values():
        if value is not None and not np.isscalar(value):
            n = len(value)
            break
    if n is None:
        n = 0
    arrays = []
    for col in spec.columns:
        value = cols.get(col.name)
        if value is None:
            arrays.append(pa.nulls(n, type=_arrow_type(col.type)))
        elif isinstance(value, str):
            arrays.append(
                pa.array([value] * n, type=pa.string()) if n else pa.array([], pa.string())
            )
        else:
            arrays.append(column_array(col.type, value))
    return pa.table(arrays, names=list(spec.column_names))


def _arrow_type(kind: ColumnType) -> pa.DataType:
    return {
        ColumnType.MONEY: pa.decimal128(18, 2),
        ColumnType.PRICE: pa.decimal128(18, 4),
        ColumnType.INTEGER: pa.int64(),
        ColumnType.NUMBER: pa.float64(),
        ColumnType.DATE: pa.date32(),
        ColumnType.TIMESTAMP: pa.timestamp("s"),
        ColumnType.BOOLEAN: pa.bool_(),
    }.get(kind, pa.string())


def empty(feed_name: str) -> pa.Table:
    spec = feed(feed_name)
    return pa.table(
        [pa.array([], type=_arrow_type(c.type)) for c in spec.columns],
        names=list(spec.column_names),
    )


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Vectorised ids such as C000000123: prefix + zero-padded number."""
    digits = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    padded = pc.utf8_lpad(digits, width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


def day_number(day: Any) -> int:
    """A date as days since 1970-01-01."""
    return int((np.datetime64(day, "D") - EPOCH) // np.timedelta64(1, "D"))


def labels(values: Sequence[str], codes: np.ndarray) -> pa.Array:
    """Vectorised lookup of string labels by integer code (no Python objects per row)."""
    return pa.array(list(values), pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))

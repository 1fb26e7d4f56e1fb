"""Exports of customer lists and segment members: masked, audited with every id.

An export streams its rows into a `RowSink` (the column names once, then each row's values,
masked and raw: codes, numbers, dates); the web layer's sink labels them and writes CSV or
Excel. `export_customers` / `export_segment` keep the plain CSV of raw codes (the CLI's, and
what the API answered before labels) through `CsvText`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from brokerlens.access import columnar
from brokerlens.access.audit import record_audit
from brokerlens.access.conditions import CustomerQuery, Filters, compile_query
from brokerlens.access.group_access import GroupSource
from brokerlens.access.masking import mask_row
from brokerlens.access.segments import segment_source
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Permission, Principal
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, InvalidRequest

# Not a cap on what a list holds (the web writer splits a sheet at Excel's row limit): a guard
# against a runaway request, refused with a message naming it, never cut silently.
MAX_EXPORT_ROWS = 5_000_000
BOM = "\ufeff"  # Excel reads a UTF-8 file as UTF-8 (Chinese names intact) only with it


class RowSink(Protocol):
    """Where an export's rows go: the column names once, then each row's values in order."""

    def columns(self, names: Sequence[str]) -> None: ...

    def row(self, values: Sequence[Any]) -> None: ...


@dataclass(frozen=True)
class Exported:
    """What an export wrote: its file name without the extension, and how many rows."""

    name: str
    count: int


class CsvText:
    """The raw CSV of an export: BOM, codes as stored, text a spreadsheet would run quoted."""

    def __init__(self) -> None:
        self.out = io.StringIO()
        self.out.write(BOM)
        self.writer = csv.writer(self.out, lineterminator="\r\n")

    def columns(self, names: Sequence[str]) -> None:
        self.writer.writerow(names)

    def row(self, values: Sequence[Any]) -> None:
        self.writer.writerow([_cell(v) for v in values])

    def text(self) -> str:
        return self.out.getvalue()


def _require(principal: Principal) -> None:
    if not principal.can(Permission.EXPORT):
        raise Forbidden("exporting customers needs the export permission")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a text cell Excel would run as a formula
    return value


def _too_many(total: int) -> None:
    if total > MAX_EXPORT_ROWS:
        raise InvalidRequest(
            f"the export would hold {total:,} customers, more than the {MAX_EXPORT_ROWS:,} allowed",
            hint="narrow the filters (a branch, a tier, an assets range) and export in parts",
        )


def _rows(
    connection: sa.Connection, snapshot: Snapshot, filters: Filters, path: str | None
) -> Iterable[Mapping[str, Any] | sa.RowMapping]:
    """Every matching row (unmasked), from the columnar copy when served, else the store."""
    if path is not None:
        where = filters.duckdb_where()
        _too_many(columnar.count(path, where))
        return columnar.rows(path, snapshot, where, filters.duckdb_order())
    table = snapshot.table
    total = connection.execute(
        sa.select(sa.func.count()).select_from(table).where(*filters.where)
    ).scalar_one()
    _too_many(int(total))
    return connection.execute(
        sa.select(table).where(*filters.where).order_by(*filters.order)
    ).mappings()


def _export(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    result: Iterable[Mapping[str, Any] | sa.RowMapping],
    detail: dict[str, Any],
    sink: RowSink,
) -> int:
    names = snapshot.names()
    sink.columns(names)
    ids: list[str] = []
    for row in result:
        masked = mask_row(row)
        ids.append(str(row["customer_id"]))
        sink.row([masked[n] for n in names])
    record_audit(
        connection,
        principal,
        "export",
        ids,
        {**detail, "count": len(ids), "as_of": str(snapshot.as_of_date)},
    )
    return len(ids)


def export_name(prefix: str, as_of: dt.date) -> str:
    """An export's file name without the extension: prefix, data date, UTC time stamp."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    return f"{prefix}_{as_of.isoformat()}_{stamp}"


def _exported(
    db: sa.Engine,
    principal: Principal,
    query: CustomerQuery,
    purpose: str,
    detail: dict[str, Any],
    sink: RowSink,
    settings: Settings | None = None,
    group: GroupSource | None = None,
) -> tuple[Snapshot, int]:
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        path = columnar.columnar_file(snapshot)
        filters = compile_query(
            connection,
            principal,
            snapshot,
            query,
            purpose=purpose,
            columnar=path is not None,
            settings=settings,
        )
        if group is not None:  # a static group: its hand-added members
            resolve = connection if path is not None else None
            filters = Filters(
                [*filters.where, *group.where(snapshot.table, resolve)], filters.order
            )
        result = _rows(connection, snapshot, filters, path)
        return snapshot, _export(connection, principal, snapshot, result, detail, sink)


def write_customers(
    db: sa.Engine, principal: Principal, query: CustomerQuery, sink: RowSink
) -> Exported:
    """Every customer in scope matching the query (paging ignored) into `sink`, masked."""
    _require(principal)
    detail = {
        "kind": "customers",
        "query": query.model_dump(mode="json", exclude={"page", "page_size"}),
    }
    snapshot, count = _exported(db, principal, query, "export", detail, sink)
    return Exported(export_name("customers", snapshot.as_of_date), count)


def write_segment(
    db: sa.Engine,
    principal: Principal,
    segment_id: int,
    sink: RowSink,
    settings: Settings | None = None,
) -> Exported:
    """The segment's customers within the viewer's scope into `sink`, masked."""
    _require(principal)
    group = segment_source(db, principal, segment_id)
    detail = {"kind": "segment", "segment_id": segment_id}
    snapshot, count = _exported(
        db, principal, group.query(), "segment_export", detail, sink, settings, group
    )
    return Exported(export_name(f"segment_{segment_id}", snapshot.as_of_date), count)


def export_customers(db: sa.Engine, principal: Principal, query: CustomerQuery) -> tuple[str, str]:
    """(file name, CSV text of raw codes) of every customer in scope matching the query."""
    sink = CsvText()
    done = write_customers(db, principal, query, sink)
    return f"{done.name}.csv", sink.text()


def export_segment(
    db: sa.Engine, principal: Principal, segment_id: int, settings: Settings | None = None
) -> tuple[str, str]:
    """(file name, CSV text of raw codes) of the segment's customers within the viewer's scope."""
    sink = CsvText()
    done = write_segment(db, principal, segment_id, sink, settings)
    return f"{done.name}.csv", sink.text()

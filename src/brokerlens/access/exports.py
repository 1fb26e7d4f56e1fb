"""CSV exports of customer lists and segment members: masked, capped, audited with every id."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from brokerlens.access import columnar
from brokerlens.access.audit import record_audit
from brokerlens.access.conditions import CustomerQuery, Filters, compile_query
from brokerlens.access.masking import mask_row
from brokerlens.access.segments import segment_conditions
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Permission, Principal
from brokerlens.errors import Forbidden, InvalidRequest

MAX_EXPORT_ROWS = 100_000
BOM = "\ufeff"  # Excel reads a UTF-8 file as UTF-8 (Chinese names intact) only with it


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
) -> str:
    names = snapshot.names()
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    ids: list[str] = []
    for row in result:
        masked = mask_row(row)
        ids.append(str(row["customer_id"]))
        writer.writerow([_cell(masked[n]) for n in names])
    record_audit(
        connection,
        principal,
        "export",
        ids,
        {**detail, "count": len(ids), "as_of": str(snapshot.as_of_date)},
    )
    return out.getvalue()


def _filename(prefix: str, snapshot: Snapshot) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    return f"{prefix}_{snapshot.as_of_date.isoformat()}_{stamp}.csv"


def _exported(
    db: sa.Engine,
    principal: Principal,
    query: CustomerQuery,
    purpose: str,
    detail: dict[str, Any],
) -> tuple[Snapshot, str]:
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        path = columnar.columnar_file(snapshot)
        filters = compile_query(
            connection, principal, snapshot, query, purpose=purpose, columnar=path is not None
        )
        result = _rows(connection, snapshot, filters, path)
        return snapshot, _export(connection, principal, snapshot, result, detail)


def export_customers(db: sa.Engine, principal: Principal, query: CustomerQuery) -> tuple[str, str]:
    """(file name, CSV text) of every customer in scope matching the query (paging ignored)."""
    _require(principal)
    detail = {
        "kind": "customers",
        "query": query.model_dump(mode="json", exclude={"page", "page_size"}),
    }
    snapshot, text = _exported(db, principal, query, "export", detail)
    return _filename("customers", snapshot), text


def export_segment(db: sa.Engine, principal: Principal, segment_id: int) -> tuple[str, str]:
    """(file name, CSV text) of the segment's customers within the viewer's scope."""
    _require(principal)
    query = CustomerQuery(conditions=segment_conditions(db, principal, segment_id))
    detail = {"kind": "segment", "segment_id": segment_id}
    snapshot, text = _exported(db, principal, query, "segment_export", detail)
    return _filename(f"segment_{segment_id}", snapshot), text

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
from brokerlens.access.conditions import (
    CustomerQuery,
    conditions_clauses,
    duckdb_order_by,
    order_by,
)
from brokerlens.access.customers import query_filters
from brokerlens.access.masking import mask_row
from brokerlens.access.principal import Permission, Principal
from brokerlens.access.scope import customer_scope
from brokerlens.access.segments import segment_conditions
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
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


def _store_rows(
    connection: sa.Connection, snapshot: Snapshot, where: list[Any], order: list[Any]
) -> Iterable[Mapping[str, Any] | sa.RowMapping]:
    table = snapshot.table
    total = connection.execute(
        sa.select(sa.func.count()).select_from(table).where(*where)
    ).scalar_one()
    _too_many(int(total))
    return connection.execute(sa.select(table).where(*where).order_by(*order)).mappings()


def _columnar_rows(
    path: str, snapshot: Snapshot, where: columnar.Where, order: str
) -> list[dict[str, Any]]:
    _too_many(columnar.count(path, where))
    return columnar.rows(path, snapshot, where, order)


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


def export_customers(
    engine: sa.Engine, principal: Principal, query: CustomerQuery
) -> tuple[str, str]:
    """(file name, CSV text) of every customer in scope matching the query (paging ignored)."""
    _require(principal)
    with engine.begin() as connection:
        snapshot = served_snapshot_on(connection)
        detail = {
            "kind": "customers",
            "query": query.model_dump(mode="json", exclude={"page", "page_size"}),
        }
        path = columnar.columnar_file(snapshot)
        result: Iterable[Mapping[str, Any] | sa.RowMapping]
        if path is not None:
            duck = columnar.query_where(connection, principal, snapshot, query)
            order = duckdb_order_by(snapshot, query.sort, query.descending)
            result = _columnar_rows(path, snapshot, duck, order)
        else:
            where = query_filters(principal, snapshot, query)
            result = _store_rows(
                connection, snapshot, where, order_by(snapshot, query.sort, query.descending)
            )
        text = _export(connection, principal, snapshot, result, detail)
    return _filename("customers", snapshot), text


def export_segment(engine: sa.Engine, principal: Principal, segment_id: int) -> tuple[str, str]:
    """(file name, CSV text) of the segment's customers within the viewer's scope."""
    _require(principal)
    conditions = segment_conditions(engine, principal, segment_id)
    with engine.begin() as connection:
        snapshot = served_snapshot_on(connection)
        path = columnar.columnar_file(snapshot)
        result: Iterable[Mapping[str, Any] | sa.RowMapping]
        if path is not None:
            duck = columnar.scoped_where(connection, principal, snapshot, conditions)
            result = _columnar_rows(path, snapshot, duck, duckdb_order_by(snapshot, None, False))
        else:
            where = [
                customer_scope(principal, snapshot),
                *conditions_clauses(snapshot, conditions),
            ]
            result = _store_rows(connection, snapshot, where, order_by(snapshot, None, False))
        text = _export(
            connection, principal, snapshot, result, {"kind": "segment", "segment_id": segment_id}
        )
    return _filename(f"segment_{segment_id}", snapshot), text

"""Dormant-account activation (休眠户及空户激活) within the caller's scope.

The list is the one `brokerlens run` wrote for the served snapshot's as-of date
(`<warehouse>/activation/<T>.parquet`), read with DuckDB; scope is the one scope predicate
(`scope.scope_clause`, staff roles' ids read on the store connection of the same call, as for the
columnar profile copy), then the kind and branch filters, rendered for DuckDB with every value
bound. `rank` is the candidate's place among the candidates of the caller's scope (whatever the
kind and branch filters), not in the firm. Personal fields leave masked; an export needs the
export permission, is capped like
every export and is audited with every id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.exports import MAX_EXPORT_ROWS, CsvText, Exported, RowSink, export_name
from brokerlens.access.masking import mask_row
from brokerlens.access.org import org_names
from brokerlens.access.render import Where, duckdb_where
from brokerlens.access.scope import scope_clause
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.activation import ActivationConfig, load_config
from brokerlens.activation.reasons import Money, Person, reasons, reasons_text
from brokerlens.auth.principal import Permission, Principal
from brokerlens.config import Settings
from brokerlens.errors import BrokerlensError, Forbidden, InvalidRequest, NotFound
from brokerlens.warehouse.served import kept_file, parquet_source

Kind = Literal["dormant", "empty"]
# The columns a page and an export show, in order (the points columns feed the reasons).
SHOWN = [
    "rank",
    "customer_id",
    "name",
    "kind",
    "basis",
    "score",
    "branch_id",
    "servicer_id",
    "phone",
    "customer_type",
    "age",
    "open_date",
    "open_channel",
    "tenure_years",
    "cash",
    "total_assets",
    "peak_assets",
    "net_commission",
    "last_trade_month",
    "last_contact_date",
    "recent_inflow",
]


# The list's columns the filters read (scope's customer_id, branch_id, region_id, and kind).
LIST = sa.table(
    "activation",
    sa.column("customer_id", sa.String()),
    sa.column("branch_id", sa.String()),
    sa.column("region_id", sa.String()),
    sa.column("kind", sa.String()),
)


class ActivationQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind | None = None
    branch_id: str | None = Field(default=None, max_length=32)
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=500)


@dataclass(frozen=True)
class ActivationPage:
    as_of_date: dt.date
    rows: list[dict[str, Any]]
    total: int
    counts: dict[str, int]  # in scope and branch, by kind (the tabs), whatever `kind` is
    page: int
    page_size: int
    # the branches of the caller's scope that have candidates: (unit id, candidates), by id
    branches: list[tuple[str, int]] = field(default_factory=list)


def _served(connection: sa.Connection, settings: Settings) -> tuple[Snapshot, str]:
    snapshot = served_snapshot_on(connection)
    path = kept_file(settings, "activation", snapshot.as_of_date)
    if path is None:
        raise NotFound(
            f"no activation list for the served date {snapshot.as_of_date}",
            hint=f"run `brokerlens run --as-of {snapshot.as_of_date}` (it writes the list)",
        )
    return snapshot, str(path)


def _scope(connection: sa.Connection, principal: Principal, snapshot: Snapshot) -> Where:
    return duckdb_where([scope_clause(principal, LIST, snapshot.as_of_date, resolve_on=connection)])


def _where(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    query: ActivationQuery,
    *,
    with_kind: bool = True,
) -> Where:
    clauses = [scope_clause(principal, LIST, snapshot.as_of_date, resolve_on=connection)]
    if query.branch_id:
        clauses.append(LIST.c.branch_id == query.branch_id)
    if with_kind and query.kind:
        clauses.append(LIST.c.kind == query.kind)
    return duckdb_where(clauses)


def _source(path: str) -> str:
    # The path is ours (the warehouse and the served date), never request text.
    return parquet_source(path)


def _fetch(sql: str, params: list[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    duck = duckdb.connect(":memory:")
    try:
        result = duck.execute(sql, params)
        names = [d[0] for d in result.description or []]
        return names, result.fetchall()
    finally:
        duck.close()


def _rows(
    path: str, scope: Where, where: Where, limit: int | None, offset: int = 0
) -> list[dict[str, Any]]:
    """The candidates matching `where`, ranked within `scope` (the firm's rank replaced)."""
    ranked = (
        f"SELECT * REPLACE (row_number() OVER (ORDER BY rank) AS rank) "
        f"FROM {_source(path)} WHERE {scope.sql}"
    )
    sql = f"SELECT * FROM ({ranked}) WHERE {where.sql} ORDER BY rank"
    params = [*scope.params, *where.params]
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    names, found = _fetch(sql, params)
    return [mask_row(dict(zip(names, r, strict=True))) for r in found]


def _counts(path: str, where: Where) -> dict[str, int]:
    _, found = _fetch(
        f"SELECT kind, count(*) FROM {_source(path)} WHERE {where.sql} GROUP BY kind",
        where.params,
    )
    counts = {"dormant": 0, "empty": 0}
    counts.update({str(k): int(n) for k, n in found})
    return counts


def _branches(path: str, scope: Where) -> list[tuple[str, int]]:
    """The branches with candidates in the caller's scope (the branch filter's choices)."""
    _, found = _fetch(
        f"SELECT branch_id, count(*) FROM {_source(path)} WHERE {scope.sql} "
        "AND branch_id IS NOT NULL GROUP BY branch_id ORDER BY branch_id",
        scope.params,
    )
    return [(str(b), int(n)) for b, n in found]


def _with_reasons(
    row: dict[str, Any],
    lang: str,
    money: Money | None = None,
    person: Person | None = None,
    config: ActivationConfig | None = None,
) -> dict[str, Any]:
    said = reasons(row, lang, money=money, person=person, config=config)
    return {**row, "reasons": said}


def _config(settings: Settings) -> ActivationConfig | None:
    try:
        return load_config(settings)
    except BrokerlensError:  # a broken settings file must not take the list down: plainer words
        return None


def list_candidates(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    query: ActivationQuery,
    *,
    money: Money | None = None,
) -> ActivationPage:
    """The page of candidates in scope, most valuable first, each with its reasons in the
    principal's language (staff by name; amounts by `money`, else whole yuan); the branches of
    the scope with candidates; audited `view_activation` with the page's customers."""
    with db.connect() as connection:
        snapshot, path = _served(connection, settings)
        counts = _counts(path, _where(connection, principal, snapshot, query, with_kind=False))
        scope = _scope(connection, principal, snapshot)
        where = _where(connection, principal, snapshot, query)
    total = counts[query.kind] if query.kind else sum(counts.values())
    rows = _rows(path, scope, where, query.page_size, (query.page - 1) * query.page_size)
    ids = [str(r["customer_id"]) for r in rows]
    detail = {"page": query.page, "page_size": query.page_size, "total": total}
    audit_read(db, principal, "view_activation", ids, detail)
    names = org_names(db)
    config = _config(settings)
    return ActivationPage(
        as_of_date=snapshot.as_of_date,
        rows=[_with_reasons(r, principal.language, money, names.person, config) for r in rows],
        total=total,
        counts=counts,
        page=query.page,
        page_size=query.page_size,
        branches=_branches(path, scope),
    )


def write_candidates(
    db: sa.Engine, settings: Settings, principal: Principal, query: ActivationQuery, sink: RowSink
) -> Exported:
    """Every candidate in scope matching the query (paging ignored) into `sink`, with the
    reasons in words; audited `export` with every id."""
    if not principal.can(Permission.EXPORT):
        raise Forbidden("exporting customers needs the export permission")
    with db.begin() as connection:
        snapshot, path = _served(connection, settings)
        where = _where(connection, principal, snapshot, query)
        _, found = _fetch(f"SELECT count(*) FROM {_source(path)} WHERE {where.sql}", where.params)
        total = int(found[0][0]) if found else 0
        if total > MAX_EXPORT_ROWS:
            raise InvalidRequest(
                f"the export would hold {total:,} customers, more than the "
                f"{MAX_EXPORT_ROWS:,} allowed",
                hint="narrow it to a branch or a kind and export in parts",
            )
        rows = _rows(path, _scope(connection, principal, snapshot), where, None)
        sink.columns([*SHOWN, "reasons"])
        for row in rows:
            sink.row([*(row.get(n) for n in SHOWN), reasons_text(row, principal.language)])
        detail = {
            "kind": "activation",
            "query": query.model_dump(mode="json", exclude={"page", "page_size"}),
            "count": len(rows),
            "as_of": str(snapshot.as_of_date),
        }
        record_audit(connection, principal, "export", [str(r["customer_id"]) for r in rows], detail)
    return Exported(export_name("activation", snapshot.as_of_date), len(rows))


def export_candidates(
    db: sa.Engine, settings: Settings, principal: Principal, query: ActivationQuery
) -> tuple[str, str]:
    """(file name, CSV text of raw codes) of every candidate in scope matching the query."""
    sink = CsvText()
    done = write_candidates(db, settings, principal, query, sink)
    return f"{done.name}.csv", sink.text()

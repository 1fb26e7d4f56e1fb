"""台账问题: the relationship ledger's data problems as a reader may see them (issue 19 section 2):
the spans on which a customer's shares in one role do not add up to 100%, from the kept
`ledger_problems` file of the served date (or the newest before it), cut to the customers in
the reader's scope (head office and compliance: all). Audited `view_ledger_problems` with the
customers shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Principal
from brokerlens.config import Settings
from brokerlens.warehouse.served import kept_file, newest_date, parquet_source

LIMIT = 500
READ_AT_MOST = 100_000  # problems read from the file before scope cuts them


@dataclass(frozen=True)
class LedgerProblem:
    customer_id: str
    role: str
    from_date: dt.date
    to_date: dt.date | None
    share_total: Decimal
    holders: int


@dataclass(frozen=True)
class LedgerProblems:
    as_of: dt.date | None  # the ledger's date; None: no ledger kept yet
    total: int  # problems in scope
    rows: list[LedgerProblem] = field(default_factory=list)


def _read(path: str, role: str | None) -> list[LedgerProblem]:
    where, params = ("WHERE role = ?", [role]) if role else ("", [])
    duck = duckdb.connect(":memory:")
    try:
        rows = duck.execute(
            "SELECT customer_id, role, from_date, to_date, share_total, holders "
            f"FROM {parquet_source(path)} {where} "
            f"ORDER BY customer_id, role, from_date LIMIT {READ_AT_MOST}",
            params,
        ).fetchall()
    finally:
        duck.close()
    return [
        LedgerProblem(str(c), str(r), f, t, Decimal(str(s)), int(h)) for c, r, f, t, s, h in rows
    ]


def _in_scope(connection: sa.Connection, principal: Principal, ids: list[str]) -> set[str]:
    snapshot = served_snapshot_on(connection)
    table = snapshot.table
    found: set[str] = set()
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        rows = connection.execute(
            sa.select(table.c.customer_id).where(
                customer_scope(principal, snapshot), table.c.customer_id.in_(part)
            )
        )
        found.update(str(c) for c in rows.scalars())
    return found


def ledger_problems(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    *,
    role: str | None = None,
    limit: int = LIMIT,
) -> LedgerProblems:
    """The ledger's problems of the customers in scope (first `limit`), newest ledger on or
    before the served date."""
    with db.connect() as connection:
        served = served_snapshot_on(connection).as_of_date
        day = newest_date(settings, "ledger_problems", served)
        path = kept_file(settings, "ledger_problems", day) if day is not None else None
        found = _read(str(path), role) if path is not None else []
        if found and principal.role not in ALL_CUSTOMER_ROLES:
            visible = _in_scope(connection, principal, sorted({p.customer_id for p in found}))
            found = [p for p in found if p.customer_id in visible]
    shown = found[: max(1, min(limit, LIMIT))]
    ids = sorted({p.customer_id for p in shown})
    detail = {"rows": len(shown), "total": len(found), "as_of": str(day) if day else None}
    audit_read(db, principal, "view_ledger_problems", ids, detail)
    return LedgerProblems(day, len(found), shown)

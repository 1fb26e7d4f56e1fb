"""Why a customer in scope got each classification value, from the published snapshot.

The indicator values are the ones published in the store, the rules the catalog the snapshot
was made with; both go through classify's own compiled trees and explanation code (on a one-row
in-memory DuckDB table), so the answer cannot disagree with the stored classification.
"""

from __future__ import annotations

import duckdb
import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.classify.explain import Explanation
from brokerlens.classify.source import VIEW
from brokerlens.classify.why import _explain_one
from brokerlens.engine.sqltext import ident
from brokerlens.errors import InvalidRequest, NotFound

_DUCK_TYPES = {
    "text": "VARCHAR",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "date": "DATE",
    "boolean": "BOOLEAN",
}


def explain_customer(
    db: sa.Engine,
    principal: Principal,
    customer_id: str,
    classification_id: str | None = None,
) -> list[Explanation]:
    """Why the customer in scope has each classification value (or the one asked); audited
    `view_why`."""
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        row = scoped_row(connection, principal, snapshot, customer_id)
        detail = {"classification": classification_id} if classification_id else {}
        record_audit(connection, principal, "view_why", [customer_id], detail)
    compiled = snapshot.compiled
    if snapshot.catalog is None:
        raise NotFound("the served snapshot carries no readable catalog to explain with")
    if classification_id is not None:
        compiled = [c for c in compiled if c.id == classification_id]
        if not compiled:
            raise InvalidRequest(
                f"classification_id {classification_id[:64]!r} is not in the served catalog"
            )
    with _one_row(snapshot, row) as duck:
        return [_explain_one(duck, c, customer_id, snapshot.as_of_date) for c in compiled]


def _one_row(snapshot: Snapshot, row: dict[str, object]) -> duckdb.DuckDBPyConnection:
    columns = [c for c in snapshot.columns if c.kind != "classification"]
    duck = duckdb.connect(":memory:")
    defs = ", ".join(f"{ident(c.name)} {_DUCK_TYPES.get(c.type, 'VARCHAR')}" for c in columns)
    duck.execute(f"CREATE TABLE {ident(VIEW)} ({defs})")
    marks = ", ".join("?" for _ in columns)
    duck.execute(f"INSERT INTO {ident(VIEW)} VALUES ({marks})", [row.get(c.name) for c in columns])
    return duck

"""Static groups (静态分组, issue 25): customers added to a group and removed by hand.

Customers come as ids (rows picked on the list, the 360 page), as every customer a customer-list
query matches within the caller's scope ("all matching"), or as an uploaded list of ids (CSV or
text, one id a line, a header line optional). Whoever adds or removes may only touch customers in
their own scope; each call answers with a report (how many added or removed, which ids are not
known, which are outside the caller's scope) and is all or nothing: every valid id in one
transaction, audited with the customers it touched. Who may change a group: its owner, or a
colleague it is shared with as editable (`segments.editable_segment`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from brokerlens.access import columnar
from brokerlens.access.audit import record_audit
from brokerlens.access.conditions import CustomerQuery, compile_query
from brokerlens.access.group_access import STATIC
from brokerlens.access.scope import customer_scope
from brokerlens.access.segments import (
    Segment,
    create_segment,
    editable_segment,
    list_segments,
)
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest
from brokerlens.store.schema import segment_static_members

MAX_IDS = 100_000  # ids named in one call (picked rows, an uploaded file)
MAX_MATCHING = 500_000  # customers one "all matching" adds at most
MAX_UPLOAD_BYTES = 4 * 1024 * 1024
MAX_ID_LENGTH = 32  # customer ids are at most this long (the profile's key)
CHUNK = 1000
SEPARATORS = re.compile(r"[,\t;|]")  # a CSV's, a spreadsheet's copied columns
HEADERS = frozenset({"customer_id", "customer", "id", "cust_id", "客户号", "客户编号", "客户代码"})

Source = Literal["ids", "query", "upload", "360"]


@dataclass(frozen=True)
class MembersReport:
    """What adding or removing did: `changed` customers added (or removed); `unchanged` already
    members (adding) or not members (removing); ids not known; ids outside the caller's scope."""

    segment_id: int
    action: Literal["add", "remove"]
    changed: int
    unchanged: int
    not_found: list[str] = field(default_factory=list)
    out_of_scope: list[str] = field(default_factory=list)
    as_of_date: dt.date | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_static_group(
    db: sa.Engine,
    principal: Principal,
    name: str,
    *,
    description: str | None = None,
    visibility: Literal["private", "unit"] = "private",
    unit_id: str | None = None,
) -> Segment:
    """A static group, empty: customers are added to it by hand."""
    return create_segment(
        db,
        principal,
        name,
        [],
        visibility=visibility,
        description=description,
        unit_id=unit_id,
        kind=STATIC,
    )


def addable_groups(db: sa.Engine, principal: Principal) -> list[Segment]:
    """The static groups the principal may add customers to: their own, or shared with them as
    editable."""
    return [s for s in list_segments(db, principal) if s.kind == STATIC and s.editable]


def _static(connection: sa.Connection, principal: Principal, segment_id: int) -> Segment:
    item = editable_segment(connection, principal, segment_id)
    if item.kind != STATIC:
        raise InvalidRequest(
            f"segment_id: group {segment_id} is dynamic: its members follow its conditions",
            hint="add customers by hand to a static group (静态分组)",
        )
    return item


def clean_ids(ids: Iterable[Any], what: str = "customer_ids") -> list[str]:
    """The ids named, stripped, blanks dropped, each once (in the order first named)."""
    seen: dict[str, None] = {}
    for raw in ids:
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            raise InvalidRequest(f"{what}: customer ids are text")
        text = str(raw).strip()
        if any(ord(ch) < 32 or ch in "\x7f\ufffd" for ch in text):
            raise InvalidRequest(f"{what}: a customer id holds a control character")
        if text:
            seen.setdefault(text, None)
    if not seen:
        raise InvalidRequest(f"{what}: name at least one customer id")
    if len(seen) > MAX_IDS:
        raise InvalidRequest(f"{what}: {len(seen):,} customer ids, at most {MAX_IDS:,} at once")
    return list(seen)


def parse_id_list(data: bytes | str, what: str = "file") -> list[str]:
    """Customer ids from an uploaded file: CSV or plain text, the first column of each line,
    a header line (customer_id, 客户号, ...) optional; UTF-8 (with or without BOM) or GB18030."""
    if isinstance(data, bytes):
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidRequest(
                f"{what}: {len(data):,} bytes, at most {MAX_UPLOAD_BYTES:,}",
                hint="upload the list in parts",
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise InvalidRequest(f"{what}: not a text file (UTF-8 or GB18030)") from None
    else:
        if len(text := data) > MAX_UPLOAD_BYTES:
            raise InvalidRequest(f"{what}: at most {MAX_UPLOAD_BYTES:,} characters")
    if "\x00" in text:
        raise InvalidRequest(f"{what}: not a text file")
    cells: list[str] = []
    for line in text.lstrip("\ufeff").splitlines():
        first = SEPARATORS.split(line, maxsplit=1)[0].strip().strip("\"'").strip()
        if first:
            cells.append(first)
    if cells and cells[0].lower() in HEADERS:
        cells = cells[1:]
    return clean_ids(cells, what)


@dataclass(frozen=True)
class _Sorted:
    scoped: list[str]
    not_found: list[str]
    out_of_scope: list[str]


def _sort_ids(
    connection: sa.Connection, principal: Principal, snapshot: Snapshot, ids: Sequence[str]
) -> _Sorted:
    """The ids split into: in the caller's scope, unknown on the served date, outside scope."""
    table = snapshot.table
    usable = [i for i in ids if len(i) <= MAX_ID_LENGTH]
    known: set[str] = set()
    scoped: set[str] = set()
    scope = customer_scope(principal, snapshot)
    for start in range(0, len(usable), CHUNK):
        part = usable[start : start + CHUNK]
        rows = connection.execute(
            sa.select(table.c.customer_id, scope.label("in_scope")).where(
                table.c.customer_id.in_(part)
            )
        )
        for customer_id, in_scope in rows:
            known.add(str(customer_id))
            if in_scope:
                scoped.add(str(customer_id))
    return _Sorted(
        scoped=[i for i in ids if i in scoped],
        not_found=[i for i in ids if i not in known],
        out_of_scope=[i for i in ids if i in known and i not in scoped],
    )


def _members_among(connection: sa.Connection, segment_id: int, ids: Sequence[str]) -> set[str]:
    m = segment_static_members
    found: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        part = list(ids[start : start + CHUNK])
        rows = connection.execute(
            sa.select(m.c.customer_id).where(
                m.c.segment_id == segment_id, m.c.customer_id.in_(part)
            )
        )
        found.update(str(c) for c in rows.scalars())
    return found


def _insert(
    connection: sa.Connection, principal: Principal, segment_id: int, ids: list[str]
) -> None:
    now = _now()
    for start in range(0, len(ids), 10_000):
        connection.execute(
            segment_static_members.insert(),
            [
                {
                    "segment_id": segment_id,
                    "customer_id": c,
                    "added_by": principal.user_id,
                    "added_at": now,
                }
                for c in ids[start : start + 10_000]
            ],
        )


def _delete(connection: sa.Connection, segment_id: int, ids: list[str]) -> None:
    m = segment_static_members
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        connection.execute(
            m.delete().where(m.c.segment_id == segment_id, m.c.customer_id.in_(part))
        )


def _audit(
    connection: sa.Connection,
    principal: Principal,
    report: MembersReport,
    touched: list[str],
    source: Source,
    extra: dict[str, Any] | None = None,
) -> None:
    action = "segment_add_members" if report.action == "add" else "segment_remove_members"
    detail: dict[str, Any] = {
        "segment_id": report.segment_id,
        "source": source,
        "added" if report.action == "add" else "removed": report.changed,
        "unchanged": report.unchanged,
        "not_found": len(report.not_found),
        "out_of_scope": len(report.out_of_scope),
        "as_of": str(report.as_of_date),
        **(extra or {}),
    }
    record_audit(connection, principal, action, touched, detail)


def add_members(
    db: sa.Engine,
    principal: Principal,
    segment_id: int,
    customer_ids: Iterable[Any],
    *,
    source: Source = "ids",
) -> MembersReport:
    """Add the named customers in the caller's scope to the static group; the others reported
    (not known, outside scope). All the valid ones in one transaction; audited
    `segment_add_members` with the customers added."""
    ids = clean_ids(customer_ids)
    with db.begin() as connection:
        _static(connection, principal, segment_id)
        snapshot = served_snapshot_on(connection)
        split = _sort_ids(connection, principal, snapshot, ids)
        already = _members_among(connection, segment_id, split.scoped)
        new = [i for i in split.scoped if i not in already]
        _insert(connection, principal, segment_id, new)
        report = MembersReport(
            segment_id,
            "add",
            len(new),
            len(already),
            split.not_found,
            split.out_of_scope,
            snapshot.as_of_date,
        )
        _audit(connection, principal, report, new, source, {"named": len(ids)})
        return report


def upload_members(
    db: sa.Engine, principal: Principal, segment_id: int, data: bytes | str
) -> MembersReport:
    """`add_members` from an uploaded list of customer ids (`parse_id_list`)."""
    return add_members(db, principal, segment_id, parse_id_list(data), source="upload")


def remove_members(
    db: sa.Engine, principal: Principal, segment_id: int, customer_ids: Iterable[Any]
) -> MembersReport:
    """Take the named customers out of the static group: only those in the caller's scope (a
    colleague cannot remove members they cannot see). Audited `segment_remove_members`."""
    ids = clean_ids(customer_ids)
    with db.begin() as connection:
        _static(connection, principal, segment_id)
        snapshot = served_snapshot_on(connection)
        split = _sort_ids(connection, principal, snapshot, ids)
        members = _members_among(connection, segment_id, split.scoped)
        gone = [i for i in split.scoped if i in members]
        _delete(connection, segment_id, gone)
        report = MembersReport(
            segment_id,
            "remove",
            len(gone),
            len(split.scoped) - len(gone),
            split.not_found,
            split.out_of_scope,
            snapshot.as_of_date,
        )
        _audit(connection, principal, report, gone, "ids", {"named": len(ids)})
        return report


def _matching(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    query: CustomerQuery,
    settings: Settings | None,
) -> list[str]:
    """Every customer in the caller's scope the customer-list query matches (paging ignored)."""
    path = columnar.columnar_file(snapshot)
    filters = compile_query(
        connection,
        principal,
        snapshot,
        query,
        purpose="segment_add_members",
        columnar=path is not None,
        settings=settings,
    )
    if path is not None:
        where = filters.duckdb_where()
        total = columnar.count(path, where)
        _not_too_many(total)
        return columnar.member_rows(path, where)[0]
    table = snapshot.table
    total = connection.execute(
        sa.select(sa.func.count()).select_from(table).where(*filters.where)
    ).scalar_one()
    _not_too_many(int(total))
    rows = connection.execute(
        sa.select(table.c.customer_id).where(*filters.where).order_by(table.c.customer_id)
    )
    return [str(c) for c in rows.scalars()]


def _not_too_many(total: int) -> None:
    if total > MAX_MATCHING:
        raise InvalidRequest(
            f"query: {total:,} customers match, at most {MAX_MATCHING:,} are added at once",
            hint="narrow the filters (a branch, a tier, an assets range) and add in parts",
        )


def add_matching(
    db: sa.Engine,
    principal: Principal,
    segment_id: int,
    query: CustomerQuery,
    settings: Settings | None = None,
) -> MembersReport:
    """Add every customer the customer-list query matches within the caller's scope (the list's
    "all matching"). Audited `segment_add_members` with the customers added and the query."""
    with db.begin() as connection:
        _static(connection, principal, segment_id)
        snapshot = served_snapshot_on(connection)
        ids = _matching(connection, principal, snapshot, query, settings)
        already = _members_among(connection, segment_id, ids)
        new = [i for i in ids if i not in already]
        _insert(connection, principal, segment_id, new)
        report = MembersReport(
            segment_id, "add", len(new), len(already), [], [], snapshot.as_of_date
        )
        asked = query.model_dump(mode="json", exclude={"page", "page_size", "sort", "descending"})
        _audit(connection, principal, report, new, "query", {"query": asked})
        return report


def remove_matching(
    db: sa.Engine,
    principal: Principal,
    segment_id: int,
    query: CustomerQuery,
    settings: Settings | None = None,
) -> MembersReport:
    """Take out every member the query matches within the caller's scope."""
    with db.begin() as connection:
        _static(connection, principal, segment_id)
        snapshot = served_snapshot_on(connection)
        ids = _matching(connection, principal, snapshot, query, settings)
        members = _members_among(connection, segment_id, ids)
        gone = [i for i in ids if i in members]
        _delete(connection, segment_id, gone)
        report = MembersReport(segment_id, "remove", len(gone), 0, [], [], snapshot.as_of_date)
        asked = query.model_dump(mode="json", exclude={"page", "page_size", "sort", "descending"})
        _audit(connection, principal, report, gone, "query", {"query": asked})
        return report

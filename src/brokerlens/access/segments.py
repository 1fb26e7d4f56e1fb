"""Saved segments: named condition lists, private or shared with a unit and the units below it.

A segment is a customer group (客户分组, issue 25): dynamic (its conditions) or static (members
added by hand, `segment_static`); shared with a unit or with named colleagues, read-only or
editable (`segment_shares`). Visibility and a static group's members: `group_access`.

Members and counts are always cut to the viewer's scope: a segment shared by a branch manager
shows a broker only the broker's own customers in it. `settings` (optional everywhere) is where a
`recommended_product` condition finds the recommendation run's target customers; without it such
a segment is refused (InvalidRequest) rather than answered wrongly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from brokerlens.access import columnar
from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.condition_tree import Node, dump_nodes, group_refs, parse_nodes
from brokerlens.access.conditions import (
    CustomerQuery,
    check_conditions,
    compile_query,
    parse_query,
)
from brokerlens.access.customers import (
    CustomerPage,
    columnar_page,
    count_filtered,
    filters_on,
    page_of,
)
from brokerlens.access.group_access import (
    DYNAMIC,
    KINDS,
    STATIC,
    GroupSource,
    member_clause,
    share_of,
    static_count,
    static_page,
    visible_clause,
)
from brokerlens.access.org import parents, principal_unit, visible_units
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Permission, Principal, Role
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, InvalidRequest, NotFound
from brokerlens.store.schema import (
    segment_counts,
    segment_shares,
    segment_static_members,
    segments,
    users,
)

Visibility = Literal["private", "unit"]
VISIBILITIES = ("private", "unit")


@dataclass(frozen=True)
class Segment:
    """A saved segment as the viewer sees it; `editable` when the viewer owns it or it is shared
    with them by name as editable; `owned` when they own it (only the owner deletes and shares);
    `shared` how it is shared with the viewer by name: 'read', 'edit' or None."""

    segment_id: int
    name: str
    description: str | None
    owner_user_id: int | None
    owner: str | None
    visibility: str
    unit_id: str | None
    conditions: list[Node]  # ANDed; a node may nest (issue 25, condition_tree)
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    editable: bool
    kind: str = DYNAMIC
    owned: bool = False
    shared: str | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _not_found(segment_id: int) -> NotFound:
    return NotFound(f"no segment {segment_id}")


def _visible(connection: sa.Connection, principal: Principal) -> Any:
    """Segments the principal may see: their own, those shared with their unit or above, and
    those shared with them by name."""
    return visible_clause(connection, principal)


def _checked(
    connection: sa.Connection,
    principal: Principal,
    name: str,
    conditions: list[Node] | list[Any],
    visibility: str,
    settings: Settings | None = None,
    segment_id: int | None = None,
) -> list[dict[str, Any]]:
    if not name or not name.strip() or len(name) > 200:
        raise InvalidRequest("name: give the segment a name of 1 to 200 characters")
    if visibility not in VISIBILITIES:
        raise InvalidRequest(f"visibility: one of {VISIBILITIES}")
    conditions = parse_nodes(
        [c if isinstance(c, dict) else c.model_dump(mode="json", by_alias=True) for c in conditions]
    )
    check_refs(connection, principal, conditions, segment_id)
    # fields, values and personal fields checked (a permitted use audited)
    snapshot = served_snapshot_on(connection)
    check_conditions(
        connection, principal, snapshot, conditions, purpose="segment", settings=settings
    )
    return dump_nodes(conditions)


def check_refs(
    connection: sa.Connection, principal: Principal, nodes: list[Node], segment_id: int | None
) -> None:
    """`in_group` references: groups the user can see, and no cycle back to this one."""
    todo, seen = list(group_refs(nodes)), set()
    for ref in todo:
        _get(connection, principal, ref)  # NotFound alike for one the user cannot see
    while todo:
        ref = todo.pop()
        if ref == segment_id:
            raise InvalidRequest(f"conditions: in_group {ref} makes a cycle back to this group")
        if ref in seen:
            continue
        seen.add(ref)
        stored = connection.execute(
            sa.select(segments.c.conditions).where(segments.c.segment_id == ref)
        ).scalar()
        todo += group_refs(parse_nodes(stored or []))


def _share_unit(connection: sa.Connection, principal: Principal, asked: str | None = None) -> str:
    """The unit a shared segment goes to: the owner's unit, or one below it they name (HQ
    roles: any unit)."""
    if asked is not None:
        units, _ = visible_units(connection, principal)
        if asked not in units:
            raise InvalidRequest(f"unit_id: {asked[:64]!r} is not your unit or one below it")
        return asked
    unit = principal_unit(connection, principal)
    if unit is None and principal.role in ALL_CUSTOMER_ROLES:
        parent_of = parents(connection)
        unit = next((u for u, p in sorted(parent_of.items()) if p is None), None)
    if unit is None:
        raise InvalidRequest("visibility: you belong to no unit to share the segment with")
    return unit


def _record(row: Any, principal: Principal, can_edit: bool | None = None) -> Segment:
    """`can_edit`: how the segment is shared with the viewer by name (None: it is not)."""
    owned = row["owner_user_id"] == principal.user_id
    return Segment(
        segment_id=int(row["segment_id"]),
        name=row["name"],
        description=row["description"],
        owner_user_id=row["owner_user_id"],
        owner=row["owner"],
        visibility=row["visibility"],
        unit_id=row["unit_id"],
        conditions=parse_nodes(row["conditions"] or []),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        editable=owned or bool(can_edit),
        kind=row["kind"] or DYNAMIC,
        owned=owned,
        shared=None if can_edit is None else ("edit" if can_edit else "read"),
    )


def _select() -> sa.Select[Any]:
    return sa.select(segments, users.c.username.label("owner")).select_from(
        segments.outerjoin(users, users.c.user_id == segments.c.owner_user_id)
    )


def _get(connection: sa.Connection, principal: Principal, segment_id: int) -> Segment:
    row = (
        connection.execute(
            _select().where(segments.c.segment_id == segment_id, _visible(connection, principal))
        )
        .mappings()
        .first()
    )
    if row is None:
        raise _not_found(segment_id)
    return _record(row, principal, share_of(connection, principal, [segment_id]).get(segment_id))


def create_segment(
    db: sa.Engine,
    principal: Principal,
    name: str,
    conditions: list[Any],
    *,
    visibility: Visibility = "private",
    description: str | None = None,
    unit_id: str | None = None,
    settings: Settings | None = None,
    kind: str = DYNAMIC,
) -> Segment:
    if kind not in KINDS:
        raise InvalidRequest(f"kind: one of {KINDS}")
    if kind == STATIC and conditions:
        raise InvalidRequest("conditions: a static group has none (its members are added by hand)")
    with db.begin() as connection:
        saved = _checked(connection, principal, name, conditions, visibility, settings)
        unit = _share_unit(connection, principal, unit_id) if visibility == "unit" else None
        now = _now()
        segment_id = connection.execute(
            segments.insert()
            .values(
                name=name.strip(),
                description=description,
                owner_user_id=principal.user_id,
                visibility=visibility,
                unit_id=unit,
                conditions=saved,
                created_at=now,
                updated_at=now,
                kind=kind,
            )
            .returning(segments.c.segment_id)
        ).scalar_one()
        made = _get(connection, principal, int(segment_id))
        record_audit(connection, principal, "segment_create", [], _change(made))
        return made


def list_segments(db: sa.Engine, principal: Principal) -> list[Segment]:
    with db.connect() as connection:
        rows = (
            connection.execute(
                _select().where(_visible(connection, principal)).order_by(segments.c.name)
            )
            .mappings()
            .all()
        )
        shares = share_of(connection, principal, [int(r["segment_id"]) for r in rows])
        return [_record(r, principal, shares.get(int(r["segment_id"]))) for r in rows]


def get_segment(db: sa.Engine, principal: Principal, segment_id: int) -> Segment:
    with db.connect() as connection:
        return _get(connection, principal, segment_id)


def _owned(connection: sa.Connection, principal: Principal, segment_id: int) -> Segment:
    """The segment if the principal owns it (to delete or share it); Forbidden otherwise."""
    item = _get(connection, principal, segment_id)
    if not item.owned:
        raise Forbidden("only the segment's owner may delete or share it")
    return item


def visible_segment(connection: sa.Connection, principal: Principal, segment_id: int) -> Segment:
    """The segment if the principal may see it; NotFound alike for unknown and hidden ones."""
    return _get(connection, principal, segment_id)


def owned_segment(connection: sa.Connection, principal: Principal, segment_id: int) -> Segment:
    return _owned(connection, principal, segment_id)


def editable_segment(connection: sa.Connection, principal: Principal, segment_id: int) -> Segment:
    """The segment if the principal may change it: its owner, or a colleague it is shared with
    as editable (name, conditions, members; not delete, not share)."""
    item = _get(connection, principal, segment_id)
    if not item.editable:
        raise Forbidden(
            "only the segment's owner or a colleague it is shared with as editable may change it"
        )
    return item


def update_segment(
    db: sa.Engine,
    principal: Principal,
    segment_id: int,
    *,
    name: str | None = None,
    conditions: list[Any] | None = None,
    visibility: Visibility | None = None,
    description: str | None = None,
    unit_id: str | None = None,
    settings: Settings | None = None,
) -> Segment:
    with db.begin() as connection:
        item = editable_segment(connection, principal, segment_id)
        if item.kind == STATIC and conditions:
            raise InvalidRequest(
                "conditions: a static group has none (its members are added by hand)"
            )
        if not item.owned and (
            (visibility is not None and visibility != item.visibility) or unit_id is not None
        ):
            raise Forbidden("only the segment's owner may share it")
        new_visibility = visibility or item.visibility
        saved = _checked(
            connection,
            principal,
            name if name is not None else item.name,
            conditions if conditions is not None else item.conditions,
            new_visibility,
            settings,
            segment_id,
        )
        unit = item.unit_id
        if new_visibility == "unit" and (unit is None or unit_id is not None):
            unit = _share_unit(connection, principal, unit_id)
        values: dict[str, Any] = {
            "name": (name if name is not None else item.name).strip(),
            "conditions": saved,
            "visibility": new_visibility,
            "unit_id": unit if new_visibility == "unit" else None,
            "updated_at": _now(),
        }
        if description is not None:
            values["description"] = description
        connection.execute(
            segments.update().where(segments.c.segment_id == segment_id).values(**values)
        )
        if conditions is not None:  # stale counts would mislead
            connection.execute(
                segment_counts.delete().where(segment_counts.c.segment_id == segment_id)
            )
        changed = _get(connection, principal, segment_id)
        record_audit(connection, principal, "segment_update", [], _change(changed, item))
        return changed


def delete_segment(db: sa.Engine, principal: Principal, segment_id: int) -> None:
    with db.begin() as connection:
        item = _owned(connection, principal, segment_id)
        connection.execute(segment_counts.delete().where(segment_counts.c.segment_id == segment_id))
        for table in (segment_static_members, segment_shares):
            connection.execute(table.delete().where(table.c.segment_id == segment_id))
        connection.execute(segments.delete().where(segments.c.segment_id == segment_id))
        record_audit(connection, principal, "segment_delete", [], _change(item))


def _change(item: Segment, before: Segment | None = None) -> dict[str, Any]:
    """An audit row's detail of a segment saved, changed (with what it was) or deleted."""
    detail: dict[str, Any] = {
        "segment_id": item.segment_id,
        "name": item.name,
        "kind": item.kind,
        "visibility": item.visibility,
        "conditions": dump_nodes(item.conditions),
    }
    if before is not None:
        detail["before"] = _change(before)
    return detail


def segment_count(
    db: sa.Engine, principal: Principal, segment_id: int, settings: Settings | None = None
) -> int:
    """Customers of the segment within the viewer's scope."""
    with db.connect() as connection:
        item = _get(connection, principal, segment_id)
        snapshot = served_snapshot_on(connection)
        if item.kind == STATIC:
            return static_count(
                connection, principal, snapshot, segment_id, purpose="segment_count"
            )
        query = CustomerQuery(conditions=item.conditions)
        return count_filtered(
            connection, principal, snapshot, query, purpose="segment_count", settings=settings
        )


def segment_members(
    db: sa.Engine,
    principal: Principal,
    segment_id: int,
    *,
    page: int = 1,
    page_size: int = 50,
    sort: str | None = None,
    descending: bool = False,
    settings: Settings | None = None,
) -> CustomerPage:
    """One page of the segment's customers within the viewer's scope (masked); audited
    `view_segment_members` with the page's customers."""
    found = _members_page(db, principal, segment_id, page, page_size, sort, descending, settings)
    ids = [str(r["customer_id"]) for r in found.rows]
    detail = {"segment_id": segment_id, "page": page, "total": found.total}
    audit_read(db, principal, "view_segment_members", ids, detail)
    return found


def _members_page(
    db: sa.Engine,
    principal: Principal,
    segment_id: int,
    page: int,
    page_size: int,
    sort: str | None,
    descending: bool,
    settings: Settings | None,
) -> CustomerPage:
    with db.connect() as connection:
        item = _get(connection, principal, segment_id)
        query = parse_query(
            {
                "conditions": [] if item.kind == STATIC else item.conditions,
                "page": page,
                "page_size": page_size,
                "sort": sort,
                "descending": descending,
            }
        )
        snapshot = served_snapshot_on(connection)
        if item.kind == STATIC:
            return static_page(
                connection, principal, snapshot, segment_id, query, purpose="segment_members"
            )
        path, filters = filters_on(
            connection, principal, snapshot, query, purpose="segment_members", settings=settings
        )
        if path is not None:
            return columnar_page(connection, path, snapshot, filters, query)
        return page_of(connection, snapshot, filters, query)


def segment_conditions(db: sa.Engine, principal: Principal, segment_id: int) -> list[Node]:
    with db.connect() as connection:
        return list(_get(connection, principal, segment_id).conditions)


def segment_source(db: sa.Engine, principal: Principal, segment_id: int) -> GroupSource:
    """What the segment's members are made of, for a reader that compiles its own query
    (exports, handovers): conditions, or a static group's hand-added members."""
    with db.connect() as connection:
        item = _get(connection, principal, segment_id)
        return GroupSource(item.segment_id, item.kind, list(item.conditions))


def _owner(row: Any) -> Principal:
    known = {p.value for p in Permission}
    return Principal(
        user_id=int(row.user_id),
        username=str(row.username),
        display_name=str(row.display_name),
        role=Role(row.role),
        staff_id=row.staff_id,
        unit_id=row.unit_id,
        extra_permissions=frozenset(Permission(p) for p in row.permissions or [] if p in known),
    )


def refresh_segment_counts(
    db: sa.Engine, settings: Settings | None = None, known: Mapping[int, int] | None = None
) -> int:
    """segment_counts for the served as-of date: each segment counted within its owner's scope.
    Returns how many segments were counted (a segment whose conditions no longer fit the
    published columns is skipped). `known`: the dynamic groups' member counts the membership
    refresh just found on the same date (`refresh_groups`), taken as they are: 1,000 groups
    over millions of customers are not counted a second time."""
    known = known or {}
    done = 0
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        path = columnar.columnar_file(snapshot)
        owners = connection.execute(
            sa.select(
                segments.c.segment_id,
                segments.c.conditions,
                segments.c.kind,
                users.c.user_id,
                users.c.username,
                users.c.display_name,
                users.c.role,
                users.c.staff_id,
                users.c.unit_id,
                users.c.permissions,
            ).select_from(segments.join(users, users.c.user_id == segments.c.owner_user_id))
        ).all()
        for row in owners:
            if row.kind != STATIC and int(row.segment_id) in known:
                _write_count(connection, row.segment_id, snapshot.as_of_date, known[row.segment_id])
                done += 1
                continue
            try:
                conditions = parse_nodes(row.conditions or [])
                filters = compile_query(
                    connection,
                    _owner(row),
                    snapshot,
                    CustomerQuery(conditions=conditions),
                    purpose="segment_refresh",
                    columnar=path is not None,
                    settings=settings,
                )
            except (InvalidRequest, Forbidden, ValueError):
                continue  # no longer fits the columns, or the owner may no longer use them
            if row.kind == STATIC:  # the members the owner's scope holds
                resolve = connection if path is not None else None
                filters.where.append(member_clause(snapshot.table, row.segment_id, resolve))
            if path is not None:
                count = columnar.count(path, filters.duckdb_where())
            else:
                count = connection.execute(
                    sa.select(sa.func.count()).select_from(snapshot.table).where(*filters.where)
                ).scalar_one()
            _write_count(connection, row.segment_id, snapshot.as_of_date, int(count))
            done += 1
    return done


def _write_count(connection: sa.Connection, segment_id: int, day: dt.date, count: int) -> None:
    connection.execute(
        segment_counts.delete().where(
            segment_counts.c.segment_id == segment_id, segment_counts.c.as_of_date == day
        )
    )
    connection.execute(
        segment_counts.insert().values(
            segment_id=segment_id, as_of_date=day, customers=count, refreshed_at=_now()
        )
    )

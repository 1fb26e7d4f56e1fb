"""Customer groups (客户分组, issue 25): who may see a group, and a static group's members.

A group is a saved segment. A dynamic one (动态分组) holds the customers its conditions hold for;
a static one (静态分组) holds the customers added to it by hand (`segment_static_members`).
Either way its members are always cut to the viewer's scope (the scope predicate comes first in
every query, from `compile_query`); here only the membership itself is added to it.

A group is visible to its owner, to the owner's unit and those below it when shared with the
unit (`visibility='unit'`), and to colleagues it is shared with by name (`segment_shares`,
read-only or editable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access import columnar
from brokerlens.access.conditions import CustomerQuery, Filters, Node
from brokerlens.access.customers import CustomerPage, columnar_page, filters_on, page_of
from brokerlens.access.org import ancestors, parents, principal_unit
from brokerlens.access.scope import customers_in
from brokerlens.access.snapshot import Snapshot
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Principal, Role
from brokerlens.config import Settings
from brokerlens.store.schema import segment_shares, segment_static_members, segments

DYNAMIC = "dynamic"
STATIC = "static"
KINDS = (DYNAMIC, STATIC)


def shared_with(principal: Principal) -> sa.Select[tuple[int]]:
    """The ids of the groups shared with the principal by name."""
    return sa.select(segment_shares.c.segment_id).where(
        segment_shares.c.user_id == principal.user_id
    )


def visible_clause(connection: sa.Connection, principal: Principal) -> ColumnElement[bool]:
    """Groups the principal may see: their own, those shared with their unit or a unit above
    it, and those shared with them by name."""
    own = segments.c.owner_user_id == principal.user_id
    named = segments.c.segment_id.in_(shared_with(principal))
    shared = segments.c.visibility == "unit"
    if principal.role in ALL_CUSTOMER_ROLES:
        return sa.or_(own, shared, named)
    unit = principal_unit(connection, principal)
    if principal.role is Role.ADMIN or unit is None:
        return sa.or_(own, named)
    in_unit = segments.c.unit_id.in_(ancestors(unit, parents(connection)))
    return sa.or_(own, named, sa.and_(shared, in_unit))


def share_of(
    connection: sa.Connection, principal: Principal, segment_ids: list[int]
) -> dict[int, bool]:
    """For each of the groups shared with the principal by name: whether they may edit it."""
    if not segment_ids:
        return {}
    rows = connection.execute(
        sa.select(segment_shares.c.segment_id, segment_shares.c.can_edit).where(
            segment_shares.c.user_id == principal.user_id,
            segment_shares.c.segment_id.in_(segment_ids),
        )
    )
    return {int(r.segment_id): bool(r.can_edit) for r in rows}


def static_ids(segment_id: int) -> sa.Select[tuple[str]]:
    """The customer ids added to a static group, as a query."""
    return sa.select(segment_static_members.c.customer_id).where(
        segment_static_members.c.segment_id == segment_id
    )


def member_clause(
    table: sa.TableClause, segment_id: int, resolve_on: sa.Connection | None = None
) -> ColumnElement[bool]:
    """`table.customer_id` among the static group's members: a subquery for the store, or the
    ids read on `resolve_on` and bound (for DuckDB over the served file)."""
    return customers_in(table, static_ids(segment_id), resolve_on)


@dataclass(frozen=True)
class GroupSource:
    """What a group's members are made of: its conditions (a dynamic group), or its hand-added
    members (a static group, no conditions)."""

    segment_id: int
    kind: str
    conditions: list[Node]

    @property
    def static(self) -> bool:
        return self.kind == STATIC

    def where(
        self, table: sa.TableClause, resolve_on: sa.Connection | None = None
    ) -> list[ColumnElement[bool]]:
        """The membership clause to add to a compiled query (none for a dynamic group: its
        conditions are in the query)."""
        if not self.static:
            return []
        return [member_clause(table, self.segment_id, resolve_on)]

    def query(self, **kw: Any) -> CustomerQuery:
        return CustomerQuery(conditions=[] if self.static else self.conditions, **kw)


def with_members(
    filters: Filters,
    source: GroupSource,
    table: sa.TableClause,
    resolve_on: sa.Connection | None = None,
) -> Filters:
    """A compiled query narrowed to the group's hand-added members (a static group)."""
    extra = source.where(table, resolve_on)
    return Filters([*filters.where, *extra], filters.order) if extra else filters


def static_count(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    segment_id: int,
    *,
    purpose: str,
    settings: Settings | None = None,
) -> int:
    """How many of the static group's members the principal's scope holds."""
    source = GroupSource(segment_id, STATIC, [])
    path, filters = filters_on(
        connection, principal, snapshot, CustomerQuery(), purpose=purpose, settings=settings
    )
    filters = with_members(filters, source, snapshot.table, connection if path else None)
    if path is not None:
        return columnar.count(path, filters.duckdb_where())
    return int(
        connection.execute(
            sa.select(sa.func.count()).select_from(snapshot.table).where(*filters.where)
        ).scalar_one()
    )


def static_page(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    segment_id: int,
    query: CustomerQuery,
    *,
    purpose: str,
) -> CustomerPage:
    """One page of the static group's members within the principal's scope (masked), as the
    customer list pages them."""
    source = GroupSource(segment_id, STATIC, [])
    path, filters = filters_on(connection, principal, snapshot, query, purpose=purpose)
    filters = with_members(filters, source, snapshot.table, connection if path else None)
    if path is not None:
        return columnar_page(connection, path, snapshot, filters, query)
    return page_of(connection, snapshot, filters, query)

"""A hand-built organisation with two deliveries of its feeds, for the broker tree's tests.

Units: HQ > R1 > {B1 > {T1, T2}, B2 > T3}; R2 > B3 (empty).
First delivery D1 (2025-01-02), second D2 (2025-02-03):
  M1 branch manager of B1, M2 of B2; team leads L1 (T1), L2 (T2) under M1, L3 (T3) under M2;
  brokers S1 (T1, under L1), S2 (T1 under L1 -> D2: T2 under L2), S3 (T2 under L2, grade P2 ->
  P3 at D2), S4 (T3 under L3, leaves 2025-02-10, told at D2), S5 (T2 under L2, hired
  2025-02-01, first delivered at D2); A1 advisor of B1 under M1 (the feed skips a level);
  V1 service staff of B1 under M1 (not in the broker tree).
The store's current `org_units` / `staff` are the D2 versions (what a publish leaves).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.auth.principal import Principal, Role
from brokerlens.config import Settings
from brokerlens.store import open_store
from brokerlens.store.brokers_tree_schema import org_unit_versions, staff_versions
from brokerlens.store.schema import org_units, staff, users

D = dt.date
D1, D2 = D(2025, 1, 2), D(2025, 2, 3)
BEFORE, AFTER = D(2025, 1, 15), D(2025, 2, 15)

UNITS = [
    ("HQ", None, "hq", "总部"),
    ("R1", "HQ", "region", "华东分公司"),
    ("R2", "HQ", "region", "华南分公司"),
    ("B1", "R1", "branch", "上海营业部"),
    ("B2", "R1", "branch", "杭州营业部"),
    ("B3", "R2", "branch", "深圳营业部"),
    ("T1", "B1", "team", "一组"),
    ("T2", "B1", "team", "二组"),
    ("T3", "B2", "team", "杭一组"),
]
# staff_id, name, unit, position, manager, hire, leave, grade
V1_STAFF: list[tuple[Any, ...]] = [
    ("M1", "马经理", "B1", "branch_manager", None, D(2015, 1, 1), None, "P6"),
    ("M2", "牛经理", "B2", "branch_manager", None, D(2016, 1, 1), None, "P6"),
    ("L1", "王组长", "T1", "team_lead", "M1", D(2018, 1, 1), None, "P5"),
    ("L2", "李组长", "T2", "team_lead", "M1", D(2018, 1, 1), None, "P5"),
    ("L3", "杭组长", "T3", "team_lead", "M2", D(2018, 1, 1), None, "P5"),
    ("S1", "李雷", "T1", "broker", "L1", D(2020, 1, 1), None, "P2"),
    ("S2", "韩梅梅", "T1", "broker", "L1", D(2020, 1, 1), None, "P2"),
    ("S3", "钱多多", "T2", "broker", "L2", D(2020, 1, 1), None, "P2"),
    ("S4", "孙离开", "T3", "broker", "L3", D(2020, 1, 1), None, "P2"),
    ("A1", "赵顾问", "B1", "advisor", "M1", D(2019, 1, 1), None, "P4"),
    ("V1", "客服甲", "B1", "service", "M1", D(2019, 1, 1), None, "P1"),
]
V2_CHANGED: list[tuple[Any, ...]] = [
    ("S2", "韩梅梅", "T2", "broker", "L2", D(2020, 1, 1), None, "P2"),
    ("S3", "钱多多", "T2", "broker", "L2", D(2020, 1, 1), None, "P3"),
    ("S4", "孙离开", "T3", "broker", "L3", D(2020, 1, 1), D(2025, 2, 10), "P2"),
    ("S5", "周新人", "T2", "broker", "L2", D(2025, 2, 1), None, "P1"),
]
STAFF_COLUMNS = (
    "staff_id",
    "name",
    "unit_id",
    "position",
    "manager_id",
    "hire_date",
    "leave_date",
    "grade",
)
PRINCIPALS: dict[str, tuple[Role, str | None, str | None]] = {
    "branch1": (Role.BRANCH_MANAGER, None, "B1"),
    "branch2": (Role.BRANCH_MANAGER, None, "B2"),
    "region1": (Role.REGION_MANAGER, None, "R1"),
    "hq": (Role.HQ_MARKETING, None, None),
    "hq2": (Role.HQ_MARKETING, None, None),
    "compliance": (Role.COMPLIANCE, None, None),
    "broker1": (Role.BROKER, "S1", None),
    "lead1": (Role.TEAM_LEAD, "L1", None),
}


@dataclass(frozen=True)
class TreeWorld:
    db: sa.Engine
    settings: Settings
    principals: dict[str, Principal]

    def who(self, name: str) -> Principal:
        return self.principals[name]


def _staff_rows(rows: list[tuple[Any, ...]], **more: Any) -> list[dict[str, Any]]:
    return [{**dict(zip(STAFF_COLUMNS, r, strict=True)), **more} for r in rows]


def build_tree_world(settings: Settings) -> TreeWorld:
    db = open_store(settings)
    changed = {r[0] for r in V2_CHANGED}
    latest = [r for r in V1_STAFF if r[0] not in changed] + V2_CHANGED
    with db.begin() as connection:
        connection.execute(
            org_units.insert(),
            [
                dict(zip(("unit_id", "parent_id", "unit_type", "name"), u, strict=True))
                for u in UNITS
            ],
        )
        connection.execute(
            org_unit_versions.insert(),
            [
                {
                    **dict(zip(("unit_id", "parent_id", "unit_type", "name"), u, strict=True)),
                    "valid_from": D1,
                    "valid_to": None,
                }
                for u in UNITS
            ],
        )
        connection.execute(staff.insert(), _staff_rows(latest))
        first = [
            {**r, "valid_from": D1, "valid_to": D2 if r["staff_id"] in changed else None}
            for r in _staff_rows(V1_STAFF)
        ]
        connection.execute(
            staff_versions.insert(),
            first + _staff_rows(V2_CHANGED, valid_from=D2, valid_to=None),
        )
        principals = _users(connection)
    return TreeWorld(db, settings, principals)


def _users(connection: sa.Connection) -> dict[str, Principal]:
    out = {}
    now = dt.datetime.now(dt.UTC)
    for name, (role, staff_id, unit_id) in PRINCIPALS.items():
        user_id = connection.execute(
            users.insert()
            .values(
                username=name,
                display_name=name.title(),
                role=str(role),
                staff_id=staff_id,
                unit_id=unit_id,
                permissions=[],
                password_hash="x",
                active=True,
                failed_logins=0,
                must_change_password=False,
                created_at=now,
                language="zh",
            )
            .returning(users.c.user_id)
        ).scalar_one()
        out[name] = Principal(
            user_id=int(user_id),
            username=name,
            display_name=name.title(),
            role=role,
            staff_id=staff_id,
            unit_id=unit_id,
        )
    return out

"""A hand-written published organisation for the auth and user CLI tests."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import Engine

from brokerlens.store.schema import org_units, relationships, staff

D = dt.date(2020, 1, 1)


def seed_org(db: Engine) -> None:
    """HQ > region R1 > branch B1 > team T1 (lead, two brokers); an advisor in B1."""
    with db.begin() as connection:
        connection.execute(
            sa.insert(org_units),
            [
                {"unit_id": "HQ", "parent_id": None, "unit_type": "hq", "name": "总部"},
                {"unit_id": "R1", "parent_id": "HQ", "unit_type": "region", "name": "上海分公司"},
                {"unit_id": "B1", "parent_id": "R1", "unit_type": "branch", "name": "南京路营业部"},
                {"unit_id": "T1", "parent_id": "B1", "unit_type": "team", "name": "财富1组"},
            ],
        )
        connection.execute(
            sa.insert(staff),
            [
                {"staff_id": "S1", "name": "王经理", "unit_id": "B1", "position": "branch_manager"},
                {"staff_id": "S2", "name": "李组长", "unit_id": "T1", "position": "team_lead"},
                {"staff_id": "S3", "name": "张三", "unit_id": "T1", "position": "broker"},
                {"staff_id": "S4", "name": "李四", "unit_id": "T1", "position": "broker"},
                {"staff_id": "S5", "name": "赵投顾", "unit_id": "B1", "position": "advisor"},
            ],
        )
        rel = [
            ("C1", "S3", "developer", None),
            ("C2", "S3", "developer", None),
            ("C3", "S4", "developer", None),
            # ended relationships do not count: S4 would otherwise have the most customers
            ("C4", "S4", "developer", dt.date(2021, 1, 1)),
            ("C5", "S4", "developer", dt.date(2021, 1, 1)),
            ("C1", "S5", "advisor", None),
        ]
        connection.execute(
            sa.insert(relationships),
            [
                {"customer_id": c, "staff_id": s, "role": r, "start_date": D, "end_date": e}
                for c, s, r, e in rel
            ],
        )

"""A small published store built by hand: org, staff, relationships, one served profile table.

It stands in for `brokerlens.publish` and writes only what the serving contract names, so the
access layer reads here exactly what it will read from a real publish.

Org: HQ > R1 > {B1 > {T1, T2}, B2}, HQ > R2 > B3 > T3.
Staff: S1, S2 (brokers), L1 (team lead), A1 (advisor) in T1; S3 broker in T2; S4 broker in T3.
As of 2025-03-14 (see CUSTOMERS for who serves whom):
  S1: C001 C002 | S2: C002 C003 | A1: C010 | L1 (T1): C001 C002 C003 C010
  B1: C001-C005 C010 | R1: C001-C006 C009 C010 | R2: C007 C008 | HQ: all ten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.auth.principal import Principal, Role
from brokerlens.classify import Catalog, load_default_catalog
from brokerlens.config import Settings
from brokerlens.store import open_store
from brokerlens.store.schema import (
    org_units,
    profile_changes,
    relationships,
    scope_daily,
    serving,
    snapshots,
    staff,
    users,
)

AS_OF = dt.date(2025, 3, 14)
PREVIOUS = dt.date(2025, 3, 13)
SNAPSHOT_ID = 2
TABLE = f"profile_{SNAPSHOT_ID}"

UNITS = [
    ("HQ", None, "hq", "总部"),
    ("R1", "HQ", "region", "华东分公司"),
    ("R2", "HQ", "region", "华南分公司"),
    ("B1", "R1", "branch", "上海营业部"),
    ("B2", "R1", "branch", "杭州营业部"),
    ("B3", "R2", "branch", "深圳营业部"),
    ("T1", "B1", "team", "一组"),
    ("T2", "B1", "team", "二组"),
    ("T3", "B3", "team", "深一组"),
]
STAFF = [
    ("S1", "李雷", "T1", "broker"),
    ("S2", "韩梅梅", "T1", "broker"),
    ("L1", "王组长", "T1", "team_lead"),
    ("A1", "赵顾问", "T1", "advisor"),
    ("S3", "钱多多", "T2", "broker"),
    ("S4", "孙深圳", "T3", "broker"),
]
D = dt.date
# customer, staff, role, start, end
RELATIONSHIPS = [
    ("C001", "S1", "servicer", D(2024, 1, 1), None),
    ("C002", "S1", "developer", D(2024, 1, 1), None),
    ("C002", "S2", "servicer", D(2024, 6, 1), None),
    ("C003", "S2", "servicer", D(2024, 1, 1), None),
    ("C004", "S3", "servicer", D(2024, 1, 1), None),
    ("C005", "S1", "servicer", D(2024, 1, 1), D(2025, 3, 1)),  # ended: S1 no longer sees it
    ("C005", "S3", "servicer", D(2025, 3, 1), None),
    ("C007", "S4", "servicer", D(2024, 1, 1), None),
    ("C008", "S4", "servicer", D(2025, 4, 1), None),  # starts after the as-of date
    ("C010", "A1", "advisor", D(2024, 1, 1), None),
]
# id, name, branch, region, phone, email, total_assets_t, comm_last_year, avg_last_year, avg_ytd
CUSTOMERS = [
    (
        "C001",
        "张三",
        "B1",
        "R1",
        "13812345678",
        "zhang.san@example.com",
        1_500_000,
        0,
        900_000,
        1_200_000,
    ),
    (
        "C002",
        "李四",
        "B1",
        "R1",
        "13900001111",
        "li.si@example.com",
        250_000,
        6_000,
        150_000,
        180_000,
    ),
    ("C003", "王五", "B1", "R1", "13700002222", "wang.wu@example.com", 50_000, 100, 40_000, 45_000),
    (
        "C004",
        "赵六",
        "B1",
        "R1",
        "13600003333",
        "zhao@example.com",
        6_000_000,
        60_000,
        6_000_000,
        5_500_000,
    ),
    (
        "C005",
        "钱七",
        "B1",
        "R1",
        "13500004444",
        "qian@example.com",
        120_000,
        12_000,
        100_000,
        110_000,
    ),
    ("C006", "孙八", "B2", "R1", "13400005555", "sun@example.com", 800_000, 0, 600_000, 700_000),
    ("C007", "周九", "B3", "R2", "13300006666", "zhou@example.com", 30_000, 0, 20_000, 25_000),
    ("C008", "吴十", "B3", "R2", "13200007777", "wu@example.com", 0, 0, 0, 0),
    (
        "C009",
        "郑_百%",
        "B2",
        "R1",
        "13100008888",
        "zheng@example.com",
        210_000,
        0,
        210_000,
        100_000,
    ),
    ("C010", "冯千", "B1", "R1", None, None, None, None, None, None),
]

CUSTOMER_COLUMNS = [
    ("customer_id", "text"),
    ("name", "text"),
    ("customer_type", "text"),
    ("id_type", "text"),
    ("id_no", "text"),
    ("gender", "text"),
    ("birth_date", "date"),
    ("phone", "text"),
    ("email", "text"),
    ("city", "text"),
    ("branch_id", "text"),
    ("region_id", "text"),
    ("open_date", "date"),
    ("open_channel", "text"),
    ("investor_class", "text"),
    ("status", "text"),
    ("close_date", "date"),
]
INDICATORS = [
    ("total_assets_t", "number"),
    ("net_commission_last_year", "number"),
    ("avg_assets_last_year", "number"),
    ("avg_assets_ytd", "number"),
    ("trades_per_month", "integer"),
]
CLASSIFICATIONS = ["service_level", "customer_tier"]
TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "text": sa.Text(),
    "number": sa.Float(precision=53),
    "integer": sa.BigInteger(),
    "date": sa.Date(),
    "boolean": sa.Boolean(),
}

PRINCIPALS: dict[str, tuple[Role, str | None, str | None]] = {
    "broker": (Role.BROKER, "S1", None),
    "broker2": (Role.BROKER, "S2", None),
    "advisor": (Role.ADVISOR, "A1", None),
    "lead": (Role.TEAM_LEAD, "L1", None),
    "branch": (Role.BRANCH_MANAGER, None, "B1"),
    "region": (Role.REGION_MANAGER, None, "R1"),
    "region2": (Role.REGION_MANAGER, None, "R2"),
    "hq": (Role.HQ_MARKETING, None, None),
    "compliance": (Role.COMPLIANCE, None, None),
    "admin": (Role.ADMIN, None, None),
}
# Who sees which customers as built (the scope matrix).
EXPECTED = {
    "broker": {"C001", "C002"},
    "broker2": {"C002", "C003"},
    "advisor": {"C010"},
    "lead": {"C001", "C002", "C003", "C010"},
    "branch": {"C001", "C002", "C003", "C004", "C005", "C010"},
    "region": {"C001", "C002", "C003", "C004", "C005", "C006", "C009", "C010"},
    "region2": {"C007", "C008"},
    "hq": {f"C{i:03d}" for i in range(1, 11)},
    "compliance": {f"C{i:03d}" for i in range(1, 11)},
    "admin": set(),
}


def service_level(assets: float | None, comm: float | None) -> str:
    a, c = assets or 0, comm or 0
    if (assets is not None and a >= 1_000_000) or (comm is not None and c >= 20_000):
        return "金手指"
    if (assets is not None and a >= 200_000) or (comm is not None and c >= 5_000):
        return "金算盘"
    return "金钥匙"


def customer_tier(comm: float | None, last: float | None, ytd: float | None) -> str:
    # greatest() in DuckDB ignores NULLs; NULL only if both are NULL.
    known = [v for v in (last, ytd) if v is not None]
    avg = max(known) if known else None
    if (avg is not None and avg > 5_000_000) or (comm is not None and comm >= 50_000):
        return "VIP"
    if comm is not None and comm >= 10_000:
        return "核心A"
    if avg is not None and avg >= 500_000:
        return "核心B"
    if (avg is not None and avg >= 200_000) or (comm is not None and comm >= 5_000):
        return "潜力"
    return "普通"


def catalog() -> Catalog:
    default = load_default_catalog()
    return Catalog(classifications=[c for c in default.classifications if c.id in CLASSIFICATIONS])


def columns_json() -> list[dict[str, str]]:
    out = [{"name": n, "kind": "customer", "type": t} for n, t in CUSTOMER_COLUMNS]
    out += [{"name": n, "kind": "indicator", "type": t} for n, t in INDICATORS]
    out += [{"name": n, "kind": "classification", "type": "text"} for n in CLASSIFICATIONS]
    out.append({"name": "catalog_version", "kind": "meta", "type": "text"})
    return out


def profile_table() -> sa.Table:
    table = sa.Table(TABLE, sa.MetaData())
    for col in columns_json():
        if col["name"] == "customer_id":
            table.append_column(sa.Column("customer_id", sa.String(32), primary_key=True))
        else:
            table.append_column(sa.Column(col["name"], TYPES[col["type"]]))
    return table


def profile_rows() -> list[dict[str, Any]]:
    rows = []
    for n, (cid, name, branch, region, phone, email, assets, comm, last, ytd) in enumerate(
        CUSTOMERS
    ):
        rows.append(
            {
                "customer_id": cid,
                "name": name,
                "customer_type": "individual",
                "id_type": "id_card",
                "id_no": f"11010119900101{n:04d}",
                "gender": "M" if n % 2 else "F",
                "birth_date": D(1990, 1, 1 + n),
                "phone": phone,
                "email": email,
                "city": "上海",
                "branch_id": branch,
                "region_id": region,
                "open_date": D(2020, 1, 1),
                "open_channel": "app",
                "investor_class": "ordinary",
                "status": "normal",
                "close_date": None,
                "total_assets_t": assets,
                "net_commission_last_year": comm,
                "avg_assets_last_year": last,
                "avg_assets_ytd": ytd,
                "trades_per_month": n,
                "service_level": service_level(assets, comm),
                "customer_tier": customer_tier(comm, last, ytd),
                "catalog_version": "v1",
            }
        )
    return rows


@dataclass
class World:
    engine: sa.Engine
    settings: Settings
    principals: dict[str, Principal]

    def who(self, name: str) -> Principal:
        return self.principals[name]


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
            ip="10.0.0.7",
            user_agent="pytest-agent",
        )
    return out


def build_world(settings: Settings) -> World:
    db = open_store(settings)
    table = profile_table()
    now = dt.datetime.now(dt.UTC)
    table.metadata.create_all(db)
    with db.begin() as connection:
        for column in ("branch_id", "region_id", "total_assets_t", "service_level"):
            sa.Index(f"ix_{TABLE}_{column}", table.c[column]).create(connection)
        connection.execute(
            org_units.insert(),
            [
                {"unit_id": u, "parent_id": p, "unit_type": t, "name": n, "city": "上海"}
                for u, p, t, n in UNITS
            ],
        )
        connection.execute(
            staff.insert(),
            [{"staff_id": s, "name": n, "unit_id": u, "position": p} for s, n, u, p in STAFF],
        )
        connection.execute(
            relationships.insert(),
            [
                {
                    "customer_id": c,
                    "staff_id": s,
                    "role": r,
                    "start_date": start,
                    "end_date": end,
                    "share_pct": 100.0,
                }
                for c, s, r, start, end in RELATIONSHIPS
            ],
        )
        cat = catalog().model_dump(mode="json", exclude_none=True)
        for sid, day, status in ((1, PREVIOUS, "retired"), (SNAPSHOT_ID, AS_OF, "served")):
            connection.execute(
                snapshots.insert().values(
                    snapshot_id=sid,
                    as_of_date=day,
                    table_name=f"profile_{sid}",
                    columns=columns_json(),
                    catalog_version="v1",
                    catalog=cat,
                    rows=len(CUSTOMERS),
                    status=status,
                    started_at=now,
                    published_at=now,
                )
            )
        connection.execute(table.insert(), profile_rows())
        connection.execute(serving.insert().values(id=1, snapshot_id=SNAPSHOT_ID))
        connection.execute(
            profile_changes.insert(),
            [
                {
                    "snapshot_id": SNAPSHOT_ID,
                    "customer_id": "C001",
                    "field": "service_level",
                    "old_value": "金算盘",
                    "new_value": "金手指",
                },
                {
                    "snapshot_id": SNAPSHOT_ID,
                    "customer_id": "C003",
                    "field": "_customer",
                    "old_value": None,
                    "new_value": "new",
                },
                {
                    "snapshot_id": SNAPSHOT_ID,
                    "customer_id": "C007",
                    "field": "customer_tier",
                    "old_value": "潜力",
                    "new_value": "普通",
                },
                {
                    "snapshot_id": 1,
                    "customer_id": "C002",
                    "field": "customer_tier",
                    "old_value": "普通",
                    "new_value": "潜力",
                },
            ],
        )
        daily = []
        for day, factor in ((PREVIOUS, 1.0), (AS_OF, 1.1)):
            for kind, scope_id, customers, assets in (
                ("branch", "B1", 6, 7_920_000.0),
                ("branch", "B2", 2, 1_010_000.0),
                ("branch", "B3", 2, 30_000.0),
                ("staff", "S1", 2, 1_750_000.0),
                ("staff", "S2", 2, 300_000.0),
                ("staff", "A1", 1, 0.0),
            ):
                daily.append(
                    {
                        "kind": kind,
                        "scope_id": scope_id,
                        "biz_date": day,
                        "customers": customers,
                        "total_assets": assets * factor,
                    }
                )
        connection.execute(scope_daily.insert(), daily)
        principals = _users(connection)
    return World(db, settings, principals)


def reassign(db: sa.Engine, customer_id: str, old: str, new: str, day: dt.date) -> None:
    """End `old`'s relationship with the customer on `day` and start `new`'s."""
    with db.begin() as connection:
        connection.execute(
            relationships.update()
            .where(
                relationships.c.customer_id == customer_id,
                relationships.c.staff_id == old,
                relationships.c.end_date.is_(None),
            )
            .values(end_date=day)
        )
        connection.execute(
            relationships.insert().values(
                customer_id=customer_id,
                staff_id=new,
                role="servicer",
                start_date=day,
                end_date=None,
                share_pct=100.0,
            )
        )

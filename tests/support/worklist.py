"""A work-list run's file with the agreed schema (DESIGN17 section 1), for tests of what reads
it: `worklist/<T>.parquet`, one row per (broker, customer) with any item, sorted by staff_id then
rank, written through `WarehouseLayout.worklist_file`. The real run step writes the same at the
same path; these rows are hand-made and seeded, for real customers of a published store: each
customer goes to their broker by the owner rule (servicer > developer > advisor, then earliest
start, then smallest staff id) over the relationships active on T."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.marketing.worklist.build import ROW_GROUP, WORKLIST_SCHEMA
from brokerlens.warehouse.layout import WarehouseLayout

SCHEMA = WORKLIST_SCHEMA  # the run step's schema: a file here reads as the run's would
ROLE_ORDER = {"servicer": 0, "developer": 1, "advisor": 2}
# kind -> (zh, en) reason text
PLAIN_KINDS = {
    "churn": ("流失概率 62%，高于阈值", "churn probability 62%, above the threshold"),
    "activation": ("沉睡账户，激活得分 81", "dormant account, activation score 81"),
    "assessment_expiring": ("风险测评 12 天后到期", "risk assessment expires in 12 days"),
    "callback_due": ("回访已到期", "call-back due"),
    "birthday": ("今天生日", "birthday today"),
    "anniversary": ("开户 5 周年", "5 years since account opening"),
    "maturity": ("理财产品 7 天后到期", "a product matures in 7 days"),
    "ipo_allotment": ("新股中签", "IPO allotted"),
    "complaint": ("投诉处理中", "complaint being handled"),
}
ALERTS = {
    "alert:no_trade": ("沉睡：95 天未交易", "no trade for 95 days"),
    "alert:risk_mismatch": ("风险偏好高于测评等级", "risk preference above the assessed class"),
}


# staff, customer, rank, kinds, in budget
ITEMS = [
    ("S1", "C001", 1, ["alert:no_trade", "churn"], True),
    ("S1", "C005", 2, ["birthday"], True),  # S1's relationship ended: out of S1's scope now
    ("S2", "C002", 1, ["campaign:7", "callback_due"], True),
    ("S2", "C003", 2, ["alert:risk_mismatch"], True),
    ("S2", "C009", 3, ["churn"], False),  # beyond the budget
    ("S3", "C004", 1, ["complaint"], True),
    ("S4", "C007", 1, ["maturity"], True),
    ("A1", "C010", 1, ["assessment_expiring"], True),
]
NAMES = {"C001": "张三", "C002": "李四", "C003": "王五", "C004": "赵六", "C005": "钱七"}
BRANCH = {"C007": "B3", "C009": "B2"}


def world_rows(day: dt.date) -> list[dict[str, Any]]:
    """The list of `day` for the hand-built world of access/builders.py: S1 C001 (and C005,
    whose relationship with S1 ended), S2 C002 C003 (and C009 beyond the budget), S3 C004,
    S4 C007, A1 C010."""
    rows = []
    for staff_id, customer, rank, kinds, budget in ITEMS:
        rows.append(
            {
                "as_of_date": day,
                "staff_id": staff_id,
                "branch_id": BRANCH.get(customer, "B1"),
                "customer_id": customer,
                "name": NAMES.get(customer),
                "rank": rank,
                "score": 90.0 - rank,
                "urgency": 0.5,
                "value": 0.7,
                "total_assets": 123_456.0,
                "kinds": kinds,
                "reasons": [f"原因 {k}" for k in kinds],
                "reasons_en": [f"reason {k}" for k in kinds],
                "in_budget": budget,
                "offer_product_id": "P1" if customer == "C001" else None,
                "offer_product_name": "稳健1号" if customer == "C001" else None,
                "offer_reason": "持仓相符" if customer == "C001" else None,
            }
        )
    return rows


def owners(connection: sa.Connection, day: dt.date) -> dict[str, str]:
    """customer -> their broker on `day` by the owner rule."""
    from brokerlens.store.schema import relationships as r

    rows = connection.execute(
        sa.select(r.c.customer_id, r.c.staff_id, r.c.role, r.c.start_date).where(
            r.c.start_date <= day, sa.or_(r.c.end_date.is_(None), r.c.end_date > day)
        )
    ).all()
    best: dict[str, tuple[Any, ...]] = {}
    for customer, staff_id, role, start in rows:
        key = (ROLE_ORDER.get(str(role), 9), start, str(staff_id))
        if str(customer) not in best or key < best[str(customer)]:
            best[str(customer)] = key
    return {c: k[2] for c, k in best.items()}


def synthetic_rows(
    profile: Sequence[dict[str, Any]],
    owner: dict[str, str],
    as_of: dt.date,
    *,
    seed: int = 17,
    share: float = 0.8,
    budget: int = 20,
    offers: Sequence[tuple[str, str]] = (("P0001", "稳健理财1号"),),
) -> list[dict[str, Any]]:
    """Rows for a seeded `share` of the customers that have a broker: 1 to 3 kinds each, a
    score, ranked per broker, the first `budget` in budget; about half with an offer."""
    rng = random.Random(seed)
    by_staff: dict[str, list[dict[str, Any]]] = {}
    assets = sorted(float(p.get("total_assets_t") or 0.0) for p in profile)
    for person in sorted(profile, key=lambda p: str(p["customer_id"])):
        customer = str(person["customer_id"])
        staff_id = owner.get(customer)
        if staff_id is None or rng.random() >= share:
            continue
        families = rng.sample([*PLAIN_KINDS, "alert"], k=rng.randint(1, 3))
        kinds = [rng.choice(sorted(ALERTS)) if f == "alert" else f for f in families]
        reasons = [{**PLAIN_KINDS, **ALERTS}[k] for k in kinds]
        total = float(person.get("total_assets_t") or 0.0)
        value = sum(1 for a in assets if a <= total) / max(len(assets), 1)
        urgency = round(rng.random(), 4)
        offer = rng.choice(offers) if offers and rng.random() < 0.5 else None
        by_staff.setdefault(staff_id, []).append(
            {
                "as_of_date": as_of,
                "staff_id": staff_id,
                "branch_id": person.get("branch_id"),
                "customer_id": customer,
                "name": person.get("name"),
                "score": round(100 * (0.6 * urgency + 0.4 * value), 4),
                "urgency": urgency,
                "value": round(value, 4),
                "total_assets": total,
                "kinds": kinds,
                "reasons": [r[0] for r in reasons],
                "reasons_en": [r[1] for r in reasons],
                "offer_product_id": offer[0] if offer else None,
                "offer_product_name": offer[1] if offer else None,
                "offer_reason": "与持仓风格相符" if offer else None,
            }
        )
    rows: list[dict[str, Any]] = []
    for staff_id in sorted(by_staff):
        ranked = sorted(by_staff[staff_id], key=lambda r: (-r["score"], r["customer_id"]))
        for rank, row in enumerate(ranked, start=1):
            rows.append({**row, "rank": rank, "in_budget": rank <= budget})
    return rows


def write_worklist(settings: Settings, as_of: dt.date, rows: Sequence[dict[str, Any]]) -> None:
    """The run's file for T from `rows` (sorted here as the run sorts)."""
    path = WarehouseLayout(settings.warehouse_dir).worklist_file(as_of)
    table = pa.Table.from_pylist([dict(r) for r in rows], schema=SCHEMA)
    table = table.sort_by([("staff_id", "ascending"), ("rank", "ascending")])
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=ROW_GROUP)


@contextmanager
def worklist_in_place(
    settings: Settings, as_of: dt.date, rows: Sequence[dict[str, Any]]
) -> Iterator[None]:
    """T's list replaced by `rows` for the block; a file the real run wrote is put back."""
    path = WarehouseLayout(settings.warehouse_dir).worklist_file(as_of)
    kept = path.read_bytes() if path.is_file() else None
    write_worklist(settings, as_of, rows)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        if kept is not None:
            path.write_bytes(kept)


def served_rows(settings: Settings, **options: Any) -> tuple[dt.date, list[dict[str, Any]]]:
    """(the served date, synthetic rows for every served customer with a broker)."""
    from brokerlens.access.snapshot import clear_cache, served_snapshot
    from brokerlens.store import open_store

    clear_cache()
    db = open_store(settings)
    snapshot = served_snapshot(db)
    table = snapshot.table
    wanted = [c for c in ("customer_id", "name", "branch_id", "total_assets_t") if c in table.c]
    with db.connect() as connection:
        profile = [
            dict(r._mapping) for r in connection.execute(sa.select(*(table.c[c] for c in wanted)))
        ]
        owner = owners(connection, snapshot.as_of_date)
    return snapshot.as_of_date, synthetic_rows(profile, owner, snapshot.as_of_date, **options)


@contextmanager
def served_worklist(settings: Settings, **options: Any) -> Iterator[list[dict[str, Any]]]:
    """Synthetic rows for the served date in place for the block; yields them."""
    as_of, rows = served_rows(settings, **options)
    with worklist_in_place(settings, as_of, rows):
        yield rows

"""The campaign outcomes of a run as of T: `marketing/outcomes/<T>.parquet`.

Launched campaigns whose window has begun and their frozen members are read from the store
(read only); each goal's conversion is one SQL model over the lake's feeds of the window's days
(`sql/co_<goal>.sql`), and the contacts feed gives the marketing contacts with each member.
Publish applies the file to `campaign_members` (converted_on and contacted_on where still
empty). Only the members' rows and the window's days are read, so the cost follows the
campaigns, not the brokerage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.store.marketing_schema import campaign_members, campaigns
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles

PACKAGE = "brokerlens.marketing.campaigns"
GOAL_MODELS = (
    "co_product_purchase",
    "co_deposit",
    "co_trade",
    "co_reactivation",
    "co_permission",
    "co_contacts",
)
# our names for the fact feeds over the window's days (the feeds' own relations are left as
# the other steps registered them)
FEEDS_READ = {
    "trades": "co_trades",
    "product_trades": "co_product_trades",
    "fund_transfers": "co_fund_transfers",
    "contacts": "co_contacts_feed",
}
MEMBER_COLUMNS = [
    ("campaign_id", pa.int64()),
    ("customer_id", pa.string()),
    ("staff_id", pa.string()),
    ("goal", pa.string()),
    ("product_id", pa.string()),
    ("service", pa.string()),
    ("threshold_cents", pa.int64()),
    ("window_start", pa.date32()),
    ("window_until", pa.date32()),
]


@dataclass(frozen=True)
class Outcomes:
    campaigns: int
    members: int
    rows: int

    def note(self) -> str:
        if not self.campaigns:
            return "no launched campaign in its window"
        return (
            f"{self.campaigns} campaigns, {self.members} members, {self.rows} converted/contacted"
        )


def running_campaigns(connection: sa.Connection, as_of: dt.date) -> list[Any]:
    """Launched campaigns whose window has begun by T and that were frozen by T."""
    return list(
        connection.execute(
            sa.select(
                campaigns.c.campaign_id,
                campaigns.c.goal,
                campaigns.c.product_id,
                campaigns.c.service,
                campaigns.c.threshold_cents,
                campaigns.c.window_start,
                campaigns.c.window_end,
            )
            .where(
                campaigns.c.status == "launched",
                campaigns.c.window_start <= as_of,
                campaigns.c.frozen_as_of <= as_of,
            )
            .order_by(campaigns.c.campaign_id)
        ).all()
    )


def members_table(db: sa.Engine, as_of: dt.date) -> tuple[int, pa.Table]:
    """(campaigns, their members with each campaign's goal and window) as an Arrow table."""
    columns: dict[str, list[object]] = {name: [] for name, _ in MEMBER_COLUMNS}
    with db.connect() as connection:
        found = running_campaigns(connection, as_of)
        for c in found:
            rows = connection.execute(
                sa.select(campaign_members.c.customer_id, campaign_members.c.staff_id).where(
                    campaign_members.c.campaign_id == c.campaign_id
                )
            ).all()
            n = len(rows)
            columns["customer_id"] += [r[0] for r in rows]
            columns["staff_id"] += [r[1] for r in rows]
            until = min(c.window_end, as_of)
            constant = {
                "campaign_id": c.campaign_id,
                "goal": c.goal,
                "product_id": c.product_id,
                "service": c.service,
                "threshold_cents": c.threshold_cents,
                "window_start": c.window_start,
                "window_until": until,
            }
            for name, value in constant.items():
                columns[name] += [value] * n
    table = pa.table({name: pa.array(columns[name], kind) for name, kind in MEMBER_COLUMNS})
    return len(found), table


def _register_feeds(engine: Engine, lake: LakeFiles, start: dt.date, as_of: dt.date) -> None:
    for feed, name in FEEDS_READ.items():
        files = [p for day, p in lake.catalog.files_of(lake.layout, feed) if start <= day <= as_of]
        columns = [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]
        engine.register_parquet(name, files, columns)


def compute_outcomes(
    db: sa.Engine | None,
    engine: Engine,
    lake: LakeFiles,
    warehouse: WarehouseLayout,
    as_of: dt.date,
) -> Outcomes:
    """Write `outcomes/<T>.parquet` (nothing when no campaign is running, or no store yet)."""
    if db is None:
        return Outcomes(0, 0, 0)
    count, members = members_table(db, as_of)
    if not count:
        return Outcomes(0, 0, 0)
    engine.register_table("co_members", members)
    start = min(members.column("window_start").to_pylist() or [as_of])
    _register_feeds(engine, lake, start, as_of)
    rows = engine.write_parquet(outcomes_sql(engine), warehouse.outcomes_file(as_of))
    return Outcomes(count, members.num_rows, rows)


def outcomes_sql(engine: Engine) -> str:
    """The goal models as views on `engine` (over co_members and the co_ feeds registered
    there), and the SQL of the outcome rows over them."""
    for name in GOAL_MODELS:
        engine.create_view(name, load_sql(PACKAGE, name).sql)
    return load_sql(PACKAGE, "co_outcomes").sql

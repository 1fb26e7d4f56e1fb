"""Write the staff book of T (`sql/staff_book.sql`) on the run's engine.

The staff-to-scope map (`book_scopes`: every staff member as of T maps to themselves and to
their unit and each unit above it) is made here from the org and staff feeds as of T: the
organisation is small (thousands of rows) and a recursive query is not portable to every engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.brokers.ledger.build import LEDGER_COLUMNS
from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.errors import ConfigError
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.windows import month_start, months_back

PACKAGE = "brokerlens.brokers.book"
TREND_MONTHS = 6  # month-ends shown before T's month
FLOW_MONTHS = 6  # months of customers gained / lost / closed (T's month included)
CONTACT_DAYS = 90  # service contacts counted over the last 90 calendar days
TIER_COLUMN = "customer_tier"  # the classification the book is cut by
ASSETS_COLUMN = "total_assets_t"
BOOK_COLUMNS = [
    ("scope_kind", "VARCHAR"),
    ("scope_id", "VARCHAR"),
    ("section", "VARCHAR"),
    ("item", "VARCHAR"),
    ("sub_item", "VARCHAR"),
    ("day", "DATE"),
    ("customers", "BIGINT"),
    ("amount_cents", "BIGINT"),
    ("n", "BIGINT"),
]
SCOPES_SCHEMA = pa.schema(
    [("staff_id", pa.string()), ("scope_kind", pa.string()), ("scope_id", pa.string())]
)


@dataclass(frozen=True)
class BookInputs:
    engine: Engine
    lake: LakeFiles
    warehouse: WarehouseLayout
    as_of: dt.date
    loaded_days: list[dt.date]


def first_of_month_back(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` before `day`'s month."""
    return month_start(months_back(day, months))


def trend_days(loaded: list[dt.date], as_of: dt.date, months: int = TREND_MONTHS) -> list[dt.date]:
    """The last loaded business day of each of the `months` months before T's, and T."""
    first = first_of_month_back(as_of, months)
    last_of: dict[dt.date, dt.date] = {}
    for day in loaded:
        if first <= day < month_start(as_of):
            key = month_start(day)
            last_of[key] = max(day, last_of.get(key, day))
    return [*sorted(last_of.values()), as_of]


def scope_rows(units: pa.Table, staff: pa.Table) -> pa.Table:
    """(staff_id, scope_kind, scope_id): each staff member, their unit and the units above."""
    parent = dict(
        zip(units.column("unit_id").to_pylist(), units.column("parent_id").to_pylist(), strict=True)
    )
    rows: dict[str, list[str]] = {"staff_id": [], "scope_kind": [], "scope_id": []}
    for staff_id, unit in zip(
        staff.column("staff_id").to_pylist(), staff.column("unit_id").to_pylist(), strict=True
    ):
        chain: list[str] = []
        current = unit
        while current is not None and current not in chain:
            chain.append(current)
            current = parent.get(current)
        for kind, scope in [("staff", staff_id), *(("unit", u) for u in chain)]:
            rows["staff_id"].append(staff_id)
            rows["scope_kind"].append(kind)
            rows["scope_id"].append(scope)
    return pa.table(rows, schema=SCOPES_SCHEMA)


def feed_days(engine: Engine, lake: LakeFiles, feed: str, name: str, days: list[dt.date]) -> None:
    """A dated feed over just `days`, under a name of our own (the feed's own relation is
    left as the other steps registered it)."""
    wanted = set(days)
    files = [p for day, p in lake.catalog.files_of(lake.layout, feed) if day in wanted]
    columns = [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]
    engine.register_parquet(name, files, columns)


def as_of_rows(engine: Engine, feed: str, columns: str, as_of: dt.date) -> pa.Table:
    sql = (
        f"SELECT {columns} FROM {feed}_history "
        "WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)"
    )
    return engine.fetch(sql, {"as_of": as_of})


def register_scopes(engine: Engine, as_of: dt.date) -> None:
    units = as_of_rows(engine, "org_units", "unit_id, parent_id", as_of)
    staff = as_of_rows(engine, "staff", "staff_id, unit_id", as_of)
    engine.register_table("book_scopes", scope_rows(units, staff))


def register_ledger(
    engine: Engine, warehouse: WarehouseLayout, as_of: dt.date, name: str = "book_ledger"
) -> None:
    path = warehouse.ledger_file(as_of)
    if not path.is_file():
        raise ConfigError(
            f"no relationship ledger of {as_of}",
            hint=f"run `brokerlens run --as-of {as_of}` (the step 'relationship ledger')",
        )
    engine.register_parquet(name, [path], LEDGER_COLUMNS)


def register_profile(
    engine: Engine, lake: LakeFiles, warehouse: WarehouseLayout, as_of: dt.date
) -> None:
    """`book_profile` (customer_id, tier, assets) from the profile of T; no tier when the
    installation's catalog has no customer_tier, nor when no profile of T was kept (then the
    assets are the day's daily_assets)."""
    path = warehouse.profile_file(as_of)
    if not path.is_file():
        feed_days(engine, lake, "daily_assets", "book_assets_t", [as_of])
        engine.create_view(
            "book_profile",
            "SELECT customer_id, CAST(NULL AS VARCHAR) AS tier, "
            "CAST(total_assets AS DOUBLE) AS assets FROM book_assets_t",
        )
        return
    names = set(pq.read_schema(path).names)
    columns = [("customer_id", "VARCHAR"), (ASSETS_COLUMN, "DOUBLE")]
    if TIER_COLUMN in names:
        columns.append((TIER_COLUMN, "VARCHAR"))
    engine.register_parquet("book_profile_file", [path], columns)
    tier = TIER_COLUMN if TIER_COLUMN in names else "CAST(NULL AS VARCHAR)"
    engine.create_view(
        "book_profile",
        f"SELECT customer_id, {tier} AS tier, {ASSETS_COLUMN} AS assets FROM book_profile_file",
    )


def build_book(src: BookInputs) -> int:
    """Write the book of T; returns its rows."""
    engine, as_of = src.engine, src.as_of
    days = trend_days(src.loaded_days, as_of)
    contacts_since = as_of - dt.timedelta(days=CONTACT_DAYS - 1)
    register_scopes(engine, as_of)
    register_ledger(engine, src.warehouse, as_of)
    register_profile(engine, src.lake, src.warehouse, as_of)
    feed_days(engine, src.lake, "daily_assets", "book_daily_assets", days)
    window = [d for d in src.loaded_days if contacts_since <= d <= as_of]
    feed_days(engine, src.lake, "contacts", "book_contacts", window)
    engine.register_table("book_days", pa.table({"day": pa.array(days, pa.date32())}))
    params = {
        "as_of": as_of,
        "flow_since": first_of_month_back(as_of, FLOW_MONTHS - 1),
        "contacts_since": contacts_since,
    }
    sql = load_sql(PACKAGE, "staff_book").sql
    return engine.write_parquet(sql, src.warehouse.staff_book_file(as_of), params)

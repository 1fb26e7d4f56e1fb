"""scope_daily: customers and total assets per branch and per staff member per business date.

Each publish adds the loaded dates (up to T, among the last `BACKFILL_DATES` of them) that the
store does not hold yet, so the first publish backfills the trend and later ones add a day."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from brokerlens.engine.sqltext import literal
from brokerlens.publish.bulk import bulk_load
from brokerlens.publish.source import BATCH_ROWS
from brokerlens.store.schema import scope_daily

BACKFILL_DATES = 60


def _valid_on(alias: str) -> str:
    # The reference version delivered by that date and not yet replaced.
    return (
        f"{alias}.valid_from <= a.biz_date "
        f"AND ({alias}.valid_to IS NULL OR {alias}.valid_to > a.biz_date)"
    )


def scope_sql(days: list[dt.date], *, sqlite: bool) -> str:
    wanted = ", ".join(f"DATE {literal(d.isoformat())}" for d in days)
    biz = "CAST(biz_date AS VARCHAR)" if sqlite else "biz_date"
    return f"""
        WITH a AS (
            -- exact yuan summed (a DOUBLE sum depends on the order the threads add in), the
            -- store's column a float of the exact total
            SELECT biz_date, customer_id, CAST(total_assets AS DECIMAL(18, 2)) AS total_assets
            FROM daily_assets WHERE biz_date IN ({wanted})
        ),
        branch AS (
            SELECT 'branch' AS kind, c.branch_id AS scope_id, a.biz_date,
                   count(*) AS customers, sum(a.total_assets) AS total_assets
            FROM a JOIN customers_history c
              ON c.customer_id = a.customer_id AND {_valid_on("c")}
            GROUP BY c.branch_id, a.biz_date
        ),
        served AS (  -- one row per staff member, customer and date, whatever the roles
            SELECT DISTINCT r.staff_id, a.customer_id, a.biz_date, a.total_assets
            FROM a JOIN relationships_history r
              ON r.customer_id = a.customer_id AND {_valid_on("r")}
             AND r.start_date <= a.biz_date
             AND (r.end_date IS NULL OR r.end_date > a.biz_date)
        ),
        per_staff AS (
            SELECT 'staff' AS kind, staff_id AS scope_id, biz_date,
                   count(*) AS customers, sum(total_assets) AS total_assets
            FROM served GROUP BY staff_id, biz_date
        ),
        scopes AS (SELECT * FROM branch UNION ALL SELECT * FROM per_staff)
        SELECT kind, scope_id, {biz} AS biz_date, CAST(customers AS BIGINT) AS customers,
               CAST(coalesce(total_assets, 0) AS DOUBLE) AS total_assets
        FROM scopes
    """


def missing_days(connection: sa.Connection, loaded: list[dt.date], as_of: dt.date) -> list[dt.date]:
    """Loaded dates up to T, among the last BACKFILL_DATES, that scope_daily lacks."""
    window = [d for d in sorted(loaded) if d <= as_of][-BACKFILL_DATES:]
    if not window:
        return []
    held = set(
        connection.execute(
            sa.select(scope_daily.c.biz_date).where(scope_daily.c.biz_date >= window[0]).distinct()
        ).scalars()
    )
    return [d for d in window if d not in held]


DATES_PER_QUERY = 5


def compute_scope(
    duck: duckdb.DuckDBPyConnection, days: list[dt.date], *, sqlite: bool
) -> pa.Table | None:
    """DATES_PER_QUERY dates at a time: a first publish backfills up to BACKFILL_DATES dates,
    and their customer x staff rows at once held 60 x 1M rows in one hash table (the 18.7 GB
    peak of a first publish at 1M customers); a date at a time read the history tables once a
    date (21 dates at 3M customers: about 130 s beside the profile load, which it then held up
    by 19 s). The answer is a few rows per unit and date."""
    if not days:
        return None
    chunks = [days[i : i + DATES_PER_QUERY] for i in range(0, len(days), DATES_PER_QUERY)]
    return pa.concat_tables(
        duck.sql(scope_sql(chunk, sqlite=sqlite)).to_arrow_table() for chunk in chunks
    )


def add_scope_days(connection: sa.Connection, rows: pa.Table | None) -> int:
    if rows is None:
        return 0
    return bulk_load(connection, scope_daily, rows.to_batches(BATCH_ROWS))

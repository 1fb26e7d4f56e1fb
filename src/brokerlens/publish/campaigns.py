"""Applying T's campaign outcomes (`marketing/outcomes/<T>.parquet`) to `campaign_members` when
T is published: a member's converted_on (first conversion in the window) and contacted_on (first
marketing contact in the contacts feed) are set only where still empty, so a first date once
known never moves, a contact a broker logged (service records) is kept, and a re-publish changes
nothing. The rows go to a temporary table by bulk load (COPY / executemany), then one UPDATE per
column joins them: one statement whatever the number of conversions."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.publish.bulk import bulk_load
from brokerlens.store.marketing_schema import campaign_members, campaigns
from brokerlens.warehouse.layout import WarehouseLayout

_LOADED = sa.Table(
    "campaign_outcomes_load",
    sa.MetaData(),
    sa.Column("campaign_id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.String(32), primary_key=True),
    sa.Column("converted_on", sa.Date),
    sa.Column("contacted_on", sa.Date),
    prefixes=["TEMPORARY"],
)


def _store_form(table: pa.Table, *, sqlite: bool) -> pa.Table:
    columns = {
        "campaign_id": table["campaign_id"].cast(pa.int64()),
        "customer_id": table["customer_id"].cast(pa.string()),
        "converted_on": table["converted_on"].cast(pa.date32()),
        "contacted_on": table["contacted_on"].cast(pa.date32()),
    }
    if sqlite:  # SQLite takes dates as the ISO text SQLAlchemy would write
        for name in ("converted_on", "contacted_on"):
            columns[name] = columns[name].cast(pa.string())
    return pa.table(columns)


def _first_date(column: str) -> sa.Update:
    loaded = _LOADED.c
    match = sa.and_(
        loaded.campaign_id == campaign_members.c.campaign_id,
        loaded.customer_id == campaign_members.c.customer_id,
        loaded[column].is_not(None),
    )
    found = sa.select(loaded[column]).where(match).scalar_subquery()
    return (
        campaign_members.update()
        .where(campaign_members.c[column].is_(None), sa.exists().where(match))
        .values({column: found})
    )


def publish_campaign_outcomes(db: sa.Engine, settings: Settings, as_of: dt.date) -> int:
    """Apply T's outcomes; returns how many members got a conversion date now."""
    path = WarehouseLayout(settings.warehouse_dir).outcomes_file(as_of)
    if not path.is_file():
        return 0
    table = pq.read_table(path)
    if table.num_rows == 0:
        return 0
    rows = _store_form(table, sqlite=db.dialect.name == "sqlite")
    touched = sorted(set(rows["campaign_id"].to_pylist()))
    with db.begin() as connection:
        _LOADED.create(connection)
        try:
            bulk_load(connection, _LOADED, rows.to_batches(max_chunksize=50_000))
            converted = connection.execute(_first_date("converted_on")).rowcount
            connection.execute(_first_date("contacted_on"))
            connection.execute(
                campaigns.update()
                .where(campaigns.c.campaign_id.in_(touched))
                .values(outcomes_as_of=as_of)
            )
        finally:
            _LOADED.drop(connection)
    return int(converted or 0)

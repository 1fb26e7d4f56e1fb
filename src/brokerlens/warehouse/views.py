"""DuckDB views over the lake: what `brokerlens sql` and later SQL models read.

Views, built from the catalog (only directories it names are read):
- `<feed>` for every contract feed. Reference feeds (and the undated facts complaints and
  corporate_actions, delivered again when they change): the latest version of each key, with
  `valid_from`. Dated facts: every loaded date.
- `<feed>_history` for reference and undated feeds: every delivered version with `valid_from`
  (its delivery date) and `valid_to` (the next delivery of the same key, exclusive; NULL = valid).
- `quarantine`: every quarantined row; `ingest_log`: every load attempt, rejected ones too.
- `customer_indicators` and `customer_profile`: every as-of date computed by `brokerlens run`
  (one row per customer and `as_of_date`), once a run has made them.
- `product_metrics`: every product's evaluation, every as-of date computed (one row per product
  and `as_of_date`), once a run has made it.
- `recommendations`: every customer's top products after the suitability gate (as_of_date,
  customer_id, product_id, rank, score, reasons), every as-of date computed.
- `alerts`: every alert that fired, every as-of date computed (as_of_date, customer_id,
  branch_id, alert_id, explanation: JSON of the figures, thresholds and words zh / en).
Use `reference_as_of` for a reference feed as it was on a past date.
A backfill feed (`product_nav_backfill`, contract/feeds.py) is versioned like an undated feed; the
view of the feed it backfills (`product_nav`) holds the daily rows plus, for keys no daily
delivery carries, the latest backfill row: the full series since launch.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES, LOAD_ORDER, Feed
from brokerlens.engine.sqltext import ident, literal, path_list
from brokerlens.ingest.validate import QUARANTINE_COLUMNS, keeps_delivery_date
from brokerlens.lake.catalog import Catalog
from brokerlens.lake.layout import DELIVERED_COLUMN, LakeLayout
from brokerlens.lake.log import LOG_COLUMNS
from brokerlens.warehouse.layout import WarehouseLayout


def versioned(feed: Feed) -> bool:
    """Feeds whose rows are versions of a key (latest + history views) rather than daily facts."""
    return keeps_delivery_date(feed)


def _empty(columns: list[tuple[str, str]]) -> str:
    cols = ", ".join(f"CAST(NULL AS {t}) AS {ident(n)}" for n, t in columns)
    return f"SELECT {cols} WHERE false"


def _feed_source(feed: Feed, layout: LakeLayout, catalog: Catalog) -> str:
    files = [p for _, p in catalog.files_of(layout, feed.name)]
    columns = [(c.name, LAKE_TYPES[c.type]) for c in feed.columns]
    if versioned(feed):
        columns.append((DELIVERED_COLUMN, "DATE"))
    if not files:
        return _empty(columns)
    names = ", ".join(ident(n) for n, _ in columns)
    return f"SELECT {names} FROM read_parquet({path_list(files)})"


def history_sql(feed: Feed, source: str) -> str:
    key = ", ".join(ident(k) for k in feed.key)
    cols = ", ".join(ident(c) for c in feed.column_names)
    delivered = ident(DELIVERED_COLUMN)
    return (
        f"SELECT {cols}, {delivered} AS valid_from, "
        f"lead({delivered}) OVER (PARTITION BY {key} ORDER BY {delivered}) AS valid_to "
        f"FROM ({source})"
    )


def as_of_sql(feed_name: str, day: dt.date) -> str:
    """SQL for a versioned feed as it was on `day`: the version of each key valid that day."""
    feed = FEEDS[feed_name]
    if not versioned(feed):
        raise ValueError(f"{feed_name} is a daily fact feed; filter it by its date instead")
    cols = ", ".join(ident(c) for c in feed.column_names)
    when = f"DATE {literal(day.isoformat())}"
    return (
        f"SELECT {cols}, valid_from, valid_to FROM {ident(feed_name + '_history')} "
        f"WHERE valid_from <= {when} AND (valid_to IS NULL OR valid_to > {when})"
    )


def reference_as_of(
    conn: duckdb.DuckDBPyConnection, feed_name: str, day: dt.date
) -> duckdb.DuckDBPyRelation:
    """A reference (or undated) feed as it was on `day`, over a connection with the views."""
    return conn.sql(as_of_sql(feed_name, day))


def backfilled_sql(feed: Feed, daily: str) -> str:
    """`feed`'s daily rows (the relation `daily`) plus the latest backfill row of keys no daily
    row carries; the backfill feed's latest-version relation must exist under its name."""
    backfill = next(f for f in FEEDS.values() if f.backfills == feed.name)
    cols = ", ".join(ident(c) for c in feed.column_names)
    bcols = ", ".join(f"b.{ident(c)}" for c in feed.column_names)
    same = " AND ".join(f"d.{ident(k)} = b.{ident(k)}" for k in feed.key)
    return (
        f"SELECT {cols} FROM {ident(daily)} UNION ALL SELECT {bcols} FROM "
        f"{ident(backfill.name)} b WHERE NOT EXISTS (SELECT 1 FROM {ident(daily)} d WHERE {same})"
    )


BACKFILLED: tuple[str, ...] = tuple(sorted({f.backfills for f in FEEDS.values() if f.backfills}))


def create_views(conn: duckdb.DuckDBPyConnection, layout: LakeLayout, catalog: Catalog) -> None:
    """(Re)create every view of the warehouse on `conn` from the catalog."""
    for name in LOAD_ORDER:
        feed = FEEDS[name]
        source = _feed_source(feed, layout, catalog)
        if versioned(feed):
            conn.execute(
                f"CREATE OR REPLACE VIEW {ident(name + '_history')} AS {history_sql(feed, source)}"
            )
            cols = ", ".join(ident(c) for c in feed.column_names)
            conn.execute(
                f"CREATE OR REPLACE VIEW {ident(name)} AS SELECT {cols}, valid_from "
                f"FROM {ident(name + '_history')} WHERE valid_to IS NULL"
            )
        elif name in BACKFILLED:
            conn.execute(f"CREATE OR REPLACE VIEW {ident(name + '__daily')} AS {source}")
        else:
            conn.execute(f"CREATE OR REPLACE VIEW {ident(name)} AS {source}")
    for name in BACKFILLED:
        sql = backfilled_sql(FEEDS[name], name + "__daily")
        conn.execute(f"CREATE OR REPLACE VIEW {ident(name)} AS {sql}")
    quarantine = [layout.quarantine_file(e.dirname) for _, e in catalog.ordered()]
    q_columns = [tuple(part.rsplit(" ", 1)) for part in QUARANTINE_COLUMNS.split(", ")]
    q_source = (
        f"SELECT * FROM read_parquet({path_list(quarantine)})"
        if quarantine
        else _empty([(n.strip('"'), t) for n, t in q_columns])
    )
    conn.execute(f"CREATE OR REPLACE VIEW quarantine AS {q_source}")
    if layout.log_path.exists():
        spec = "{" + ", ".join(f"{literal(n)}: {literal(t)}" for n, t in LOG_COLUMNS.items()) + "}"
        log = (
            f"SELECT {', '.join(ident(n) for n in LOG_COLUMNS)} FROM read_json("
            f"{literal(str(layout.log_path))}, format = 'newline_delimited', columns = {spec})"
        )
    else:
        log = _empty(list(LOG_COLUMNS.items()))
    conn.execute(f"CREATE OR REPLACE VIEW ingest_log AS {log}")


def create_computed_views(conn: duckdb.DuckDBPyConnection, warehouse: WarehouseLayout) -> None:
    """`customer_indicators`, `customer_profile`, `product_metrics`, `recommendations` and
    `alerts` over every computed as-of date, if any; `relationship_ledger` and
    `ledger_problems` of the newest run (issue 19); `churn_scores` over every stored churn score
    date (issue 20: as_of_date, customer_id, branch_id, probability, raw_score, rank,
    reasons_zh, reasons_en, model_version); `metrics`, `metrics_daily` and `metric_trend`
    (issue 22, docs/analysis.md).

    Files of different catalog versions may differ in columns: they are united by name."""
    for name, files in (
        (
            "customer_indicators",
            [warehouse.indicators_file(d) for d in warehouse.indicator_dates()],
        ),
        ("customer_profile", [warehouse.profile_file(d) for d in warehouse.profile_dates()]),
        (
            "product_metrics",
            [warehouse.product_metrics_file(d) for d in warehouse.product_metrics_dates()],
        ),
        (
            "recommendations",
            [warehouse.recommendations_file(d) for d in warehouse.recommendation_dates()],
        ),
        ("kpi_scores", [warehouse.kpi_file(m) for m in warehouse.kpi_months()]),  # issue 19 D
        ("alerts", [warehouse.alerts_file(d) for d in warehouse.alert_dates()]),  # issue 20
    ):
        if files:
            conn.execute(
                f"CREATE OR REPLACE VIEW {ident(name)} AS SELECT * FROM "
                f"read_parquet({path_list(files)}, union_by_name = true)"
            )
    # Effective-dated files (issue 19): the newest run's file holds the past as well.
    newest = warehouse.ledger_dates()[-1:]
    for name, latest in (
        ("relationship_ledger", [warehouse.ledger_file(d) for d in newest]),
        ("ledger_problems", [warehouse.ledger_problems_file(d) for d in newest]),
    ):
        if latest and latest[0].is_file():
            conn.execute(
                f"CREATE OR REPLACE VIEW {ident(name)} AS SELECT * FROM "
                f"read_parquet({path_list(latest)})"
            )
    # issue 25: group_members = every dynamic group's members as of the newest refresh;
    # group_changes = who entered / left each group on each refreshed date (docs/groups.md)
    states = warehouse.group_state_dates()
    if states:
        state = warehouse.group_state_dir(states[-1])
        conn.execute(
            "CREATE OR REPLACE VIEW group_members AS SELECT m.group_id, m.as_of_date, "
            f"c.customer_id FROM read_parquet({path_list([state / 'members.parquet'])}) m "
            f"JOIN read_parquet({path_list([state / 'customers.parquet'])}) c USING (ordinal)"
        )
    changes = [warehouse.group_changes_file(d) for d in warehouse.group_change_dates()]
    if changes:
        conn.execute(
            "CREATE OR REPLACE VIEW group_changes AS SELECT group_id, as_of_date, customer_id, "
            f"change, reason FROM read_parquet({path_list(changes)}, union_by_name = true)"
        )
    # issue 19 C: income per customer and day in cents, over the kept months
    income = [warehouse.income_file(m) for m in warehouse.income_months()]
    if income:
        conn.execute(
            "CREATE OR REPLACE VIEW customer_income AS SELECT * FROM "
            f"read_parquet({path_list(income)})"
        )
    # issue 20 churn: every stored churn score date (churn/scores/<T>.parquet), as_of_date first
    scores = [warehouse.churn_scores_file(d) for d in warehouse.churn_score_dates()]
    if scores:
        conn.execute(
            "CREATE OR REPLACE VIEW churn_scores AS SELECT as_of AS as_of_date, * EXCLUDE (as_of) "
            f"FROM read_parquet({path_list(scores)}, union_by_name = true)"
        )
    # issue 22: every business metric of every computed date (`metrics`: each period, level, unit
    # and cut) and `metrics_daily`: each unit's value of the day, uncut
    kept = [warehouse.metrics_file(d) for d in warehouse.metrics_dates()]
    if kept:
        conn.execute(
            "CREATE OR REPLACE VIEW metrics AS SELECT * FROM "
            f"read_parquet({path_list(kept)}, union_by_name = true)"
        )
        conn.execute(
            "CREATE OR REPLACE VIEW metrics_daily AS SELECT as_of_date, metric, level, unit_id, "
            "value FROM metrics WHERE period = 'day' AND dimension = ''"
        )
    trend = [warehouse.metric_trend_file(m) for m in warehouse.metric_trend_months()]
    if trend:
        conn.execute(
            f"CREATE OR REPLACE VIEW metric_trend AS SELECT * FROM read_parquet({path_list(trend)})"
        )

"""Suitability facts of every customer, kept per computed date by `brokerlens run`.

A check, an eligibility or the 360's panel needs one customer's facts; read from the lake they
cost a scan of every trade and position ever delivered (8 s and 1.4 GB at 3,000,000 customers).
`brokerlens run` writes them once per as-of date, from the warehouse's own running aggregates
(customer_day), to `<warehouse>/suitability/<T>.parquet`, sorted by customer id in small row
groups, so that one customer is a read of one row group. The lake path stays for dates never
run (`lake.py`), with the same definitions.

The brokerage-wide reports (re-scored assessments, validity, holdings above class) are kept
beside them per date (`reports.py`), so the compliance page reads them instead of re-scoring.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from brokerlens.config import Settings
from brokerlens.engine.sqltext import path_list
from brokerlens.models.days import day_files_covering
from brokerlens.suitability.questionnaire import load_definitions
from brokerlens.suitability.triggers import trigger_tables
from brokerlens.warehouse import open_warehouse
from brokerlens.warehouse.state import read_state
from brokerlens.warehouse.store import WarehouseStore

ROW_GROUP = 8_192  # one customer reads one group: ~8k rows, a few hundred KB
KEEP = 5  # the newest dates' files kept (a re-run of an older date rebuilds its own)
PUSHED_IDS = 500  # more ids are joined instead of listed
ASSETS_DAYS = 20  # the mean of assets over the last 20 trading days (domain.md section 1)

# Held securities or products on a day (daily_assets' split of total assets).
HOLDING = "(stock_value + fund_value + bond_value + product_value + other_value) > 0"

FACTS_FROM_WAREHOUSE = f"""
WITH days AS (SELECT unnest($days::DATE[]) AS biz_date),
assess AS (
    SELECT * FROM risk_assessments WHERE assess_date <= $as_of
    QUALIFY row_number() OVER (
        PARTITION BY customer_id ORDER BY assess_date DESC, assessment_id DESC) = 1
),
sums AS (
    SELECT customer_id,
           sum(total_assets) AS sum_20d,
           sum(CASE WHEN biz_date = $as_of THEN total_assets END) AS total_assets
    FROM customer_day
    WHERE biz_date IN (SELECT biz_date FROM days)
    GROUP BY customer_id
),
seen AS (
    SELECT customer_id, min(biz_date) AS first_seen FROM customer_day
    WHERE biz_date <= $as_of AND (trade_count > 0 OR {HOLDING})
    GROUP BY customer_id
),
margin AS (
    SELECT customer_id FROM accounts
    WHERE account_type = 'margin' AND (open_date IS NULL OR open_date <= $as_of)
    UNION
    SELECT customer_id FROM service_agreements
    WHERE service IN ('margin', 'option') AND sign_date <= $as_of
),
lowest AS (
    SELECT a.customer_id FROM assess a
    JOIN lowest_answer_triggers t ON t.questionnaire_version = a.questionnaire_version
        AND json_extract_string(CAST(a.answers AS VARCHAR), t.answer_path) = t.option_id
    UNION
    SELECT a.customer_id FROM assess a
    JOIN lowest_age_limits g ON g.questionnaire_version = a.questionnaire_version
    JOIN customers b ON b.customer_id = a.customer_id
    WHERE year(a.assess_date) - year(b.birth_date)
        - CASE WHEN month(a.assess_date) * 100 + day(a.assess_date)
            < month(b.birth_date) * 100 + day(b.birth_date) THEN 1 ELSE 0 END < g.min_age
),
services AS (
    SELECT customer_id, list(DISTINCT service ORDER BY service) AS services
    FROM service_agreements
    WHERE sign_date <= $as_of AND (cancel_date IS NULL OR cancel_date > $as_of)
    GROUP BY customer_id
)
SELECT c.customer_id, c.name, c.customer_type, c.branch_id, c.birth_date, c.open_date,
       c.investor_class,
       a.assessment_id, a.questionnaire_version, a.assess_date, a.score, a.risk_class,
       a.horizon, CAST(a.varieties AS VARCHAR) AS varieties, a.expire_date,
       CAST(a.answers AS VARCHAR) AS answers,
       s.total_assets, s.sum_20d,
       (SELECT count(*) FROM days d
        WHERE c.open_date IS NULL OR d.biz_date >= c.open_date) AS n_days,
       seen.first_seen,
       m.customer_id IS NOT NULL AS margin_or_futures,
       sv.services,
       CAST($history_start AS DATE) AS history_start,
       w.customer_id IS NOT NULL AS lowest_category
FROM customers c
LEFT JOIN assess a USING (customer_id)
LEFT JOIN sums s USING (customer_id)
LEFT JOIN seen USING (customer_id)
LEFT JOIN margin m USING (customer_id)
LEFT JOIN services sv USING (customer_id)
LEFT JOIN lowest w USING (customer_id)
ORDER BY c.customer_id
"""


def facts_file(settings: Settings, as_of: dt.date) -> Path:
    return settings.warehouse_dir / "suitability" / f"{as_of.isoformat()}.parquet"


def kept_facts(settings: Settings, as_of: dt.date) -> Path | None:
    path = facts_file(settings, as_of)
    return path if path.exists() else None


def build_facts(settings: Settings, as_of: dt.date, loaded_days: list[dt.date]) -> Path:
    """Write every customer's suitability facts as of `as_of` (after the run's customer_day)."""
    store = WarehouseStore(settings.warehouse_dir)
    upto = [d for d in sorted(loaded_days) if d <= as_of]
    day_files = day_files_covering(store, read_state(store.state_path), upto)
    target = facts_file(settings, as_of)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    answers, ages = trigger_tables(load_definitions(settings))
    conn = open_warehouse(settings, lock_down=False)
    try:
        conn.execute("SET enable_progress_bar = false")
        # the lowest category's triggers as data, as the risk indicators read them
        conn.register("lowest_answer_triggers", answers)
        conn.register("lowest_age_limits", ages)
        conn.execute(
            "CREATE VIEW customer_day AS SELECT * FROM "
            f"read_parquet({path_list(day_files)}, union_by_name = true)"
        )
        conn.execute(
            f"COPY ({FACTS_FROM_WAREHOUSE}) TO '{_quoted(scratch)}' "
            f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP})",
            {"as_of": as_of, "days": upto[-ASSETS_DAYS:], "history_start": upto[0]},
        )
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    os.replace(scratch, target)
    _prune(target.parent, keep=target)
    return target


def kept_query(path: Path, customer_ids: list[str] | None) -> tuple[str, dict[str, Any]]:
    """The query (and its parameters) of the kept rows of the named customers (all for None)."""
    source = f"read_parquet('{_quoted(path)}')"
    if customer_ids is None:
        return f"SELECT * FROM {source}", {}
    if len(customer_ids) <= PUSHED_IDS:
        # constants in an IN list reach the Parquet reader, which skips every other row group
        names = [f"i{n}" for n in range(len(customer_ids))]
        listed = ", ".join(f"${name}" for name in names) or "NULL"
        return (
            f"SELECT * FROM {source} WHERE customer_id IN ({listed})",
            dict(zip(names, customer_ids, strict=True)),
        )
    return (
        f"SELECT * FROM {source} WHERE customer_id IN (SELECT unnest($ids::VARCHAR[]))",
        {"ids": customer_ids},
    )


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _prune(folder: Path, keep: Path) -> None:
    built = sorted(folder.glob("*.parquet"), reverse=True)
    for path in built[KEEP:]:
        if path != keep:
            path.unlink(missing_ok=True)

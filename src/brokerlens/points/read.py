"""Reading the kept awards for the service layer: a day's summaries per branch, and the award
rows of a set of customers (the ones whose redemptions the report replays). The files are the
run's (`warehouse.served`); values are bound, never pasted into the SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from brokerlens.warehouse.query import scratch_cursor


def _rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with scratch_cursor() as conn:
        result = conn.execute(sql, params)
        names = [str(d[0]) for d in result.description or []]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def issued_by_branch(
    summaries: Sequence[Path], as_of: dt.date, soon: dt.date
) -> list[dict[str, Any]]:
    """Per branch, over the summaries of the days up to `as_of`: the points issued, those
    lapsed by `as_of` and those lapsing after it up to `soon`, were none of them used."""
    if not summaries:
        return []
    return _rows(
        "SELECT branch_id, CAST(sum(points) AS BIGINT) AS issued, "
        "CAST(coalesce(sum(points) FILTER (WHERE expires_on <= $as_of), 0) AS BIGINT) AS lapsed, "
        "CAST(coalesce(sum(points) FILTER (WHERE expires_on > $as_of AND expires_on <= $soon), 0)"
        " AS BIGINT) AS lapsing "
        "FROM read_parquet($files) WHERE entry_date <= $as_of GROUP BY branch_id",
        {"files": [str(p) for p in summaries], "as_of": as_of, "soon": soon},
    )


def awards_of(
    awards: Sequence[Path], customer_ids: Sequence[str], as_of: dt.date
) -> list[dict[str, Any]]:
    """The award rows of the customers up to `as_of`, by customer and day."""
    if not awards or not customer_ids:
        return []
    return _rows(
        "SELECT customer_id, entry_date, branch_id, rule_id, ref, points, expires_on "
        "FROM read_parquet($files) "
        "WHERE entry_date <= $as_of AND customer_id IN (SELECT unnest($ids)) "
        "ORDER BY customer_id, entry_date, rule_id, ref",
        {"files": [str(p) for p in awards], "ids": list(customer_ids), "as_of": as_of},
    )

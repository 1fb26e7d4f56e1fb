"""`brokerlens sql "QUERY"`: read-only SQL over the warehouse."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from brokerlens.cli.main import app, settings_of
from brokerlens.console import console, err_console
from brokerlens.errors import LakeError


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


@app.command()
def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="One SELECT statement.")],
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TABLE,
    limit: Annotated[
        int, typer.Option(min=0, help="Show at most this many rows (0 = all).")
    ] = 1000,
) -> None:
    """Run one read-only SELECT over the warehouse.

    Tables: every feed by its name (reference feeds: latest version of each key), `<feed>_history`
    for reference feeds, complaints and corporate_actions (valid_from / valid_to), `quarantine`
    and `ingest_log`. `product_nav` includes the delivered history before the first date
    (`product_nav_backfill`, docs/products-data.md). Computed by `brokerlens run`, every as-of
    date kept: `customer_indicators`, `customer_profile`, `product_metrics`, `recommendations`
    and `alerts` (as_of_date, customer_id, branch_id, alert_id and the explanation as JSON:
    figures, thresholds, zh, en); `churn_scores` (every stored churn score date: as_of_date,
    customer_id, branch_id, probability, raw_score, rank, reasons_zh, reasons_en,
    model_version; rank 1 = most at risk firm-wide that date). From the operational store, read
    when the query names them: `work_items` (every kept work list row with its status: open, done,
    snoozed, dismissed), `service_records`, `campaigns`, `campaign_members` (grp treatment /
    holdout, converted), `care_messages` and `points_ledger` (issue 23: customer_id, entry_date,
    source - a rule id, 'adjustment' or 'redemption' -, points, expires_on, branch_id, ref).
    Statements that write, and reads of files outside
    the lake, are refused.
    """
    from brokerlens.warehouse import run_query

    try:
        result = run_query(settings_of(ctx), query, limit=limit or None)
    except OSError as exc:
        raise LakeError(f"the lake cannot be read: {exc}") from exc
    if fmt is Format.JSON:
        records = [dict(zip(result.columns, map(_plain, row), strict=True)) for row in result.rows]
        typer.echo(json.dumps(records, ensure_ascii=False, indent=1))
    elif fmt is Format.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([_plain(v) for v in row] for row in result.rows)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        table = Table()
        for name, kind in zip(result.columns, result.types, strict=True):
            numeric = any(
                t in kind.upper() for t in ("INT", "DECIMAL", "DOUBLE", "FLOAT", "NUMBER")
            )
            table.add_column(name, justify="right" if numeric else "left")
        for row in result.rows:
            table.add_row(*("" if v is None else str(_plain(v)) for v in row))
        console.print(table, markup=False)
        console.print(f"{len(result.rows)} row(s)", markup=False)
    if result.truncated:
        err_console.print(f"(only the first {limit} rows shown; use --limit 0 for all)")

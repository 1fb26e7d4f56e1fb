"""The alerts of T: every alert evaluated on customer_indicators of T with each customer's branch
thresholds, written to `<warehouse>/alerts/<T>.parquet` with the explanation of each row.

One row per customer, alert and date (customer_indicators has one row per customer, and each
alert is one query over it); a re-run of T replaces the file whole.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.alerts.compile import THRESHOLD_PREFIX, alert_select
from brokerlens.alerts.model import AlertDefinition
from brokerlens.alerts.text import render_columns
from brokerlens.alerts.thresholds import AlertSet, load_alerts
from brokerlens.atomic import atomic_file
from brokerlens.classify.profile import indicator_columns
from brokerlens.config import Settings
from brokerlens.engine import Engine
from brokerlens.warehouse.layout import WarehouseLayout

ALERT_SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("customer_id", pa.string()),
        ("branch_id", pa.string()),
        ("alert_id", pa.string()),
        ("explanation", pa.string()),  # JSON: figures, thresholds, zh, en
    ]
)


def alerts_file(warehouse: WarehouseLayout, as_of: dt.date) -> Path:
    return warehouse.alerts_file(as_of)


def evaluate_alerts(
    engine: Engine,
    settings: Settings,
    warehouse: WarehouseLayout,
    as_of: dt.date,
    alert_set: AlertSet | None = None,
) -> dict[str, int]:
    """Write the alerts of `as_of`; returns the number of customers per alert id.

    Reads `customer_indicators` over that date's indicators file (the profile step registers it
    on the same engine; registered again here so the step stands alone)."""
    alert_set = alert_set if alert_set is not None else load_alerts(settings)
    engine.register_parquet(
        "customer_indicators",
        [warehouse.indicators_file(as_of)],
        indicator_columns(alert_set.indicators),
    )
    counts: dict[str, int] = {}
    parts = []
    for definition in alert_set.definitions:
        path = warehouse.run_file(definition.id, "alerts")
        engine.write_parquet(alert_select(alert_set, definition).sql(dialect="duckdb"), path)
        fired = pq.ParquetFile(path).read()
        counts[definition.id] = fired.num_rows
        parts.append(_rows(definition, fired, as_of))
    table = pa.concat_tables(parts) if parts else ALERT_SCHEMA.empty_table()
    table = table.sort_by([("customer_id", "ascending"), ("alert_id", "ascending")])
    with atomic_file(alerts_file(warehouse, as_of)) as scratch:
        pq.write_table(table, scratch)
    return counts


def _rows(definition: AlertDefinition, fired: pa.Table, as_of: dt.date) -> pa.Table:
    data = fired.to_pydict()
    n = fired.num_rows
    figures = {name: [_plain(v) for v in data[name]] for name in definition.shows}
    thresholds = {}
    for name in definition.params:  # a few values (one per branch at most): each made once
        column = data[THRESHOLD_PREFIX + name]
        plain = {v: _plain(v) for v in set(column)}
        thresholds[name] = [plain[v] for v in column]
    return pa.table(
        {
            "as_of_date": pa.array([as_of] * n, pa.date32()),
            "customer_id": pa.array(data["customer_id"], pa.string()),
            "branch_id": pa.array(data["branch_id"], pa.string()),
            "alert_id": pa.array([definition.id] * n, pa.string()),
            "explanation": pa.array(explanations(definition, figures, thresholds, n), pa.string()),
        },
        schema=ALERT_SCHEMA,
    )


def explanations(
    definition: AlertDefinition,
    figures: dict[str, list[Any]],
    thresholds: dict[str, list[Any]],
    rows: int,
) -> list[str]:
    """Each row's explanation JSON: the figures and thresholds that fired it, in words zh and
    en, as `json.dumps({"figures": ..., "thresholds": ..., "zh": ..., "en": ...},
    ensure_ascii=False)` writes it; built a column at a time (1.3M alerts at 3M customers)."""
    values = {**figures, **thresholds}  # a threshold named like a figure wins in the words
    shape, columns = [], []
    for key, group in (("figures", figures), ("thresholds", thresholds)):
        shape.append(f"{_ENCODE(key)}: {{")
        for i, (name, column) in enumerate(group.items()):
            shape.append(f"{', ' if i else ''}{_ENCODE(name).replace('%', '%%')}: %s")
            columns.append(_json_values(column))
        shape.append("}, ")
    formatted: dict[tuple[str, str, str], list[str]] = {}
    for language in ("zh", "en"):
        text = definition.text_zh if language == "zh" else definition.text_en
        shape.append(f'"{language}": %s' + (", " if language == "zh" else ""))
        words = render_columns(text, values, rows, language, formatted)
        columns.append([_ENCODE(t) for t in words])
    pattern = "{" + "".join(shape) + "}"
    return [pattern % row for row in zip(*columns, strict=True)]


def _json_values(column: list[Any]) -> list[str]:
    # a finite float is what json writes it as, its repr; anything else goes through json
    return [repr(v) if type(v) is float and math.isfinite(v) else _ENCODE(v) for v in column]


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # as json.dumps(..., ensure_ascii=False)


def _plain(value: Any) -> Any:
    # 12 significant digits: the sums' last-bit noise (0.30000000000000004) is not a figure
    if isinstance(value, float | Decimal):
        return float(f"{float(value):.12g}")
    return value


def read_alerts(warehouse: WarehouseLayout, as_of: dt.date) -> pa.Table | None:
    """The alerts of `as_of`, or None when they were not computed."""
    path = alerts_file(warehouse, as_of)
    # ParquetFile, not read_table: that imports pyarrow.dataset (about 2 s cold, in publish)
    return pq.ParquetFile(path).read() if path.exists() else None

"""Broken rows on purpose (--bad-rows F): about F of each feed's rows, of every rule the contract
names, each listed in the ground truth with its physical line (header = line 1).

A broken row is an extra row (a duplicate, or a copy with a fresh key and one defect) or, where
the feed's key cannot be made fresh without a second defect (daily_assets, positions, quotes ...),
an altered row in place. Every other row stays exactly as simulated, so removing the listed rows
leaves consistent data. Nothing makes a whole file unparseable.
"""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brokerlens.contract.feeds import ColumnType, Feed, Rule, feed

TYPED = (
    ColumnType.INTEGER,
    ColumnType.MONEY,
    ColumnType.PRICE,
    ColumnType.NUMBER,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
    ColumnType.BOOLEAN,
)
NOT_A_VALUE = {
    ColumnType.DATE: "2025-02-30",
    ColumnType.TIMESTAMP: "2025-01-02 25:61:00",
    ColumnType.BOOLEAN: "maybe",
}


def _candidates(spec: Feed, csv: bool) -> dict[Rule, list[str]]:
    keys = set(spec.key)
    recon = {c for r in spec.reconciliations for c in (r.total, *r.product_of)}
    out: dict[Rule, list[str]] = {
        Rule.MISSING_VALUE: [c.name for c in spec.columns if not c.nullable and c.name not in keys],
        Rule.BAD_ENUM: [c.name for c in spec.columns if c.enum and c.name not in keys],
        Rule.DUPLICATE_KEY: list(spec.key),
        Rule.UNKNOWN_REFERENCE: [
            c.name
            for c in spec.columns
            if c.references is not None and c.references.feed != spec.name
        ],
        Rule.NEGATIVE_AMOUNT: [
            c.name
            for c in spec.columns
            if c.type == ColumnType.MONEY
            and (c.min_value == 0 or c.positive)
            and c.name not in recon
        ],
        Rule.UNRECONCILED_TOTAL: [r.total for r in spec.reconciliations],
    }
    if csv:
        out[Rule.BAD_TYPE] = [
            c.name
            for c in spec.columns
            if c.type in TYPED and c.name not in keys and c.name != spec.date_column
        ]
    if not spec.is_reference and len(spec.key) > 1:
        # composite keys: an unknown reference must sit in the key to stay a single defect
        out[Rule.UNKNOWN_REFERENCE] = [c for c in out[Rule.UNKNOWN_REFERENCE] if c in keys]
    if spec.name == "daily_assets":
        out[Rule.NEGATIVE_AMOUNT] = ["cash", "stock_value", "other_value"]
    return {rule: cols for rule, cols in out.items() if cols}


def _dec(value: object) -> decimal.Decimal:
    return decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"))


def _like(before: object, value: decimal.Decimal) -> object:
    """A money value in the representation the column has (Decimal, or text after a cast)."""
    return str(value) if isinstance(before, str) else value


def _negative(value: object) -> object:
    if value is None:
        return None
    return _like(value, -(abs(_dec(value)) + decimal.Decimal("1.00")))


def inject(
    name: str,
    table: pa.Table,
    share: float,
    rng: np.random.Generator,
    *,
    csv: bool,
    biz_date: dt.date,
) -> tuple[pa.Table, pa.Table | None]:
    spec = feed(name)
    n = table.num_rows
    # floor, not a random draw: a feed never carries more than the asked share, so a share under
    # the ingest's quarantine threshold never gets a small feed (and its date) rejected
    k = int(n * share + 1e-9)
    if k == 0:
        return table, None
    cands = _candidates(spec, csv)
    rules = list(cands)
    rows = np.sort(rng.choice(n, size=k, replace=False))
    picked = [rules[i] for i in rng.integers(0, len(rules), k).tolist()]
    columns = [cands[r][int(rng.integers(0, len(cands[r])))] for r in picked]
    # text columns for bad types: the whole column becomes text with the same rendering
    to_text = sorted({c for r, c in zip(picked, columns, strict=True) if r == Rule.BAD_TYPE})
    for col in to_text:
        i = table.column_names.index(col)
        table = table.set_column(i, col, pc.cast(table.column(col), pa.string()))
    copies = table.take(pa.array(rows)).to_pylist()
    composite_fact = (
        not spec.is_reference and len(spec.key) > 1
    ) or spec.name == "corporate_actions"
    keys = list(spec.key)
    # key columns that can take a fresh value without breaking another rule
    fresh_cols = [
        c for c in keys if spec.column(c).references is None and spec.column(c).enum is None
        and spec.column(c).type == ColumnType.STRING
    ]  # fmt: skip
    in_place = np.zeros(k, bool)
    order = rows.astype(np.float64) + 0.5
    for j, (rule, col) in enumerate(zip(picked, columns, strict=True)):
        row = copies[j]
        fresh_key = True
        if rule == Rule.MISSING_VALUE:
            row[col] = None
        elif rule == Rule.BAD_TYPE:
            kind = spec.column(col).type
            row[col] = NOT_A_VALUE.get(kind, "n/a")
        elif rule == Rule.BAD_ENUM:
            row[col] = "zz_invalid"
        elif rule == Rule.DUPLICATE_KEY:
            fresh_key = False
        elif rule == Rule.UNKNOWN_REFERENCE:
            row[col] = f"ZZ{row[col]}"
            fresh_key = col not in keys
        elif rule == Rule.NEGATIVE_AMOUNT:
            before = row[col]
            row[col] = _negative(before)
            if name == "daily_assets" and before is not None and row["total_assets"] is not None:
                total = row["total_assets"]
                row["total_assets"] = _like(total, _dec(total) - _dec(before) + _dec(row[col]))
        elif rule == Rule.UNRECONCILED_TOTAL:
            value = row[col]
            if value is not None:
                broken = _dec(_dec(value) * decimal.Decimal("1.05") + decimal.Decimal("100.00"))
                row[col] = _like(value, broken)
        if (
            composite_fact
            and rule != Rule.DUPLICATE_KEY
            and not (rule == Rule.UNKNOWN_REFERENCE and col in keys)
        ):
            in_place[j] = True
            order[j] = rows[j]
        elif fresh_key:
            kcol = next((c for c in fresh_cols if isinstance(row[c], str) and c != col), None)
            if kcol is not None:
                row[kcol] = f"{row[kcol]}X{j}"
            else:  # relationships: a start date no real row has
                row["start_date"] = row["start_date"] - dt.timedelta(days=3650 + j)
            order[j] = rows[j] + 0.5 if rule != Rule.DUPLICATE_KEY else order[j]
    extra = pa.Table.from_pylist(copies, schema=table.schema)
    keep = np.ones(n, bool)
    keep[rows[in_place]] = False
    base = table.filter(pa.array(keep))
    positions = np.concatenate([np.flatnonzero(keep).astype(np.float64), order])
    combined = pa.concat_tables([base, extra])
    rank = np.argsort(positions, kind="stable")
    final = combined.take(pa.array(rank))
    line_of = np.empty(len(rank), np.int64)
    line_of[rank] = np.arange(len(rank)) + 2
    lines = line_of[len(base) :]
    key_text = ["|".join("" if row[c] is None else str(row[c]) for c in keys) for row in copies]
    truth = pa.table(
        {
            "biz_date": pa.array([biz_date] * k, pa.date32()),
            "feed": pa.array([name] * k, pa.string()),
            "line": pa.array(lines, pa.int64()),
            "rule": pa.array([str(r) for r in picked], pa.string()),
            "key": pa.array(key_text, pa.string()),
        }
    )
    return final, truth

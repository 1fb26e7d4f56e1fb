"""The row rules of the contract as SQL: one CASE expression finds a row's first violation.

Each possible violation gets a code; `Violation` says which rule, column and message it stands
for. Row-local rules (missing_value, bad_type, bad_enum, negative_amount, out_of_range,
wrong_date, unreconciled_total) are checked in one pass; duplicate_key and unknown_reference need
the whole delivery and the lake, and are checked by `validate`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from brokerlens.contract.feeds import (
    FEEDS,
    LAKE_TYPES,
    Column,
    ColumnType,
    Feed,
    Reconciliation,
    Rule,
)
from brokerlens.engine.sqltext import Params, ident


@dataclass(frozen=True)
class Violation:
    code: int
    rule: Rule
    column: str  # a column, or several joined by "," (keys, reconciliations)
    message: str
    value_sql: str  # SQL over the raw row `r` giving the offending text value


@dataclass
class RuleSet:
    feed: Feed
    violations: list[Violation] = field(default_factory=list)

    def add(self, rule: Rule, columns: tuple[str, ...], message: str) -> Violation:
        if len(columns) == 1:
            value = f"r.{ident(columns[0])}"
        else:
            value = "concat_ws('|', " + ", ".join(f"r.{ident(c)}" for c in columns) + ")"
        v = Violation(len(self.violations) + 1, rule, ",".join(columns), message, value)
        self.violations.append(v)
        return v


def raw_name(column: str) -> str:
    return ident(f"raw${column}")


def typed_sql(col: Column) -> str:
    """Cast the raw text column to the lake type; NULL when it does not cast."""
    raw = raw_name(col.name)
    lake = LAKE_TYPES[col.type]
    if col.type is ColumnType.STRING:
        return raw
    if col.type is ColumnType.INTEGER:  # TRY_CAST('1.5' AS BIGINT) rounds: demand digits only
        digits = f"regexp_full_match({raw}, '\\s*[+-]?[0-9]+\\s*')"
        return f"CASE WHEN {digits} THEN TRY_CAST({raw} AS BIGINT) END"
    return f"TRY_CAST({raw} AS {lake})"


def _type_failed(col: Column) -> str:
    raw, typed = raw_name(col.name), ident(col.name)
    cond = f"{typed} IS NULL"
    if col.type in (ColumnType.MONEY, ColumnType.PRICE):  # more decimals than the type holds
        cond += f" OR TRY_CAST({raw} AS DECIMAL(38,10)) <> {typed}"
    if col.type is ColumnType.NUMBER:  # 'nan' and 'inf' cast to DOUBLE but are no numbers
        cond += f" OR NOT isfinite({typed})"
    return f"{raw} IS NOT NULL AND ({cond})"


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


def _column_checks(rules: RuleSet, col: Column, params: Params) -> list[tuple[str, Violation]]:
    checks: list[tuple[str, Violation]] = []
    raw, typed, name = raw_name(col.name), ident(col.name), (col.name,)
    if not col.nullable:
        v = rules.add(Rule.MISSING_VALUE, name, f"{col.name} is required but empty")
        checks.append((f"{raw} IS NULL", v))
    if col.type is not ColumnType.STRING:
        v = rules.add(Rule.BAD_TYPE, name, f"{col.name} is not a valid {col.type.value}")
        checks.append((_type_failed(col), v))
    if col.enum:
        v = rules.add(Rule.BAD_ENUM, name, f"{col.name} is not one of: {', '.join(col.enum)}")
        checks.append((f"{raw} IS NOT NULL AND {raw} NOT IN ({params.bind_all(col.enum)})", v))
    if col.min_value is not None:
        rule = Rule.NEGATIVE_AMOUNT if col.min_value == 0 else Rule.OUT_OF_RANGE
        v = rules.add(rule, name, f"{col.name} is below {_number(col.min_value)}")
        checks.append((f"{typed} < {params.bind(col.min_value)}", v))
    if col.positive:
        v = rules.add(Rule.NEGATIVE_AMOUNT, name, f"{col.name} is negative (must be > 0)")
        checks.append((f"{typed} < 0", v))
        v = rules.add(Rule.OUT_OF_RANGE, name, f"{col.name} is zero (must be > 0)")
        checks.append((f"{typed} = 0", v))
    if col.max_value is not None:
        v = rules.add(Rule.OUT_OF_RANGE, name, f"{col.name} is above {_number(col.max_value)}")
        checks.append((f"{typed} > {params.bind(col.max_value)}", v))
    return checks


def _reconciliation(rec: Reconciliation, params: Params) -> str:
    if rec.product_of:
        expected = " * ".join(ident(c) for c in rec.product_of)
    else:
        expected = " + ".join(ident(c) for c in rec.plus) or "0"
        if rec.minus:
            expected = f"({expected}) - " + " - ".join(ident(c) for c in rec.minus)
    diff = f"abs({ident(rec.total)} - ({expected}))"
    return (
        f"{diff} > {params.bind(rec.absolute)} "
        f"AND {diff} > {params.bind(rec.relative)} * abs({expected})"
    )


def row_rules(feed: Feed, day: dt.date, params: Params) -> tuple[RuleSet, str, str]:
    """(rules, typed select list, CASE giving the first violation code or NULL).

    The select list reads raw columns named `raw$<col>`; the CASE reads the typed columns.
    """
    rules = RuleSet(feed)
    checks: list[tuple[str, Violation]] = []
    for col in feed.columns:
        checks.extend(_column_checks(rules, col, params))
    if feed.date_column:
        dcol = feed.date_column
        v = rules.add(
            Rule.WRONG_DATE, (dcol,), f"{dcol} is not the folder's date {day.isoformat()}"
        )
        checks.append((f"{ident(dcol)} <> {params.bind(day)}", v))
    if feed.backfills:
        dcol = FEEDS[feed.backfills].date_column or "biz_date"
        v = rules.add(
            Rule.WRONG_DATE, (dcol,), f"{dcol} is not before the folder's date {day.isoformat()}"
        )
        checks.append((f"{ident(dcol)} >= {params.bind(day)}", v))
    for rec in feed.reconciliations:
        columns = (rec.total, *rec.product_of, *rec.plus, *rec.minus)
        tolerance = f"{rec.absolute} yuan" + (f" and {rec.relative:.1%}" if rec.relative else "")
        v = rules.add(Rule.UNRECONCILED_TOTAL, columns, f"{rec.name} (beyond {tolerance})")
        checks.append((_reconciliation(rec, params), v))
    typed = ", ".join(f"{typed_sql(c)} AS {ident(c.name)}" for c in feed.columns)
    case = "CASE " + " ".join(f"WHEN {cond} THEN {v.code}" for cond, v in checks) + " END"
    return rules, typed, case

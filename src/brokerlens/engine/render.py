"""Canonical SQL (DuckDB dialect) -> an engine's dialect, with `:name` placeholders bound.

Values are bound as typed SQLGlot literals, never pasted as text: a date becomes
`CAST('2025-01-02' AS DATE)`, a string a quoted literal, a number a numeric literal.

The portable subset
-------------------
Warehouse SQL is written for DuckDB and must give the same rows on Spark 4 (ANSI mode on).
SQLGlot 30 translates most of it; where it does not, `render` fixes the Spark text itself (first
list) or the construct is outside the portable subset and `check_portable` reports it (second
list). Each rule has a golden test in tests/engine.

Fixed by `render` for Spark:
- `dayofweek(d)` / `extract(dow ...)` (DuckDB: Sunday = 0) -> `DAYOFWEEK(d) - 1` (Spark:
  Sunday = 1).
- `isodow(d)` / `extract(isodow ...)` (Monday = 1 .. Sunday = 7) -> `WEEKDAY(d) + 1`; SQLGlot's
  own `(DAYOFWEEK(d) % 7) + 1` gives Sunday = 2.
- `dayname(d)` ('Sunday') -> `DATE_FORMAT(d, 'EEEE')`; Spark's DAYNAME gives 'Sun'.
- `date_trunc(unit, x)` returns a zone-less TIMESTAMP on DuckDB, a zoned one on Spark: wrapped in
  `CAST(... AS TIMESTAMP_NTZ)` so a written file has the same column type.
- `CAST(x AS <integer>)` where x is visibly a DOUBLE (a double cast, avg(), ...) rounds half to
  even on DuckDB and truncates on Spark -> `CAST(BROUND(x) AS ...)`; where x is a DECIMAL (a
  decimal literal or cast) DuckDB rounds half away from zero -> `CAST(ROUND(x) AS ...)`. This is
  a safety net: `render` has no schema and cannot see a column's type, so the rule below holds.

Outside the portable subset (`check_portable` names them; write the alternative instead):
- `* EXCLUDE (...)` / `* REPLACE (...)`: rendered `* EXCEPT (...)`, which the installed Spark 4.3
  runs but which is not known to be in every Spark >= 4.0 the project allows; REPLACE has no
  Spark form at all. List the columns (or expand with `expand_stars` and a schema).
- list slices `l[a:b]`, negative indexes `l[-1]`: SQLGlot shifts -1 to -2 and Spark has no slice
  syntax; use `l[1]` (1-based, translated) or restructure.
- `list(x ORDER BY y)` / `array_agg(x ORDER BY y)`: becomes COLLECT_LIST, order lost. (An ordered
  `string_agg(x, ',' ORDER BY y)` is portable: it becomes LISTAGG ... WITHIN GROUP.)
- `regexp_replace(s, p, r)` without the 'g' flag replaces the first match on DuckDB and every
  match on Spark; always pass 'g' (and no other flag).
- `CAST(x AS <integer>)` of a DOUBLE or DECIMAL x (for columns, give `check_portable` the
  schema): write `CAST(round(x) AS BIGINT)` (or floor/ceil); round() is half away from zero on
  both engines.
- `date - date`: BIGINT days on DuckDB, an INTERVAL on Spark; use `date_diff('day', a, b)`.
- `date + INTERVAL ...`: TIMESTAMP on DuckDB, DATE on Spark; wrap it: `CAST(d + INTERVAL 1 MONTH
  AS DATE)`, or add an integer number of days: `d + 7` (DATE on both).
- a division (`/`, `//`, `%`) by anything but a non-zero number, `NULLIF(x, 0)`, or inside a
  `CASE WHEN <test of the divisor> THEN ... END` branch: by zero, DuckDB gives inf or NULL or
  raises (by operator), Spark in ANSI mode raises DIVIDE_BY_ZERO. A bound parameter counts as
  unguarded: write `NULLIF(:n, 0)`.
- a DECIMAL divided by a DECIMAL: DOUBLE on DuckDB, DECIMAL(38, s) on Spark; cast one side to
  DOUBLE first (reported only when the schema shows both are decimals).
- `sum()` of integers: HUGEINT on DuckDB (fetched as DECIMAL(38, 0), written to Parquet as
  DOUBLE), BIGINT on Spark; write `CAST(sum(x) AS BIGINT)` (or `count(*) FILTER (WHERE ...)`
  for a sum of CASE ... 1 ELSE 0).
- `quantile_cont` / `percentile_cont`: SQLGlot emits an argument order Spark rejects; use
  `median(x)`.
- `CAST(x AS JSON)`: becomes TO_JSON (serialises instead of parsing); JSON stays VARCHAR.
- `date_diff('year' | 'month' | ..., a, b)`: year boundaries crossed on DuckDB, whole years on
  Spark; write `year(b) - year(a)` (the DuckDB meaning) or the unit's own arithmetic.
- `epoch(d)`: depends on the session time zone on Spark; use `date_diff('day', DATE
  '1970-01-01', d)` for a date's day number.
Also true, not checked: `arg_max`/`max_by` and `row_number()` are deterministic only if their
order key is unique on both engines; DECIMAL sums are DECIMAL(38, s) on DuckDB and
DECIMAL(p + 10, s) on Spark (equal values, different declared precision); a CAST of a bad string
raises on both engines (use TRY_CAST).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from brokerlens.errors import BrokerlensError

CANONICAL = "duckdb"

Value = dt.date | str | int | float | bool | None

# A schema for `check_portable` / `expand_stars`: {table: {column: DuckDB type}}.
Schema = Mapping[str, Mapping[str, str]]

_INTEGER_TYPES = exp.DataType.INTEGER_TYPES
_FLOAT_TYPES = {exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT}
_DECIMAL_TYPES = {exp.DataType.Type.DECIMAL}


def literal(value: Value) -> exp.Expression:
    """A typed SQL literal for a bound value."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


@lru_cache(maxsize=512)
def _parse(sql: str) -> exp.Expr:
    try:
        return sqlglot.parse_one(sql, read=CANONICAL)
    except sqlglot.errors.ParseError as exc:
        raise BrokerlensError(f"internal SQL does not parse: {exc}") from None


def placeholders(sql: str) -> set[str]:
    return {p.name for p in _parse(sql).find_all(exp.Placeholder)}


def render(sql: str, dialect: str = CANONICAL, params: Mapping[str, Value] | None = None) -> str:
    """Bind `:name` placeholders and render `sql` for `dialect` (a SQLGlot dialect name)."""
    tree = _parse(sql).copy()
    wanted = {p.name for p in tree.find_all(exp.Placeholder)}
    given = dict(params or {})
    missing = wanted - given.keys()
    if missing:
        raise BrokerlensError(f"internal SQL needs parameters {sorted(missing)}")
    if wanted:
        tree = exp.replace_placeholders(tree, **{k: literal(given[k]) for k in wanted})
    if dialect == "spark":
        tree = _spark_fixups(tree)
    return tree.sql(dialect=dialect)


# --- Spark fix-ups -----------------------------------------------------------------------------


def _spark_fixups(tree: exp.Expr) -> exp.Expr:
    # Types first (on the whole tree: a CAST's operand is typed from its own subtree), then one
    # bottom-up rewrite.
    annotate_types(tree, dialect=CANONICAL)
    return tree.transform(_spark_fixup, copy=False)


def _spark_fixup(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Extract):
        part = node.name.upper()
        if part in ("DOW", "DAYOFWEEK"):
            return _spark_dow(node.expression)
        if part in ("ISODOW", "DAYOFWEEK_ISO"):
            return _spark_isodow(node.expression)
        return node
    if isinstance(node, exp.DayOfWeekIso):
        return _spark_isodow(node.this)
    if isinstance(node, exp.DayOfWeek):
        return _spark_dow(node.this)
    if isinstance(node, exp.Dayname):
        return exp.func("DATE_FORMAT", node.this, exp.Literal.string("EEEE"))
    if isinstance(node, exp.TimestampTrunc | exp.DateTrunc) and not _is_cast_parent(node):
        return exp.cast(node, exp.DataType.build("TIMESTAMP", dialect=CANONICAL))
    if isinstance(node, exp.Cast) and _is_integer(node.to) and not _rounded(node.this):
        kind = _number_kind(node.this)
        if kind == "float":
            node.set("this", exp.func("BROUND", node.this))
        elif kind == "decimal":
            node.set("this", exp.func("ROUND", node.this))
    return node


def _spark_dow(date: exp.Expr) -> exp.Expr:
    return exp.Paren(this=exp.Sub(this=exp.func("DAYOFWEEK", date), expression=_one()))


def _spark_isodow(date: exp.Expr) -> exp.Expr:
    return exp.Paren(this=exp.Add(this=exp.func("WEEKDAY", date), expression=_one()))


def _one() -> exp.Expr:
    return exp.Literal.number(1)


def _rounded(node: exp.Expr) -> bool:
    return isinstance(node, exp.Round | exp.Floor | exp.Ceil)


def _is_cast_parent(node: exp.Expr) -> bool:
    return isinstance(node.parent, exp.Cast)


def _is_integer(to: exp.DataType) -> bool:
    return to.this in _INTEGER_TYPES


def _number_kind(node: exp.Expr) -> str | None:
    """'float' or 'decimal' when a value is visibly a DOUBLE or DECIMAL, else None."""
    while isinstance(node, exp.Paren):
        node = node.this
    # DuckDB reads a literal with a point (2.5) as a DECIMAL; SQLGlot annotates it DOUBLE.
    if isinstance(node, exp.Literal) and not node.is_string:
        text = node.name.lower()
        if "e" in text:
            return "float"
        return "decimal" if "." in text else None
    if isinstance(node, exp.Neg):
        return _number_kind(node.this)
    kind = node.type.this if node.type else None
    if kind in _FLOAT_TYPES:
        return "float"
    if kind in _DECIMAL_TYPES:
        return "decimal"
    return None


# --- the portable-subset check -----------------------------------------------------------------


def check_portable(sql: str, schema: Schema | None = None) -> list[str]:
    """What in canonical `sql` is outside the portable subset (see the module docstring).

    Empty when the query renders for Spark with the same results. With `schema` (table ->
    column -> DuckDB type) column types are known too, which finds more (casts, date arithmetic).
    """
    tree = _parse(sql).copy()
    if schema:
        tree = qualify(
            tree,
            schema={t: dict(c) for t, c in schema.items()},
            dialect=CANONICAL,
            expand_stars=False,  # `* EXCLUDE` is itself a finding
            validate_qualify_columns=False,
            identify=False,
        )
    annotate_types(tree, schema={t: dict(c) for t, c in (schema or {}).items()}, dialect=CANONICAL)
    problems: list[str] = []
    for node in tree.walk():
        problem = _problem(node)
        if problem:
            problems.append(f"{problem}: {node.sql(dialect=CANONICAL)}")
    return problems


def _problem(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Star) and any(node.args.get(k) for k in ("except_", "except")):
        return "* EXCLUDE: list the columns"
    if isinstance(node, exp.Star) and node.args.get("replace"):
        return "* REPLACE: list the columns"
    if isinstance(node, exp.Bracket) and any(isinstance(i, exp.Slice) for i in node.expressions):
        return "list slice: not translated to Spark"
    if isinstance(node, exp.Bracket) and any(isinstance(i, exp.Neg) for i in node.expressions):
        return "negative list index: translated off by one"
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        return "ordered list()/array_agg(): Spark's COLLECT_LIST loses the order"
    if isinstance(node, exp.RegexpReplace):
        flags = node.args.get("modifiers")
        if not (isinstance(flags, exp.Literal) and flags.name == "g"):
            return (
                "regexp_replace without exactly the 'g' flag: first match on DuckDB, all on Spark"
            )
    if (
        isinstance(node, exp.Cast)
        and _is_integer(node.to)
        and not _rounded(node.this)
        and _number_kind(node.this)
    ):
        return "CAST of a DOUBLE/DECIMAL to an integer: write CAST(round(x) AS ...)"
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.JSON:
        return "CAST AS JSON: becomes TO_JSON on Spark; keep JSON as VARCHAR"
    if isinstance(node, exp.Sub) and _is_date(node.this) and _is_date(node.expression):
        return "date - date: an INTERVAL on Spark; use date_diff('day', a, b)"
    if isinstance(node, exp.Add | exp.Sub) and _date_plus_interval(node):
        return "date +/- INTERVAL: TIMESTAMP on DuckDB, DATE on Spark; wrap in CAST(... AS DATE)"
    if (
        isinstance(node, exp.Div | exp.IntDiv | exp.Mod)
        and not _safe_divisor(node.expression)
        and not _guarded_by_case(node)
    ):
        return "division by a value that may be 0: use NULLIF(x, 0) (Spark ANSI raises)"
    if isinstance(node, exp.Div) and _is_decimal(node.this) and _is_decimal(node.expression):
        return "DECIMAL / DECIMAL: DOUBLE on DuckDB, DECIMAL on Spark; cast a side to DOUBLE"
    if (
        isinstance(node, exp.Sum)
        and _is_integer_typed(node.this)
        and not isinstance(_unwindowed(node).parent, exp.Cast)
    ):
        return "sum() of integers: HUGEINT on DuckDB (DOUBLE in Parquet), BIGINT on Spark; CAST it"
    if isinstance(node, exp.PercentileCont | exp.PercentileDisc | exp.Quantile):
        return "quantile/percentile: not translated to Spark; use median()"
    if isinstance(node, exp.DateDiff) and (node.text("unit") or "day").lower() != "day":
        return (
            "date_diff of a unit other than day: boundaries crossed on DuckDB, whole units on "
            "Spark; write year(b) - year(a) (or the unit's own arithmetic)"
        )
    if isinstance(node, exp.TimeToUnix):
        return "epoch(): zone-dependent on Spark; use date_diff('day', DATE '1970-01-01', d)"
    return None


def _is_date(node: exp.Expr) -> bool:
    return bool(node.type and node.type.this == exp.DataType.Type.DATE)


def _is_integer_typed(node: exp.Expr) -> bool:
    return bool(node.type and node.type.this in _INTEGER_TYPES)


def _unwindowed(node: exp.Expr) -> exp.Expr:
    # sum(x) OVER (...) is cast as a whole: CAST(sum(x) OVER (...) AS BIGINT).
    return node.parent if isinstance(node.parent, exp.Window) else node


def _is_decimal(node: exp.Expr) -> bool:
    return bool(node.type and node.type.this in _DECIMAL_TYPES)


def _date_plus_interval(node: exp.Binary) -> bool:
    left, right = node.this, node.expression
    if not (isinstance(right, exp.Interval) or isinstance(left, exp.Interval)):
        return False
    if isinstance(node.parent, exp.Cast):
        return False  # the portable spelling: CAST(d + INTERVAL ... AS DATE)
    other = left if isinstance(right, exp.Interval) else right
    return _is_date(other)


def _safe_divisor(node: exp.Expr) -> bool:
    while isinstance(node, exp.Paren | exp.Cast):
        node = node.this
    if isinstance(node, exp.Nullif):
        return True
    if isinstance(node, exp.Literal) and not node.is_string:
        return float(node.name) != 0
    return False


def _guarded_by_case(node: exp.Binary) -> bool:
    """A division in a CASE branch whose WHEN tests the divisor (Spark evaluates it lazily)."""
    divisor = node.expression
    while isinstance(divisor, exp.Paren | exp.Cast):
        divisor = divisor.this
    wanted = divisor.sql(dialect=CANONICAL)
    child: exp.Expr = node
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.If) and parent.args.get("true") is child:
            tested = parent.this
            if any(e.sql(dialect=CANONICAL) == wanted for e in tested.walk()):
                return True
        child, parent = parent, parent.parent
    return False


def expand_stars(sql: str, schema: Schema) -> str:
    """Canonical `sql` with every `*` (and `* EXCLUDE`) expanded to the schema's columns."""
    tree = qualify(
        _parse(sql).copy(),
        schema={t: dict(c) for t, c in schema.items()},
        dialect=CANONICAL,
        expand_stars=True,
        validate_qualify_columns=True,
    )
    return tree.sql(dialect=CANONICAL)

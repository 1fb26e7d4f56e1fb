"""The cross-tab builder (交叉分析, issue 22 section 3): the scope's customers counted (or an
indicator summed or averaged) by two dimensions, with row, column and total shares.

A dimension is a classification, a text indicator, one of a few customer columns (branch,
region, type ...), or a number indicator cut into bands: breakpoints the user gives (each band
from one breakpoint, inclusive, to the next) or the scope's quintiles. Every name is looked up
among the served profile's columns and its kind checked (the request never reaches SQL as
text); breakpoints and values are bound. Personal fields are refused to everyone: a cross-tab
shows a dimension's values, and personal data leaves access only masked. Within scope
(`customers.filters_on`: the same compiled scope as every list), on the columnar copy by DuckDB
when served, else the store; audited `view_crosstab` (aggregates: no customer is named).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access import columnar
from brokerlens.access.audit import audit_read
from brokerlens.access.conditions import CustomerQuery, Filters
from brokerlens.access.customers import filters_on
from brokerlens.access.exports import Exported, RowSink
from brokerlens.access.masking import PERSONAL_FIELDS
from brokerlens.access.render import duckdb_sql
from brokerlens.access.snapshot import ColumnInfo, Snapshot, served_snapshot_on
from brokerlens.auth.principal import Permission, Principal
from brokerlens.classify.buckets import rules_of
from brokerlens.errors import Forbidden, InvalidRequest
from brokerlens.warehouse.served import parquet_source

Metric = Literal["count", "sum", "avg"]
METRICS: tuple[str, ...] = ("count", "sum", "avg")
# Customer columns that make a dimension (codes with few values); the rest of the customer
# columns are names, dates and personal data.
CUSTOMER_DIMENSIONS = (
    "branch_id",
    "region_id",
    "customer_type",
    "gender",
    "city",
    "open_channel",
    "investor_class",
    "status",
)
MAX_VALUES = 200  # an axis with more values is asked to use bands
MAX_BREAKPOINTS = 30
QUINTILES = "quintiles"
QUINTILE_WORDS = (QUINTILES, "五分位")  # what the bands field accepts for quintiles
CENT = Decimal("0.01")


@dataclass(frozen=True)
class AxisRequest:
    """One dimension as asked: a field and, for a number, its bands."""

    field: str
    bands: str | None = None  # "0,100000,1000000" or "quintiles"


@dataclass(frozen=True)
class CrosstabRequest:
    rows: AxisRequest
    cols: AxisRequest | None = None
    metric: str = "count"
    value: str | None = None  # the indicator summed or averaged


@dataclass(frozen=True)
class AxisValue:
    """One value of an axis: `key` as the data holds it (a band's index), its labels."""

    key: Any
    label: str
    label_en: str
    low: float | None = None  # a band's bounds: [low, high)
    high: float | None = None


@dataclass(frozen=True)
class Axis:
    field: str
    kind: str  # classification, indicator, customer, band, none
    zh: str
    en: str
    values: list[AxisValue]
    breakpoints: list[float] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class Cell:
    """One cell: its customers, and for a sum or a mean the value's sum over those with one."""

    count: int
    summed: Decimal | None = None
    valued: int = 0  # customers with a value (a mean's denominator)


@dataclass(frozen=True)
class Crosstab:
    as_of_date: dt.date
    snapshot_id: int
    rows: Axis
    cols: Axis
    metric: str
    value: str | None
    value_is_amount: bool
    cells: dict[tuple[Any, Any], Cell]
    customers: int  # every customer of the scope (each is in exactly one cell)

    def cell(self, row: Any, col: Any) -> Cell:
        return self.cells.get((row, col), Cell(0))

    def figure(self, cell: Cell) -> int | Decimal | float | None:
        """The cell as the metric says: customers, the sum, or the mean (None: no value)."""
        if self.metric == "count":
            return cell.count
        if cell.summed is None or (self.metric == "avg" and not cell.valued):
            return None
        found = cell.summed if self.metric == "sum" else cell.summed / cell.valued
        if self.value_is_amount:
            return found.quantize(CENT, rounding=ROUND_HALF_UP)
        return float(found)

    def row_total(self, row: Any) -> Cell:
        return _added([c for (r, _), c in self.cells.items() if r == row])

    def col_total(self, col: Any) -> Cell:
        return _added([c for (_, k), c in self.cells.items() if k == col])

    def total(self) -> Cell:
        return _added(list(self.cells.values()))

    def _measure(self, cell: Cell) -> float:
        """What the shares are of: the summed value for a sum, else the customers."""
        if self.metric == "sum":
            return float(cell.summed or 0)
        return float(cell.count)

    def shares(self, row: Any, col: Any) -> tuple[float | None, float | None, float | None]:
        """The cell's share (of customers; of the summed value for a sum) of its row, of its
        column and of the total."""
        mine = self._measure(self.cell(row, col))
        return (
            _share(mine, self._measure(self.row_total(row))),
            _share(mine, self._measure(self.col_total(col))),
            _share(mine, self._measure(self.total())),
        )


def _added(cells: Sequence[Cell]) -> Cell:
    sums = [c.summed for c in cells if c.summed is not None]
    return Cell(
        sum(c.count for c in cells),
        sum(sums, Decimal(0)) if sums else None,
        sum(c.valued for c in cells),
    )


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# --- checking the request -----------------------------------------------------------------------


def _info(snapshot: Snapshot, name: str, parameter: str) -> ColumnInfo:
    if name in PERSONAL_FIELDS:
        raise Forbidden(
            f"{parameter}: {name!r} is personal data and cannot be a cross-tab's dimension or "
            "value (its values would be shown unmasked)",
            hint="choose a classification or an indicator",
        )
    info = snapshot.column(name)
    usable = info is not None and (
        info.kind in ("classification", "indicator") or name in CUSTOMER_DIMENSIONS
    )
    if info is None or not usable:
        raise InvalidRequest(
            f"{parameter}: {name[:100]!r} is not a classification or indicator of the published "
            "profile",
            hint="see GET /api/catalog for the classifications and indicators",
        )
    return info


def _breakpoints(text: str, parameter: str) -> list[float]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or len(parts) > MAX_BREAKPOINTS:
        raise InvalidRequest(
            f"{parameter}: give 1 to {MAX_BREAKPOINTS} breakpoints separated by commas, or "
            f"{QUINTILES!r}"
        )
    points = []
    for part in parts:
        try:
            number = float(part)
        except ValueError:
            raise InvalidRequest(f"{parameter}: {part[:30]!r} is not a number") from None
        if not math.isfinite(number):
            raise InvalidRequest(f"{parameter}: {part[:30]!r} is not a finite number")
        points.append(number)
    if any(b <= a for a, b in itertools.pairwise(points)):
        raise InvalidRequest(f"{parameter}: the breakpoints must increase")
    return points


# --- the dimensions as SQL ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Dimension:
    field: str
    kind: str
    info: ColumnInfo | None
    quintiles: bool = False
    points: list[float] = dataclasses.field(default_factory=list)

    def expression(self, snapshot: Snapshot) -> ColumnElement[Any]:
        if self.info is None:
            return sa.literal("", sa.Text())  # no column dimension: everything in one
        column = snapshot.table.c[self.field]
        if self.kind != "band":
            return column
        # The band's index: 0 below the first breakpoint .. len(points) from the last on.
        whens = [
            (column < sa.bindparam(None, p, sa.Float(), unique=True), i)
            for i, p in enumerate(self.points)
        ]
        return sa.case(*whens, else_=len(self.points)) if whens else sa.literal(0)


def _dimension(snapshot: Snapshot, axis: AxisRequest | None, parameter: str) -> _Dimension:
    if axis is None:
        return _Dimension("", "none", None)
    info = _info(snapshot, axis.field, parameter)
    bands_parameter = f"{parameter.removesuffix('s')}_bands"
    if info.type in ("number", "integer"):
        if not axis.bands:
            raise InvalidRequest(
                f"{bands_parameter}: {axis.field!r} is a number; give breakpoints (e.g. "
                f"0,100000,1000000) or {QUINTILES!r}"
            )
        if axis.bands.strip().lower() in QUINTILE_WORDS:
            return _Dimension(axis.field, "band", info, quintiles=True)
        return _Dimension(
            axis.field, "band", info, points=_breakpoints(axis.bands, bands_parameter)
        )
    if info.type != "text":
        raise InvalidRequest(f"{parameter}: {axis.field!r} is a {info.type}, not a dimension")
    if axis.bands:
        raise InvalidRequest(f"{bands_parameter}: {axis.field!r} is not a number; no bands")
    return _Dimension(axis.field, info.kind, info)


def _quintile_points(
    connection: sa.Connection,
    snapshot: Snapshot,
    path: str | None,
    filters: Filters,
    name: str,
) -> list[float]:
    """The scope's quintile breakpoints of `name` (its values at 20, 40, 60, 80%), each once."""
    column = snapshot.table.c[name]
    where = [*filters.where, column.is_not(None)]
    if path is not None:
        rendered, params = duckdb_sql(sa.and_(*where))
        sql = (
            f"SELECT quantile_disc({_quoted(name)}, [0.2, 0.4, 0.6, 0.8]) "
            f"FROM {parquet_source(path)} WHERE {rendered}"
        )
        found = columnar.query_file(path, sql, params)
        values = next(iter(found[0].values())) if found else None
        points = [float(v) for v in values or []]
    else:
        total = connection.execute(sa.select(sa.func.count()).where(*where)).scalar_one()
        points = []
        for k in (1, 2, 3, 4):
            offset = (int(total) * k) // 5
            if total and offset < total:
                value = connection.execute(
                    sa.select(column).where(*where).order_by(column).offset(offset).limit(1)
                ).scalar_one()
                points.append(float(value))
    return sorted(set(points))


def _quoted(name: str) -> str:
    rendered, _ = duckdb_sql(sa.column(name))
    return rendered


# --- the answer ---------------------------------------------------------------------------------


def crosstab(db: sa.Engine, principal: Principal, request: CrosstabRequest) -> Crosstab:
    """The cross-tab of the principal's scope; audited `view_crosstab` (no customer named)."""
    found = _crosstab(db, principal, request)
    detail = {
        "rows": request.rows.field,
        "cols": request.cols.field if request.cols else None,
        "metric": request.metric,
        "value": request.value,
        "customers": found.customers,
    }
    audit_read(db, principal, "view_crosstab", [], detail)
    return found


def _crosstab(db: sa.Engine, principal: Principal, request: CrosstabRequest) -> Crosstab:
    if request.metric not in METRICS:
        raise InvalidRequest(f"metric: {request.metric[:30]!r} is not one of {', '.join(METRICS)}")
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        rows = _dimension(snapshot, request.rows, "rows")
        cols = _dimension(snapshot, request.cols, "cols")
        value_info: ColumnInfo | None = None
        if request.metric != "count":
            if not request.value:
                raise InvalidRequest(f"value: a number indicator to {request.metric}")
            value_info = _info(snapshot, request.value, "value")
            if value_info.type not in ("number", "integer"):
                raise InvalidRequest(f"value: {request.value!r} is not a number indicator")
        path, filters = filters_on(
            connection, principal, snapshot, CustomerQuery(), purpose="crosstab"
        )
        dims = []
        for dim in (rows, cols):
            if dim.quintiles:
                points = _quintile_points(connection, snapshot, path, filters, dim.field)
                dim = _Dimension(dim.field, dim.kind, dim.info, points=points)
            dims.append(dim)
        rows, cols = dims
        raw = _grouped(connection, snapshot, path, filters, rows, cols, request, value_info)
    amount = value_info is not None and _is_amount(snapshot, value_info.name)
    cells: dict[tuple[Any, Any], Cell] = {}
    for r, c, count, summed, valued in raw:
        cells[(r, c)] = _cell(int(count), summed, int(valued or 0))
    row_axis = _axis(snapshot, rows, {k[0] for k in cells})
    col_axis = _axis(snapshot, cols, {k[1] for k in cells})
    return Crosstab(
        as_of_date=snapshot.as_of_date,
        snapshot_id=snapshot.snapshot_id,
        rows=row_axis,
        cols=col_axis,
        metric=request.metric,
        value=request.value if request.metric != "count" else None,
        value_is_amount=amount,
        cells=cells,
        customers=sum(c.count for c in cells.values()),
    )


def _cell(count: int, summed: Any, valued: int) -> Cell:
    return Cell(count, None if summed is None else Decimal(str(summed)), valued)


def _is_amount(snapshot: Snapshot, name: str) -> bool:
    indicator = snapshot.indicators.get(name)
    return indicator is not None and indicator.unit == "yuan"


def _grouped(
    connection: sa.Connection,
    snapshot: Snapshot,
    path: str | None,
    filters: Filters,
    rows: _Dimension,
    cols: _Dimension,
    request: CrosstabRequest,
    value_info: ColumnInfo | None,
) -> list[tuple[Any, ...]]:
    """(row key, col key, customers, sum of the value, customers with a value) per cell."""
    r, c = rows.expression(snapshot), cols.expression(snapshot)
    if value_info is not None:
        value = snapshot.table.c[value_info.name]
        amount = _is_amount(snapshot, value_info.name)
        # amounts summed as exact cents (the profile holds them as doubles)
        part = sa.cast(value, sa.Numeric(18, 2)) if amount else value
        summed: ColumnElement[Any] = sa.func.sum(part)
        valued: ColumnElement[Any] = sa.func.count(value)
    else:
        summed, valued = sa.null(), sa.literal(0)
    select = [r, c, sa.func.count(), summed, valued]
    if path is None:
        found = connection.execute(
            sa.select(*(e.label(f"x{i}") for i, e in enumerate(select)))
            .where(*filters.where)
            .group_by(r, c)
        ).all()
        result = [tuple(row) for row in found]
    else:
        parts, params = [], []
        for expression in select:
            sql, bound = duckdb_sql(expression)
            parts.append(sql)
            params += bound
        where = filters.duckdb_where()
        sql = (
            f"SELECT {', '.join(parts)} FROM {parquet_source(path)} WHERE {where.sql} GROUP BY ALL"
        )
        result = [tuple(d.values()) for d in columnar.query_file(path, sql, params + where.params)]
    if len({k[0] for k in result}) > MAX_VALUES or len({k[1] for k in result}) > MAX_VALUES:
        which = "rows" if len({k[0] for k in result}) > MAX_VALUES else "cols"
        raise InvalidRequest(
            f"{which}: more than {MAX_VALUES} values; choose bands or another dimension"
        )
    return result


def _axis(snapshot: Snapshot, dim: _Dimension, present: set[Any]) -> Axis:
    indicator = snapshot.indicators.get(dim.field) if dim.field else None
    item = snapshot.catalog.get(dim.field) if snapshot.catalog and dim.field else None
    if item is not None:
        zh, en = item.zh, item.en
    elif indicator is not None:
        zh, en = indicator.zh, indicator.en
    else:
        zh = en = dim.field
    if dim.kind == "none":
        return Axis("", "none", "合计", "All", [AxisValue("", "合计", "All")])
    if dim.kind == "band":
        values = _band_values(dim.points, present)
        return Axis(dim.field, "band", zh, en, values, list(dim.points))
    known: list[tuple[str, str]] = []
    if item is not None:  # the catalog's order and English labels
        labels = [(r.value, r.value_en or r.value) for r in rules_of(item) if r.value]
        labels.append((item.default, item.default_en or item.default))
        known = list(dict.fromkeys(labels))
    order = {v: i for i, (v, _) in enumerate(known)}
    english = dict(known)
    keys = sorted(present, key=lambda v: (v is None, order.get(v, len(order)), str(v)))
    values = [
        AxisValue(
            k,
            "未定义" if k is None else str(k),
            "Not defined" if k is None else english.get(k, str(k)),
        )
        for k in keys
    ]
    return Axis(dim.field, dim.kind, zh, en, values)


def _band_values(points: list[float], present: set[Any]) -> list[AxisValue]:
    values = []
    for index in range(len(points) + 1):
        low = points[index - 1] if index > 0 else None
        high = points[index] if index < len(points) else None
        label = _band_label(low, high)
        values.append(AxisValue(index, label, label, low, high))
    if None in present:
        values.append(AxisValue(None, "未定义", "Not defined"))
    return values


def _band_label(low: float | None, high: float | None) -> str:
    def text(x: float) -> str:
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"

    if low is None and high is not None:
        return f"< {text(high)}"
    if high is None and low is not None:
        return f">= {text(low)}"
    if low is not None and high is not None:
        return f"{text(low)} – {text(high)}"
    return "全部"


@dataclass(frozen=True)
class Choice:
    """A field the builder offers: its name, labels, and whether it needs bands (a number)."""

    field: str
    kind: str  # classification, indicator, customer
    zh: str
    en: str
    number: bool


def choices(db: sa.Engine) -> list[Choice]:
    """What the builder offers from the served profile: the classifications, the customer
    dimensions, then the indicators (numbers need bands); never a personal field."""
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
    found: list[Choice] = []
    for info in snapshot.columns:
        if info.name in PERSONAL_FIELDS or info.type not in ("text", "number", "integer"):
            continue
        if info.kind == "classification":
            item = snapshot.catalog.get(info.name) if snapshot.catalog else None
            zh, en = (item.zh, item.en) if item else (info.name, info.name)
        elif info.kind == "indicator":
            indicator = snapshot.indicators.get(info.name)
            zh, en = (indicator.zh, indicator.en) if indicator else (info.name, info.name)
        elif info.name in CUSTOMER_DIMENSIONS:
            zh = en = info.name  # the page labels these by its column names
        else:
            continue
        found.append(Choice(info.name, info.kind, zh, en, info.type != "text"))
    order = {"classification": 0, "customer": 1, "indicator": 2}
    return sorted(found, key=lambda c: order.get(c.kind, 3))


# --- export -------------------------------------------------------------------------------------

EXPORT_COLUMNS = ("row", "col", "customers", "value", "row_share", "col_share", "total_share")


def export_crosstab(
    db: sa.Engine, principal: Principal, request: CrosstabRequest, sink: RowSink
) -> Exported:
    """The cross-tab, one line per cell (then each row's and column's totals and the total),
    labels in the principal's language; audited `export` (aggregates: no customer named)."""
    if not principal.can(Permission.EXPORT):
        raise Forbidden("exporting needs the export permission")
    found = _crosstab(db, principal, request)
    english = principal.language == "en"
    everything = "All" if english else "合计"

    def name(value: AxisValue) -> str:
        return value.label_en if english else value.label

    sink.columns(EXPORT_COLUMNS if found.metric != "count" else _without_value())
    lines = 0
    for r in found.rows.values:
        for c in found.cols.values:
            cell = found.cell(r.key, c.key)
            _line(sink, found, name(r), name(c), cell, found.shares(r.key, c.key))
            lines += 1
    for r in found.rows.values:
        _line(sink, found, name(r), everything, found.row_total(r.key), (None, None, None))
    for c in found.cols.values:
        _line(sink, found, everything, name(c), found.col_total(c.key), (None, None, None))
    _line(sink, found, everything, everything, found.total(), (None, None, 1.0))
    detail = {
        "kind": "crosstab",
        "rows": request.rows.field,
        "cols": request.cols.field if request.cols else None,
        "metric": request.metric,
        "value": request.value,
        "customers": found.customers,
    }
    audit_read(db, principal, "export", [], detail)
    return Exported(f"crosstab-{found.as_of_date.isoformat()}", lines)


def _without_value() -> tuple[str, ...]:
    return tuple(c for c in EXPORT_COLUMNS if c != "value")


def _line(
    sink: RowSink,
    found: Crosstab,
    row: str,
    col: str,
    cell: Cell,
    shares: tuple[float | None, float | None, float | None],
) -> None:
    figure = [] if found.metric == "count" else [found.figure(cell)]
    sink.row([row, col, cell.count, *figure, *shares])

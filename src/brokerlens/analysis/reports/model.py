"""What a kept report is: its registration and its content as typed sheets.

A report is registered with the `report` decorator on its builder; the built-in ones
(`builtin.py`) register exactly as an addition would. Adding one, e.g. the branch daily report
from the metrics layer, is one decorated function in a module the reports package imports
(`reports/__init__.py` imports `builtin`; a new module goes beside it):

```python
@report(
    "branch_daily",  # the id: the file's stem, the API's and the CLI's name
    zh="营业部日报",
    en="Branch daily report",
    frequency="daily",
    level="branch",  # built once per branch: one `Output` per branch, `unit_id` set
    reads=("branch_metrics",),  # run-step outputs it needs (the "reports" step runs after them)
)
def branch_daily(ctx: ReportContext) -> list[Output]:
    table = ...  # an Arrow table of the day's figures, one row per ...
    return [
        Output(unit_id=branch, sheets=(Sheet("figures", "经营指标", "Figures", COLUMNS, rows),))
        for branch, rows in by_branch(table)
    ]
```

Frequencies (decided here, documented in docs/reports.md):
- daily: built by every run of T;
- weekly: built when T is the last trading day of its week (the SSE calendar);
- monthly: built by every run as the month to date (the period is T's month), and marked
  `final` when T is the last trading day of its month, so a month's assessment reads the
  report of that day, and a month cut short (a feed ends mid-month) still has its report.

Levels: `hq` reports are seen by head office (marketing and compliance); a `branch` or
`region` report is built once per unit and seen by that unit's manager and the managers above
it (region, head office). A report may also ask for a permission (`suitability_reports`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeVar, cast

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.config import Settings
from brokerlens.errors import ConfigError
from brokerlens.warehouse.layout import REPORT_PART, WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles

T = TypeVar("T")
Frequency = Literal["daily", "weekly", "monthly"]
Level = Literal["hq", "region", "branch"]
Format = Literal["yuan", "integer", "number", "percent", "date", "text"]
ChartType = Literal["line", "column", "pie"]
FREQUENCIES: tuple[Frequency, ...] = ("daily", "weekly", "monthly")
LEVELS: tuple[Level, ...] = ("hq", "region", "branch")


@dataclass(frozen=True)
class Column:
    """A sheet's column: its code (the snapshot's column name), its labels and how its numbers
    read. `yuan`: exact decimals (decimal128, to the cent) shown #,##0.00; `integer`: #,##0;
    `number`: #,##0.00; `percent`: a ratio (0.125) shown 12.50%; `date`; `text`."""

    name: str
    zh: str
    en: str
    format: Format = "text"

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class Chart:
    """A native Excel chart of the sheet: `category` the column on the x axis (a pie's
    slices), `values` the columns drawn as series."""

    type: ChartType
    category: str
    values: tuple[str, ...]
    zh: str = ""
    en: str = ""


@dataclass(frozen=True)
class Sheet:
    """One sheet of a report: `rows` an Arrow table holding (at least) the columns named in
    `columns`, in display order."""

    id: str  # the snapshot file's part: letters, digits, `_`, `-`
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: pa.Table
    chart: Chart | None = None

    def __post_init__(self) -> None:
        if not REPORT_PART.match(self.id):
            raise ConfigError(f"sheet id {self.id!r}: letters, digits, _ and - only")
        missing = [c.name for c in self.columns if c.name not in self.rows.column_names]
        if missing:
            raise ConfigError(f"sheet {self.id!r} lacks the columns {', '.join(missing)}")
        if self.chart is not None:
            names = {c.name for c in self.columns}
            wanted = [self.chart.category, *self.chart.values]
            unknown = [n for n in wanted if n not in names]
            if unknown:
                raise ConfigError(f"sheet {self.id!r}: the chart names {', '.join(unknown)}")

    def title(self, language: str) -> str:
        return self.en if language == "en" else self.zh

    @property
    def table(self) -> pa.Table:
        """The rows as kept: the declared columns only, in their order."""
        return self.rows.select([c.name for c in self.columns])


@dataclass(frozen=True)
class Output:
    """One built report: an HQ report's one, or one per unit of a branch / region report."""

    sheets: tuple[Sheet, ...]
    unit_id: str | None = None  # the branch or region (None: head office)
    unit_name: str | None = None


@dataclass(frozen=True)
class ReportContext:
    """What a builder reads: T and the kept files (through the warehouse layout), the lake's
    reference feeds (unit names), and the settings (installation's configuration)."""

    settings: Settings
    warehouse: WarehouseLayout
    lake: LakeFiles | None
    as_of: dt.date
    loaded_days: tuple[dt.date, ...] = ()
    # what one builder read, for the next one of the run (the KPI month: head office's report
    # and the branches' read it once)
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def remember(self, key: str, make: Callable[[], T]) -> T:
        """`make()` once per context: later calls with `key` answer the first's result."""
        if key not in self.memo:
            self.memo[key] = make()
        return cast(T, self.memo[key])

    def _reference(self, feed: str, key: str, columns: list[str]) -> dict[str, dict[str, Any]]:
        """A reference feed's rows as last delivered up to T, by key (empty without a lake)."""
        if self.lake is None:
            return {}
        rows: dict[str, dict[str, Any]] = {}
        for day, path in self.lake.catalog.files_of(self.lake.layout, feed):
            if day > self.as_of:
                break
            for row in pq.read_table(path, columns=[key, *columns]).to_pylist():
                rows[str(row[key])] = row
        return rows

    @cached_property
    def units(self) -> dict[str, Unit]:
        """The organisation's units as the feed stated them up to T, by id."""
        found = self._reference("org_units", "unit_id", ["parent_id", "unit_type", "name"])
        return {
            k: Unit(k, str(r["name"]), str(r["unit_type"]), r["parent_id"])
            for k, r in found.items()
        }

    @cached_property
    def staff_names(self) -> dict[str, str]:
        found = self._reference("staff", "staff_id", ["name"])
        return {k: str(r["name"]) for k, r in found.items()}

    @cached_property
    def staff_units(self) -> dict[str, str]:
        """Each staff member's unit as the feed stated it up to T, by staff id."""
        found = self._reference("staff", "staff_id", ["unit_id"])
        return {k: str(r["unit_id"]) for k, r in found.items() if r["unit_id"] is not None}

    def branch_of(self, unit_id: str | None) -> str | None:
        """The branch a unit is or lies under (a team's branch), or None."""
        seen: set[str] = set()
        while unit_id is not None and unit_id not in seen:
            seen.add(unit_id)
            unit = self.units.get(unit_id)
            if unit is None:
                return None
            if unit.type == "branch":
                return unit.id
            unit_id = unit.parent_id
        return None

    def unit_name(self, unit_id: str | None) -> str:
        """The unit's name, or its id when the feed names none ("" for no unit)."""
        if unit_id is None:
            return ""
        unit = self.units.get(unit_id)
        return unit.name if unit is not None else unit_id

    def branches(self) -> list[Unit]:
        """The branches (营业部) open as of T, by id: a branch-level report is built for each."""
        return sorted((u for u in self.units.values() if u.type == "branch"), key=lambda u: u.id)


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    type: str  # hq, region, branch, team
    parent_id: str | None


Builder = Callable[[ReportContext], list[Output]]


@dataclass(frozen=True)
class Report:
    id: str
    zh: str
    en: str
    frequency: Frequency
    level: Level
    build: Builder
    reads: tuple[str, ...] = ()  # run-step outputs the builder reads
    permission: str | None = None  # a permission the reader needs besides the level's roles
    description_zh: str = ""
    description_en: str = ""

    def name(self, language: str) -> str:
        return self.en if language == "en" else self.zh


_REPORTS: dict[str, Report] = {}


def report(
    report_id: str,
    *,
    zh: str,
    en: str,
    frequency: Frequency,
    level: Level,
    reads: tuple[str, ...] = (),
    permission: str | None = None,
    description_zh: str = "",
    description_en: str = "",
) -> Callable[[Builder], Builder]:
    """Register the decorated builder as the report `report_id` (see the module docstring)."""
    if not REPORT_PART.match(report_id) or "." in report_id:
        raise ConfigError(f"report id {report_id!r}: letters, digits, _ and - only")
    if frequency not in FREQUENCIES or level not in LEVELS:
        raise ConfigError(f"report {report_id!r}: frequency {frequency!r}, level {level!r}")

    def register(build: Builder) -> Builder:
        known = _REPORTS.get(report_id)
        if known is not None and known.build.__qualname__ != build.__qualname__:
            raise ConfigError(f"report {report_id!r} is declared twice")
        _REPORTS[report_id] = Report(
            report_id,
            zh,
            en,
            frequency,
            level,
            build,
            reads,
            permission,
            description_zh,
            description_en,
        )
        return build

    return register


def registered_reports() -> dict[str, Report]:
    """Every registered report by id, in the order registered."""
    return dict(_REPORTS)


def unregister(report_id: str) -> None:
    """Forget a report (tests register their own and remove them again)."""
    _REPORTS.pop(report_id, None)

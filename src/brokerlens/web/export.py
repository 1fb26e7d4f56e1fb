"""Downloads of a list: CSV (UTF-8 with a BOM, so Excel reads Chinese) or Excel (xlsxwriter).

One writer for both formats. `access` streams an export's rows (masked, audited) into a
`TableWriter`, which presents them:
- by default for people: Chinese column headers (`i18n.column_label`), labelled values
  (`enum_label`: 个人 not individual), amounts exact and rounded to cents, numbers as numbers,
  dates as dates in Excel;
- with `codes=True` for machines: the column codes and the values as stored (numbers still
  numbers, amounts still rounded to cents).
Excel holds 1,048,576 rows a sheet (the header included): a longer export goes on in further
sheets, each with the header. The file is written to a temporary file and sent from there. The
number formats, header style and column widths are the kept reports' (`analysis.reports.excel`).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal, cast
from urllib.parse import quote

import sqlalchemy as sa
import xlsxwriter
from fastapi import Query
from fastapi.encoders import jsonable_encoder
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from brokerlens.access.exports import Exported, RowSink
from brokerlens.access.org import OrgNames, org_names
from brokerlens.access.snapshot import served_snapshot
from brokerlens.analysis.reports.excel import (
    EXCEL_MAX_ROWS,
    HEADER_STYLE,
    NUMBER_FORMATS,
    column_width,
)
from brokerlens.errors import NotFound
from brokerlens.indicators import Indicators, builtin_indicators
from brokerlens.web.formatting import is_amount_column
from brokerlens.web.i18n import MESSAGES, column_label, enum_label, translate

Format = Literal["csv", "xlsx"]
CENT = Decimal("0.01")
RATIO_DIGITS = 6  # a ratio's decimals (0.123457 = 12.3457%)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
RATIO_UNITS = ("ratio", "percent", "pct")
UNIT_COLUMNS = ("branch_id", "team_id", "unit_id", "region_id")
ID_TYPES = ("id_card", "passport", "hk_mo_pass", "business_license", "other")
PERSON_COLUMNS = ("staff_id", "servicer_id", "broker_id")


@dataclass(frozen=True)
class Presentation:
    """How an export reads: the language, raw codes or labels, the columns' names and units."""

    language: str = "zh"
    codes: bool = False
    indicators: Indicators | None = None
    labels: Mapping[str, str] = field(default_factory=dict)  # column -> header, before i18n
    # column -> value -> label, before `enum_label` (a report's own codes: a finding's kind)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    amounts: frozenset[str] = frozenset()  # amounts (元) the column name does not tell
    org: OrgNames | None = None  # unit and staff names for the code columns (labels only)

    def header(self, name: str) -> str:
        if self.codes:
            return name
        if name in self.labels:
            return self.labels[name]
        key = f"export.col.{name}"
        if key in MESSAGES:
            return translate(key, self.language)
        return column_label(name, self.language, self.indicators)

    def is_ratio(self, name: str) -> bool:
        known = self.indicators if self.indicators is not None else builtin_indicators()
        indicator = known.get(name)
        if indicator is not None:
            return indicator.unit in RATIO_UNITS
        return name.endswith(("_rate", "_share", "_pct", "_ratio"))

    def is_amount(self, name: str) -> bool:
        if name in self.amounts:
            return True
        known = self.indicators if self.indicators is not None else builtin_indicators()
        indicator = known.get(name)
        if indicator is not None:
            return indicator.unit == "yuan"
        return is_amount_column(name) and not self.is_ratio(name)


def excel_text(value: str) -> str:
    """A CSV text cell a spreadsheet would run as a formula, quoted."""
    if value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


_RATIO_PLACES = Decimal(1).scaleb(-RATIO_DIGITS)


class _Column:
    """One column's presentation, decided once: its header, number rounding and labels."""

    __slots__ = ("amount", "cache", "codes", "labelled", "name", "ratio", "show")

    def __init__(self, name: str, show: Presentation) -> None:
        self.name = name
        self.show = show
        self.codes = show.codes
        self.amount = show.is_amount(name)
        self.ratio = show.is_ratio(name)
        has_list = enum_label(name, "", show.language) is not None
        named = show.org is not None and name in (*UNIT_COLUMNS, *PERSON_COLUMNS)
        self.labelled = not show.codes and (named or name in show.values or has_list)
        self.cache: dict[str, str] = {}  # code -> label (a labelled column has few codes)

    def text(self, value: str) -> str:
        if not self.labelled:
            return value
        found = self.cache.get(value)
        if found is None:
            found = self.cache[value] = self._label(value)
        return found

    def _label(self, text: str) -> str:
        show, name = self.show, self.name
        if show.org is not None and name in UNIT_COLUMNS:
            return show.org.unit(text) or text
        if show.org is not None and name in PERSON_COLUMNS:
            return show.org.person(text) or text
        own = show.values.get(name)
        if own is not None and text in own:
            return own[text]
        return enum_label(name, text, show.language) or text

    def number(self, value: float | Decimal) -> Decimal | None:
        """An amount to the cent, anything else to 6 places: exact decimals, no float noise."""
        if isinstance(value, float):
            if not math.isfinite(value):
                return None
            if self.amount:
                return Decimal(f"{value:.2f}")
            return Decimal(f"{value:.{RATIO_DIGITS}f}").normalize()
        if not value.is_finite():
            return None
        if self.amount:
            return value.quantize(CENT, rounding=ROUND_HALF_UP)
        return value.quantize(_RATIO_PLACES, rounding=ROUND_HALF_UP).normalize()

    def value(self, value: Any) -> Any:
        """The cell: None, a label or text, an int, an exact Decimal, a date, or JSON text."""
        kind = type(value)
        if value is None or kind is str:
            return value if value is None else self.text(value)
        if kind is int:
            return value
        if kind is float or kind is Decimal:
            return self.number(value)
        if kind is bool:
            if self.codes:
                return "true" if value else "false"
            return translate("export.yes" if value else "export.no", self.show.language)
        if isinstance(value, dt.date):
            return value
        if isinstance(value, dict | list | tuple):
            return json.dumps(jsonable_encoder(value), ensure_ascii=False)
        if isinstance(value, int):
            return int(value)
        return self.text(str(value))


def _csv_cell(cell: Any) -> Any:
    if cell is None:
        return ""
    kind = type(cell)
    if kind is str:
        return excel_text(cell)
    if kind is Decimal:
        text = format(cell, "f")
        return "0" if text == "-0" else text
    if kind is dt.datetime:
        return cell.isoformat(sep=" ", timespec="seconds")
    if kind is dt.date:
        return cell.isoformat()
    return cell


class TableWriter:
    """A `RowSink` writing CSV or xlsx into a temporary file; `close()` answers its path."""

    def __init__(
        self,
        fmt: Format,
        presentation: Presentation,
        *,
        max_rows: int | None = None,
        directory: str | None = None,
    ) -> None:
        self.fmt = fmt
        self.show = presentation
        self.max_rows = max_rows if max_rows is not None else EXCEL_MAX_ROWS
        handle, self.path = tempfile.mkstemp(suffix=f".{fmt}", dir=directory)
        os.close(handle)
        self.names: list[str] = []
        self.headers: list[str] = []
        self.count = 0
        self._columns: list[_Column] = []
        self._styles: list[Any] = []
        self._csv_file: Any = None
        self._csv: Any = None
        self._book: Any = None
        self._sheet: Any = None
        self._sheet_rows = 0
        self._sheets = 0
        if fmt == "csv":
            self._csv_file = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
            self._csv = csv.writer(self._csv_file, lineterminator="\r\n")
        else:
            self._book = xlsxwriter.Workbook(
                self.path, {"constant_memory": True, "tmpdir": directory or tempfile.gettempdir()}
            )
            self._formats = {
                "amount": self._book.add_format({"num_format": NUMBER_FORMATS["yuan"]}),
                "ratio": self._book.add_format({"num_format": NUMBER_FORMATS["percent"]}),
                "date": self._book.add_format({"num_format": NUMBER_FORMATS["date"]}),
                "datetime": self._book.add_format({"num_format": NUMBER_FORMATS["datetime"]}),
                "header": self._book.add_format(HEADER_STYLE),
            }

    # -- RowSink ---------------------------------------------------------------------------

    def columns(self, names: Sequence[str]) -> None:
        self.names = [str(n) for n in names]
        self.headers = [self.show.header(n) for n in self.names]
        self._columns = [_Column(n, self.show) for n in self.names]
        if self._book is not None:
            self._styles = [
                self._formats["amount"] if c.amount else self._formats["ratio"] if c.ratio else None
                for c in self._columns
            ]
        if self._csv is not None:
            self._csv.writerow(self.headers)

    def row(self, values: Sequence[Any]) -> None:
        cells = [c.value(v) for c, v in zip(self._columns, values, strict=False)]
        self.count += 1
        if self._csv is not None:
            self._csv.writerow([_csv_cell(c) for c in cells])
            return
        if self._sheet is None or self._sheet_rows >= self.max_rows:
            self._new_sheet()
        row, sheet, styles, formats = self._sheet_rows, self._sheet, self._styles, self._formats
        for col, cell in enumerate(cells):
            if cell is None:
                continue
            kind = type(cell)
            if kind is str:
                sheet.write_string(row, col, cell)
            elif kind is Decimal or kind is int:
                # A Decimal goes in as itself: the cell reads 89.82, not float's 89.81999999999999.
                style = styles[col] if kind is Decimal or self._columns[col].amount else None
                sheet.write_number(row, col, cast(float, cell), style)
            elif kind is dt.datetime:
                plain = cell.astimezone(dt.UTC).replace(tzinfo=None) if cell.tzinfo else cell
                sheet.write_datetime(row, col, plain, formats["datetime"])
            elif kind is dt.date:
                sheet.write_datetime(row, col, cell, formats["date"])
            else:
                sheet.write_string(row, col, str(cell))
        self._sheet_rows += 1

    def value(self, index: int, value: Any) -> Any:
        """One value as exported: a label, a rounded number, a date, or text."""
        return self._columns[index].value(value)

    def _new_sheet(self) -> None:
        self._sheets += 1
        name = translate("export.sheet", self.show.language, n=self._sheets)
        self._sheet = self._book.add_worksheet(name[:31])
        for col, header in enumerate(self.headers):
            self._sheet.write_string(0, col, header, self._formats["header"])
            self._sheet.set_column(col, col, max(10, column_width(header)))
        self._sheet.freeze_panes(1, 0)
        self._sheet_rows = 1

    # -- the file ----------------------------------------------------------------------------

    def close(self) -> str:
        if self._csv_file is not None:
            self._csv_file.close()
        if self._book is not None:
            if self._sheet is None:
                self._new_sheet()  # the header alone: an empty list still has its columns
            self._book.close()
        return self.path

    def discard(self) -> None:
        try:
            if self._csv_file is not None:
                self._csv_file.close()
            if self._book is not None:
                self._book.close()
        except Exception:
            pass
        finally:
            if os.path.exists(self.path):
                os.unlink(self.path)


def with_names(show: Presentation, db: sa.Engine) -> Presentation:
    """The presentation with the org's unit and staff names and the served catalog's
    classification names (none needed for raw codes)."""
    if show.codes:
        return show
    labels = dict(show.labels)
    try:
        catalog = served_snapshot(db).catalog
    except NotFound:
        catalog = None
    for item in catalog.classifications if catalog is not None else []:
        labels.setdefault(item.id, item.en if show.language == "en" else item.zh)
    values = {k: dict(v) for k, v in show.values.items()}
    values.setdefault("id_type", {})
    for code in ID_TYPES:
        values["id_type"].setdefault(code, translate(f"export.id_type.{code}", show.language))
    values.setdefault("catalog_version", {"default": translate("export.default", show.language)})
    return dataclasses.replace(show, org=org_names(db), labels=labels, values=values)


def export_response(
    write: Callable[[RowSink], Exported],
    fmt: Format,
    presentation: Presentation,
    *,
    db: sa.Engine | None = None,
    max_rows: int | None = None,
) -> Response:
    """Run an `access` export into a CSV or xlsx file and send it (deleted once sent); with
    `db`, unit and staff codes read as names unless the export is of raw codes."""
    if db is not None:
        presentation = with_names(presentation, db)
    writer = TableWriter(fmt, presentation, max_rows=max_rows)
    try:
        done = write(writer)
        path = writer.close()
    except BaseException:
        writer.discard()
        raise
    filename = f"{done.name}.{fmt}"
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store",
        },
        background=BackgroundTask(os.unlink, path),
    )


# The suitability reports' columns: column -> message id of the header.
REPORT_HEADERS = {
    "assessment_id": "suit.assessment",
    "customer_id": "audit.customer",
    "branch_id": "suit.branch",
    "version": "suit.version",
    "delivered": "suit.delivered",
    "rescored": "suit.rescored",
    "detail": "suit.detail",
    "state": "suit.validity",
    "expire_date": "suit.expire_date",
    "days_left": "export.col.days_left",
    "risk_class": "suit.class",
    "allowed": "export.col.allowed",
    "item_id": "export.col.item_id",
    "name": "export.col.item_name",
    "grade": "suit.grade",
    "market_value": "suit.market_value",
    "reason": "suit.reason",
}
REPORT_KIND_HEADER = {"findings": "suit.kind", "holdings_above_class": "export.col.item_kind"}
FINDING_KINDS = (
    "unknown_version",
    "unscorable",
    "score",
    "class",
    "horizon",
    "lowest_category",
    "expire_date",
)


def report_presentation(language: str, codes: bool, report: str) -> Presentation:
    """How a suitability report's export reads: its headers and its own codes in words."""
    labels = {c: translate(m, language) for c, m in REPORT_HEADERS.items()}
    labels["kind"] = translate(REPORT_KIND_HEADER.get(report, "suit.kind"), language)
    states = ("valid", "expiring", "expired", "missing")
    values: dict[str, dict[str, str]] = {
        "state": {s: translate(f"suit.state.{s}", language) for s in states},
    }
    if report == "findings":
        values["kind"] = {k: translate(f"suit.kind.{k}", language) for k in FINDING_KINDS}
    else:
        values["kind"] = {
            k: translate(f"export.item_kind.{k}", language) for k in ("security", "product")
        }
    return Presentation(language=language, codes=codes, labels=labels, values=values)


CODES_HELP = "1: column codes and raw values as stored (for systems), not Chinese labels"
CodesQuery = Annotated[bool, Query(description=CODES_HELP)]


ALERT_STATUSES = ("new", "acknowledged", "handled", "dismissed")
ACTIVATION_KINDS = ("dormant", "empty")
ACTIVATION_BASES = (
    "source_status",
    "no_trade_window",
    "no_trade_in_history",
    "emptied",
    "never_funded",
)


def alerts_presentation(language: str, codes: bool) -> Presentation:
    """The alert export: an alert's status in words."""
    status = {s: translate(f"alerts.status.{s}", language) for s in ALERT_STATUSES}
    return Presentation(language=language, codes=codes, values={"status": status})


def activation_presentation(
    language: str, codes: bool, indicators: Indicators | None = None
) -> Presentation:
    """The activation export: the kind of account and the basis of its finding in words."""
    values = {
        "kind": {k: translate(f"act.kind.{k}", language) for k in ACTIVATION_KINDS},
        "basis": {b: translate(f"act.basis.{b}", language) for b in ACTIVATION_BASES},
    }
    return Presentation(
        language=language,
        codes=codes,
        indicators=indicators,
        values=values,
        amounts=frozenset({"cash", "total_assets", "peak_assets", "recent_inflow"}),
    )


PRODUCT_STATUSES = ("on_sale", "closed", "liquidated")


def products_presentation(language: str, codes: bool) -> Presentation:
    """The product list's export: headers in words, the sales and holdings as amounts."""
    labels = {
        c: translate(f"prod.col.{c}", language)
        for c in (
            "product_id",
            "name",
            "manager",
            "return_1m",
            "return_3m",
            "return_1y",
            "return_ytd",
            "max_drawdown",
            "sharpe_1y",
            "stars",
            "holders",
            "holding_value",
            "sales",
            "redemptions",
            "net_sales",
        )
    }
    return Presentation(
        language=language,
        codes=codes,
        labels=labels,
        values={"status": {s: translate(f"prod.status.{s}", language) for s in PRODUCT_STATUSES}},
        amounts=frozenset({"holding_value", "sales", "redemptions", "net_sales"}),
    )


def targets_presentation(language: str, codes: bool) -> Presentation:
    """A product's target customers (issue 16 section 3): headers in words; the servicer and
    the branch by name (`with_names`); the score as the model's probability."""
    labels = {
        c: translate(f"rec.col.{c}", language)
        for c in (
            "customer_id",
            "name",
            "branch_id",
            "staff_id",
            "customer_tier",
            "regulatory_class",
            "rank",
            "score",
            "reasons",
        )
    }
    return Presentation(language=language, codes=codes, labels=labels)

"""Customer list (filters, sort, pages via htmx) and the customer 360 with charts and why."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from markupsafe import Markup, escape
from starlette.responses import Response

from brokerlens.access import (
    customer_360,
    customer_assets,
    explain_customer,
    list_customers,
    list_staff,
    org_tree,
    reveal,
)
from brokerlens.access.detail import charts_at_hand
from brokerlens.access.holdings import customer_holdings
from brokerlens.access.segment_static import addable_groups
from brokerlens.auth.principal import Permission
from brokerlens.errors import InvalidRequest
from brokerlens.indicators import Indicators, builtin_indicators
from brokerlens.web.api.customers import CustomerListParams
from brokerlens.web.deps import CsrfDep
from brokerlens.web.filters import ClassificationChoice, classification_choices, columns_of
from brokerlens.web.formatting import is_amount_column, value_html
from brokerlens.web.i18n import MESSAGES, enum_label, translate
from brokerlens.web.i18n import column_label as known_column
from brokerlens.web.i18n import column_label as label_of
from brokerlens.web.pages.common import ReaderPageDep
from brokerlens.web.pages.customer360 import (
    PERIODS,
    IndicatorItem,
    charts_360,
    fragment_or_page,
    indicator_groups,
    period_of,
    signed_amount,
    signed_pct,
)
from brokerlens.web.quantities import QuantityError, Unit, parse_amount, plain_number
from brokerlens.web.rules import MARKS, Vocabulary, explained_rules

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

LIST_COLUMNS = (
    "customer_id",
    "name",
    "branch_id",
    "service_level",
    "customer_tier",
    "total_assets_t",
    "avg_assets_3m",
    "available_cash_t",
    "net_commission_ytd",
    "return_6m",
    "activity",
    "profitability",
    "open_date",
)
RANGE_FIELDS = (
    "total_assets_t",
    "avg_assets_3m",
    "available_cash_t",
    "net_commission_last_year",
    "return_6m",
    "monthly_turnover",
)
TABLE_SECTIONS = (
    ("positions", "c360.positions"),
    ("product_holdings", "c360.products"),
    ("recent_trades", "c360.trades"),
    ("transfers", "c360.transfers"),
    ("agreements", "c360.agreements"),
    ("contacts", "c360.contacts"),
    ("relationships", "c360.relationships"),
)
HOLDING_SECTIONS = ("positions", "product_holdings")  # shown as the holdings tables
PII_FIELDS = ("id_no", "phone", "email", "birth_date")  # birth_date shows as an age band
PROFILE_FIELDS = (
    "customer_type",
    "gender",
    "birth_date",
    "city",
    "open_date",
    "open_channel",
    "investor_class",
    "status",
    "id_no",
    "phone",
    "email",
)


@dataclass(frozen=True)
class ListColumn:
    name: str
    label: str
    kind: str  # amount, number, integer, text, date

    @property
    def numeric(self) -> bool:
        return self.kind in ("amount", "number", "integer")


@dataclass
class ListView:
    """The customer list page's context."""

    columns: list[ListColumn]
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    pages: int
    sort: str | None
    desc: bool
    filters: list[str]
    params: list[tuple[str, str]]
    choices: list[ClassificationChoice] = field(default_factory=list)
    ranges: list[RangeInput] = field(default_factory=list)
    can_export: bool = False

    @property
    def range_errors(self) -> bool:
        """A range bound could not be read (its message shows beside the field)."""
        return any(r.error for r in self.ranges)

    def url(self, **changes: Any) -> str:
        """This list's URL with some parameters changed (sort, page)."""
        keep = [(k, v) for k, v in self.params if k not in changes]
        for key, value in changes.items():
            if value is not None and value != "":
                keep.append((key, str(value).lower() if isinstance(value, bool) else str(value)))
        return "/customers?" + urlencode(keep)

    def query_string(self, drop: tuple[str, ...] = ("page",)) -> str:
        return urlencode([(k, v) for k, v in self.params if k not in drop])

    def segment_url(self) -> str:
        return "/segments/new?" + urlencode([("f", f) for f in self.filters])


def column_label(
    name: str, snapshot: Any, language: str, indicators: Indicators | None = None
) -> str:
    catalog = getattr(snapshot, "catalog", None)
    item = catalog.get(name) if catalog is not None else None
    if item is not None:
        return str(item.en if language == "en" else item.zh)
    indicator = (indicators if indicators is not None else builtin_indicators()).get(name)
    if indicator is not None:
        return indicator.en if language == "en" else indicator.zh
    for key in (f"field.{name}", f"cust.{name.removesuffix('_id')}"):
        if key in MESSAGES:
            return MESSAGES[key][1 if language == "en" else 0]

    return known_column(name, language, indicators)


def column_kind(name: str, type_: str) -> str:
    if type_ in ("number", "integer"):
        return "amount" if is_amount_column(name) else type_
    return type_


PERCENT_UNITS = ("ratio", "percent", "pct")


def range_unit(name: str, indicators: Indicators | None = None) -> Unit:
    """A range filter's unit: percent for an indicator kept as a ratio, else 元."""
    indicator = (indicators if indicators is not None else builtin_indicators()).get(name)
    if indicator is not None and indicator.unit in PERCENT_UNITS:
        return "percent"
    return "amount"


@dataclass(frozen=True)
class RangeInput:
    """One range filter of the panel: its label with the unit, the typed bounds, any error."""

    name: str
    label: str
    unit: Unit
    lo: str
    hi: str
    error: str | None = None


def _range_filters(
    request: Request, indicators: Indicators | None, language: str
) -> tuple[list[str], dict[str, tuple[str, str, str | None]]]:
    """`min_<field>` / `max_<field>` inputs of the filter panel as ge / le conditions.

    Each bound is read by `parse_amount` ("100万", "1.5亿", "50%"); a bound that is not one is
    left out of the query and answered as a message beside its field (the other filters hold).
    """
    found: list[str] = []
    values: dict[str, tuple[str, str, str | None]] = {}
    for name in RANGE_FIELDS:
        unit = range_unit(name, indicators)
        lo = request.query_params.get(f"min_{name}", "").strip()[:64]
        hi = request.query_params.get(f"max_{name}", "").strip()[:64]
        error: str | None = None
        parsed: dict[str, Decimal] = {}
        for bound, op in ((lo, "ge"), (hi, "le")):
            if not bound:
                continue
            try:
                parsed[op] = parse_amount(bound, unit)
            except QuantityError:
                error = translate(f"cust.range_bad.{unit}", language, value=bound)
        if error is None and len(parsed) == 2 and parsed["ge"] > parsed["le"]:
            error = translate("cust.range_order", language)
        if error is None:
            found.extend(f"{name}:{op}:{plain_number(v)}" for op, v in parsed.items())
        values[name] = (lo, hi, error)
    return found, values


def list_view(page: Any, params: CustomerListParams, request: Request) -> ListView:
    snapshot = page.snapshot()
    indicators = page.indicators()
    ranges, range_values = _range_filters(request, indicators, page.language)
    params.filters = [f for f in params.filters if f] + ranges
    result = list_customers(page.db, page.principal, params.query())
    columns_info = columns_of(snapshot)
    names = [c for c in LIST_COLUMNS if c in columns_info] or list(columns_info)[:10]
    columns = [
        ListColumn(
            n,
            column_label(n, snapshot, page.language, indicators),
            column_kind(n, columns_info[n].type),
        )
        for n in names
    ]
    kept = [(k, v) for k, v in request.query_params.multi_items() if v != "" and k not in ("page",)]
    return ListView(
        columns=columns,
        rows=list(result.rows),
        total=result.total,
        page=result.page,
        page_size=result.page_size,
        pages=max(1, -(-result.total // result.page_size)),
        sort=params.sort,
        desc=params.desc,
        filters=params.filters,
        params=kept,
        choices=classification_choices(snapshot),
        ranges=[
            RangeInput(
                n,
                column_label(n, snapshot, page.language, indicators),
                range_unit(n, indicators),
                *range_values.get(n, ("", "", None)),
            )
            for n in RANGE_FIELDS
            if n in columns_info
        ],
        can_export=page.principal.can(Permission.EXPORT),
    )


@router.get("/customers")
def customers_page(
    page: ReaderPageDep, request: Request, params: Annotated[CustomerListParams, Depends()]
) -> Response:
    view = list_view(page, params, request)
    if page.htmx and view.range_errors:
        # The message goes beside its field, outside the table htmx swaps: load the whole page.
        return Response(status_code=200, headers={"HX-Redirect": _here(request)})
    groups = addable_groups(page.db, page.principal)  # issue 25: "add to group"
    if page.htmx and request.headers.get("HX-Target") == "customer-table":
        return page.render(
            "_customer_table.html", {"view": view, "groups": groups}, active="customers"
        )
    return page.render(
        "customers.html",
        {"view": view, "org": org_options(page), "staff": staff_options(page), "groups": groups},
        active="customers",
        status_code=422 if view.range_errors else 200,
    )


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def org_options(page: Any) -> dict[str, list[tuple[str, str]]]:
    """Branches and teams the user can pick, from the org tree in their scope."""
    options: dict[str, list[tuple[str, str]]] = {"branch": [], "team": []}

    def walk(node: Any) -> None:
        kind = _get(node, "unit_type")
        if kind in options:
            options[kind].append((str(_get(node, "unit_id")), str(_get(node, "name"))))
        for child in _get(node, "children") or []:
            walk(child)

    tree = org_tree(page.db, page.principal)
    for node in tree if isinstance(tree, list) else [tree]:
        walk(node)
    return options


MAX_STAFF_CHOICES = 3000  # beyond this the staff filter stays a typed code


def staff_options(page: Any) -> list[tuple[str, list[tuple[str, str]]]] | None:
    """The staff the user can pick by name, grouped by unit; None: too many for a select."""
    people = list_staff(page.db, page.principal)
    if len(people) > MAX_STAFF_CHOICES:
        return None
    groups: dict[str, list[tuple[str, str]]] = {}
    for person in people:
        unit = person.unit_name or person.unit_id
        groups.setdefault(unit, []).append((person.staff_id, person.name))
    return list(groups.items())


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


# --- customer 360 ------------------------------------------------------------------------------


RISK_FIELDS = (
    "assessment_id",
    "assess_date",
    "questionnaire_version",
    "score",
    "risk_class",
    "horizon",
    "varieties",
    "expire_date",
)


@dataclass
class RiskView:
    """The risk assessment card: labelled fields, the answers as a list, whether it expired."""

    fields: list[tuple[str, str, Any]]  # name, label, value as HTML
    answers: list[tuple[str, str]]
    expired: bool


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def risk_view(risk: dict[str, Any] | None, as_of: Any, language: str) -> RiskView | None:
    if not risk:
        return None
    expire, today = _as_date(risk.get("expire_date")), _as_date(as_of)
    expired = expire is not None and today is not None and expire < today
    fields: list[tuple[str, str, Any]] = []
    for name in RISK_FIELDS:
        if name not in risk:
            continue
        value = risk[name]
        if name == "varieties":
            items = _json(value)
            if isinstance(items, list):
                html: Any = Markup("、" if language == "zh" else ", ").join(
                    escape(enum_label("varieties", str(v), language) or str(v)) for v in items
                )
            else:
                html = escape(str(items)) if items is not None else value_html(None, name)
        elif name == "expire_date" and expired:
            html = Markup('<span class="expired">{} · {}</span>').format(
                value_html(value, name, language), translate("c360.expired", language)
            )
        else:
            html = value_html(value, name, language)
        fields.append((name, label_of(name, language), html))
    answers_raw = _json(risk.get("answers"))
    answers: list[tuple[str, str]] = []
    if isinstance(answers_raw, dict):
        answers = [(str(k), str(v)) for k, v in answers_raw.items()]
    elif isinstance(answers_raw, list):
        answers = [(str(i + 1), str(v)) for i, v in enumerate(answers_raw)]
    elif answers_raw is not None:
        answers = [("", str(answers_raw))]
    return RiskView(fields, answers, expired)


def indicator_items(
    values: dict[str, Any], language: str, indicators: Indicators | None = None
) -> list[IndicatorItem]:
    return [
        IndicatorItem(
            k,
            label_of(k, language, indicators),
            value_html(v, k, language, indicators=indicators),
        )
        for k, v in values.items()
    ]


@router.get("/customers/{customer_id}")
def customer_page(customer_id: str, page: ReaderPageDep, period: str | None = None) -> Response:
    """The 360, with its charts when the run's lookup holds their series (a read by key);
    else the charts slot loads them from the lake beside the suitability and alerts slots, so
    the page shows at once."""
    data = customer_360(page.db, page.settings, page.principal, customer_id)
    charts = None
    if charts_at_hand(page.settings, data["as_of_date"]):
        assets = customer_assets(page.db, page.settings, page.principal, customer_id, charts=True)
        charts = charts_360(assets.points, page.language)
    customer = data.get("customer") or {}
    indicators = page.indicators()
    holdings = customer_holdings(
        page.settings,
        customer_id,
        data["as_of_date"],
        data.get("positions") or [],
        data.get("product_holdings") or [],
    )
    context = {
        "c": data,
        "customer": customer,
        "profile_fields": [f for f in PROFILE_FIELDS if f in customer],
        "pii_fields": PII_FIELDS,
        "can_reveal": page.principal.can(Permission.REVEAL_PII),
        "sections": [(key, label) for key, label in TABLE_SECTIONS if key not in HOLDING_SECTIONS],
        "holdings": holdings,
        "signed_amount": signed_amount,
        "signed_pct": signed_pct,
        "charts": charts,
        "customer_id": customer_id,
        "period": period_of(period),
        "periods": PERIODS,
        "indicators": data.get("indicators") or {},
        "indicator_groups": indicator_groups(
            data.get("indicators") or {}, page.language, indicators
        ),
        "risk": risk_view(data.get("risk_assessment"), data.get("as_of_date"), page.language),
    }
    return page.render("customer.html", context, active="customers")


@router.get("/customers/{customer_id}/charts")
def charts_partial(customer_id: str, page: ReaderPageDep, period: str | None = None) -> Response:
    """The 360's charts (a fragment): assets against the index, the mix, the daily P&L."""
    moved = fragment_or_page(page, customer_id, "charts")
    if moved is not None:
        return moved
    assets = customer_assets(page.db, page.settings, page.principal, customer_id, charts=True)
    context = {
        "customer_id": customer_id,
        "charts": charts_360(assets.points, page.language),
        "period": period_of(period),
        "periods": PERIODS,
    }
    return page.render("_customer_charts.html", context, active="customers")


@router.get("/customers/{customer_id}/why")
def why_partial(
    customer_id: str, page: ReaderPageDep, classification: str | None = None
) -> Response:
    moved = fragment_or_page(page, customer_id, "classifications")
    if moved is not None:
        return moved
    explanations = explain_customer(page.db, page.principal, customer_id, classification)
    vocab = Vocabulary.of(page.indicators(), page.language)
    words = {e.classification_id: explained_rules(e, vocab) for e in explanations}
    context = {
        "explanations": explanations,
        "words": words,
        "marks": MARKS,
        "customer_id": customer_id,
        "close_id": classification,
    }
    return page.render("_why.html", context, active="customers")


@router.post("/customers/{customer_id}/reveal")
def reveal_partial(
    customer_id: str,
    page: ReaderPageDep,
    field: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    if not reason.strip():
        raise InvalidRequest(
            "reason: say why the value is needed", hint="it is kept in the audit log"
        )
    value = reveal(page.db, page.principal, customer_id, field, reason.strip())
    return page.render(
        "_revealed.html",
        {"field": field, "value": value, "at": dt.datetime.now()},
        active="customers",
    )

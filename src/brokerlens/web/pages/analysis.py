"""Business analysis pages (经营分析, issue 22 section 3): value and contribution (Pareto chart,
tables by tier and branch, the top lifetime contributors) and the cross-tab builder."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from brokerlens.access.crosstab import (
    QUINTILES,
    Axis,
    AxisValue,
    Choice,
    Crosstab,
    choices,
    crosstab,
)
from brokerlens.access.value import MAX_TOP, value_analysis
from brokerlens.errors import InvalidRequest
from brokerlens.web import formatting
from brokerlens.web.api.analysis import CrosstabParams
from brokerlens.web.deps import CsrfDep
from brokerlens.web.errors import status_of
from brokerlens.web.i18n import column_label, enum_label, error_text, translate
from brokerlens.web.pages.common import OrgLabels, Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

SHARES = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
UNIT_COLUMNS = ("branch_id", "region_id")
SHARE_KINDS = ("total", "row", "col")


@router.get("/analysis/value")
def value_page(
    page: ReaderPageDep,
    share: Annotated[float, Query(ge=0.5, le=0.99)] = 0.8,
    top: Annotated[int, Query(ge=1, le=MAX_TOP)] = 20,
) -> Response:
    found = value_analysis(page.db, page.principal, share=share, top=top)
    names = OrgLabels(page.db)
    curve = {
        "points": [[x, y] for x, y in found.curve],
        "share": found.share,
        "needed": found.overall.customer_share,
        "names": [translate("ana.value.curve", page.language)],
        "x_name": translate("ana.value.x", page.language),
        "y_name": translate("ana.value.y", page.language),
    }
    branch_labels = {g.key: names.unit_text(g.key) for g in found.by_branch}
    context = {
        "v": found,
        "curve": curve,
        "shares": SHARES,
        "top_n": top,
        "branch_labels": branch_labels,
        "tier_en": _tier_english(page),
        "lang": page.language,
        "names": names,
    }
    return page.render("analysis_value.html", context, active="analysis_value")


def _tier_english(page: Page) -> dict[str, str]:
    snapshot = page.snapshot()
    catalog = snapshot.catalog if snapshot is not None else None
    item = catalog.get("customer_tier") if catalog is not None else None
    if item is None:
        return {}
    found = {r.value: r.value_en for r in item.rules if r.value and r.value_en}
    found[item.default] = item.default_en or item.default
    return found


def _choice_label(choice: Choice, language: str) -> str:
    if choice.kind == "customer":
        return column_label(choice.field, language)
    return choice.en if language == "en" else choice.zh


def _axis_name(axis: Axis, language: str) -> str:
    if axis.kind == "none":
        return translate("ana.ct.all", language)
    if axis.kind == "customer":
        return column_label(axis.field, language)
    return axis.en if language == "en" else axis.zh


def _value_label(axis: Axis, value: AxisValue, language: str, names: OrgLabels) -> str:
    if axis.kind == "none":
        return translate("ana.ct.all", language)
    if value.key is None:
        return translate("ana.ct.undefined", language)
    if axis.kind == "band":
        return _band_label(value, language)
    if axis.field in UNIT_COLUMNS:
        return names.unit_text(value.key)
    if axis.kind == "customer":
        return enum_label(axis.field, value.key, language) or str(value.key)
    return value.label_en if language == "en" else value.label


def _band_label(value: AxisValue, language: str) -> str:
    def show(x: float) -> str:
        return formatting.num(x, 0 if float(x).is_integer() else 2)

    if value.low is None and value.high is not None:
        return translate("ana.ct.below", language, x=show(value.high))
    if value.high is None and value.low is not None:
        return translate("ana.ct.from", language, x=show(value.low))
    if value.low is not None and value.high is not None:
        return f"{show(value.low)} – {show(value.high)}"
    return translate("ana.ct.all", language)


@router.get("/analysis/crosstab")
def crosstab_page(
    page: ReaderPageDep,
    params: Annotated[CrosstabParams, Depends()],
    share: Annotated[str, Query(max_length=10)] = "total",
) -> Response:
    names = OrgLabels(page.db)
    request = params.request
    found: Crosstab | None = None
    problem: str | None = None
    status = 200
    try:
        found = crosstab(page.db, page.principal, request)
    except InvalidRequest as exc:  # said on the page, beside the form
        status = status_of(exc)
        problem = error_text(status, exc.message, page.language)
    offered = choices(page.db)
    language = page.language
    query = {
        "rows": request.rows.field,
        "cols": request.cols.field if request.cols else "",
        "row_bands": request.rows.bands or "",
        "col_bands": (request.cols.bands if request.cols else None) or "",
        "metric": request.metric,
        "value": request.value or "",
    }
    context: dict[str, Any] = {
        "ct": found,
        "problem": problem,
        "query": query,
        "share": share if share in SHARE_KINDS else "total",
        "share_kinds": SHARE_KINDS,
        "dimensions": [(c.field, _choice_label(c, language), c.number) for c in offered],
        "numbers": [(c.field, _choice_label(c, language)) for c in offered if c.number],
        "metrics": ("count", "sum", "avg"),
        "quintiles": QUINTILES,
        "export_query": urlencode({k: v for k, v in query.items() if v}),
        "lang": language,
    }
    if found is not None:
        context["row_name"] = _axis_name(found.rows, language)
        context["col_name"] = _axis_name(found.cols, language)
        context["row_labels"] = [
            _value_label(found.rows, v, language, names) for v in found.rows.values
        ]
        context["col_labels"] = [
            _value_label(found.cols, v, language, names) for v in found.cols.values
        ]
        context["fig"] = lambda cell: _figure(found, cell, language)
    return page.render(
        "analysis_crosstab.html", context, active="analysis_crosstab", status_code=status
    )


def _figure(found: Crosstab, cell: Any, language: str) -> str:
    value = found.figure(cell)
    if found.metric == "count":
        return formatting.num(value)
    if value is None:
        return "—"
    if found.value_is_amount:
        return formatting.amount(value, language)
    return formatting.num(value, 2)

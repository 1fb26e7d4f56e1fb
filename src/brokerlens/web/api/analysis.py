"""Business analysis (经营分析, issue 22 section 3): value and contribution (Pareto, the top
lifetime contributors) and the cross-tab builder, within the caller's scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from starlette.responses import Response

from brokerlens.access.crosstab import (
    AxisRequest,
    Crosstab,
    CrosstabRequest,
    crosstab,
    export_crosstab,
)
from brokerlens.access.value import MAX_TOP, ParetoGroup, ValueAnalysis, value_analysis
from brokerlens.web.deps import CsrfDep, DbDep, ExporterDep, ReaderDep, customer_reader
from brokerlens.web.export import Format, Presentation, export_response
from brokerlens.web.i18n import translate

router = APIRouter(
    prefix="/api/analysis", tags=["analysis"], dependencies=[CsrfDep, Depends(customer_reader)]
)

ShareQuery = Annotated[
    float, Query(ge=0.5, le=0.99, description="the share of net commission (default 80%)")
]
TopQuery = Annotated[int, Query(ge=1, le=MAX_TOP, description="how many top contributors")]


def group_json(group: ParetoGroup) -> dict[str, Any]:
    return {
        "key": group.key,
        "customers": group.customers,
        "contributors": group.contributors,
        "commission": group.commission,
        "needed": group.needed,
        "customer_share": group.customer_share,
        "contributor_share": group.contributor_share,
    }


def value_json(found: ValueAnalysis) -> dict[str, Any]:
    return jsonable_encoder(
        {
            "as_of_date": found.as_of_date,
            "snapshot_id": found.snapshot_id,
            "measure": found.measure,
            "share": found.share,
            "overall": group_json(found.overall),
            "by_tier": [group_json(g) for g in found.by_tier],
            "by_branch": [group_json(g) for g in found.by_branch],
            "curve": [list(p) for p in found.curve],
            "top_measure": found.top_measure,
            "top": found.top,
        }
    )


@router.get("/value")
def value(db: DbDep, principal: ReaderDep, share: ShareQuery = 0.8, top: TopQuery = 20) -> Any:
    """How concentrated the scope's 12-month net commission is: the fewest customers making
    `share` of it (overall, by customer tier, by branch), the cumulative curve at every percent
    of the customers, and the `top` contributors by lifetime net commission (masked). Audited
    `view_value` with those customers."""
    return value_json(value_analysis(db, principal, share=share, top=top))


class CrosstabParams:
    """The cross-tab's query parameters, shared by the API, the page and the export."""

    def __init__(
        self,
        rows: Annotated[
            str,
            Query(
                max_length=100,
                description="the rows' dimension: a classification, a text indicator, "
                "branch_id / region_id / customer_type ..., or a number indicator with row_bands",
            ),
        ] = "customer_tier",
        cols: Annotated[
            str,
            Query(max_length=100, description="the columns' dimension (empty: one column)"),
        ] = "service_level",
        row_bands: Annotated[
            str | None,
            Query(
                max_length=1000,
                description="for a number: breakpoints (0,100000,1000000) or `quintiles`",
            ),
        ] = None,
        col_bands: Annotated[str | None, Query(max_length=1000)] = None,
        metric: Annotated[
            str, Query(max_length=20, description="count, sum or avg (of `value`)")
        ] = "count",
        value: Annotated[
            str | None, Query(max_length=100, description="the number indicator summed")
        ] = None,
    ) -> None:
        self.request = CrosstabRequest(
            rows=AxisRequest(rows, row_bands or None),
            cols=AxisRequest(cols, col_bands or None) if cols else None,
            metric=metric,
            value=value or None,
        )


CrosstabQuery = Annotated[CrosstabParams, Depends()]


def crosstab_json(found: Crosstab) -> dict[str, Any]:
    cells = []
    for r in found.rows.values:
        for c in found.cols.values:
            cell = found.cell(r.key, c.key)
            row_share, col_share, total_share = found.shares(r.key, c.key)
            cells.append(
                {
                    "row": r.key,
                    "col": c.key,
                    "count": cell.count,
                    "value": found.figure(cell),
                    "row_share": row_share,
                    "col_share": col_share,
                    "total_share": total_share,
                }
            )
    return jsonable_encoder(
        {
            "as_of_date": found.as_of_date,
            "snapshot_id": found.snapshot_id,
            "metric": found.metric,
            "value": found.value,
            "customers": found.customers,
            "rows": found.rows,
            "cols": found.cols,
            "cells": cells,
            "row_totals": [
                {
                    "row": r.key,
                    "count": found.row_total(r.key).count,
                    "value": found.figure(found.row_total(r.key)),
                }
                for r in found.rows.values
            ],
            "col_totals": [
                {
                    "col": c.key,
                    "count": found.col_total(c.key).count,
                    "value": found.figure(found.col_total(c.key)),
                }
                for c in found.cols.values
            ],
            "total": {"count": found.total().count, "value": found.figure(found.total())},
        }
    )


@router.get("/crosstab")
def crosstab_api(db: DbDep, principal: ReaderDep, params: CrosstabQuery) -> Any:
    """Customers of your scope by two dimensions (a count, or the sum or mean of a number
    indicator), each cell with its share of its row, its column and the total. Unknown fields
    answer 422 naming the parameter; personal fields 403. Audited `view_crosstab`."""
    return crosstab_json(crosstab(db, principal, params.request))


@router.get("/crosstab/export.{fmt}", response_class=Response)
def crosstab_export(
    fmt: Format, db: DbDep, principal: ExporterDep, params: CrosstabQuery
) -> Response:
    """The cross-tab as CSV or Excel, one line per cell then the totals; audited `export`."""
    language = principal.language
    labels = {
        c: translate(f"ana.export.{c}", language)
        for c in ("row", "col", "customers", "value", "row_share", "col_share", "total_share")
    }
    show = Presentation(language=language, labels=labels)
    return export_response(
        lambda sink: export_crosstab(db, principal, params.request, sink), fmt, show
    )

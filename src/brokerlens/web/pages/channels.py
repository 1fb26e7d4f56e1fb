"""Business analysis pages (issue 22 section 3): `/analysis/channels` - the 3A3R account funnel
per open channel and per branch, with cohort retention by opening month; `/analysis/timing` -
business by weekday and by month, and daily turnover against the index's move."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from brokerlens.access.channels import (
    STAGES,
    ChannelAnalysis,
    TimingAnalysis,
    channel_analysis,
    timing_analysis,
)
from brokerlens.web.bounds import DayQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import enum_label, translate
from brokerlens.web.pages.common import PageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])
BranchQuery = Annotated[str | None, Query(max_length=64)]
ChannelQuery = Annotated[str | None, Query(max_length=16)]


def _channel_name(key: str, language: str) -> str:
    return enum_label("open_channel", key, language) or key


def funnel_chart(found: ChannelAnalysis, language: str) -> dict[str, Any]:
    """Stages on the x axis, one bar series per channel: customers at each stage."""
    return {
        "labels": [translate(f"chn.stage.{s}", language) for s in STAGES],
        "series": [
            {
                "name": _channel_name(c.key, language),
                "values": [c.funnel.count(s) for s in STAGES],
            }
            for c in found.channels
            if c.funnel.opened
        ],
        "unit": "count",
    }


def retention_chart(found: ChannelAnalysis, language: str) -> dict[str, Any]:
    """A heat map: opening months down, months after opening across, the active share."""
    return {
        "x": [translate("chn.month_n", language, n=k) for k in range(found.months_shown)],
        "y": [c.open_month.strftime("%Y-%m") for c in found.cohorts],
        "cells": [
            [k, i, round(share * 100, 1)]
            for i, c in enumerate(found.cohorts)
            for k in range(len(c.active))
            if (share := c.share(k)) is not None
        ],
    }


@router.get("/analysis/channels")
def channels_page(
    page: PageDep,
    as_of: DayQuery = None,
    branch: BranchQuery = None,
    channel: ChannelQuery = None,
) -> Response:
    found = channel_analysis(
        page.db,
        page.settings,
        page.principal,
        as_of=as_of,
        branch=branch or None,
        channel=channel or None,
    )
    context = {
        "a": found,
        "stages": STAGES,
        "channel": channel or "",
        "lang": page.language,
        "funnel_chart": funnel_chart(found, page.language) if found.total.opened else None,
        "retention_chart": retention_chart(found, page.language) if found.months_shown else None,
    }
    return page.render("analysis_channels.html", context, active="channels")


def _weekday(key: str, language: str) -> str:
    return translate(f"tim.weekday.{key}", language)


def bucket_chart(labels: list[str], found: list[Any], language: str) -> dict[str, Any]:
    """Turnover bars on the left axis, trades as a line on the right."""
    return {
        "labels": labels,
        "bars": {
            "name": translate("tim.turnover", language),
            "values": [float(b.turnover) for b in found],
        },
        "line": {"name": translate("tim.trades", language), "values": [b.trades for b in found]},
    }


def market_chart(found: TimingAnalysis, language: str) -> dict[str, Any]:
    index = found.index_id or ""
    return {
        "labels": [d.day.isoformat() for d in found.days],
        "bars": {
            "name": translate("tim.turnover", language),
            "values": [float(d.turnover) for d in found.days],
        },
        "line": {
            "name": translate("tim.index_change", language, index=index),
            "values": [d.index_change for d in found.days],
            "percent": True,
        },
    }


def scatter_chart(found: TimingAnalysis, language: str) -> dict[str, Any]:
    return {
        "names": [
            translate("tim.index_change", language, index=found.index_id or ""),
            translate("tim.turnover", language),
        ],
        "points": [
            [d.index_change, float(d.turnover), d.day.isoformat()]
            for d in found.days
            if d.index_change is not None
        ],
    }


@router.get("/analysis/timing")
def timing_page(page: PageDep, as_of: DayQuery = None, branch: BranchQuery = None) -> Response:
    found = timing_analysis(
        page.db, page.settings, page.principal, as_of=as_of, branch=branch or None
    )
    lang = page.language
    context = {
        "a": found,
        "lang": lang,
        "weekday": lambda key: _weekday(key, lang),
        "weekday_chart": bucket_chart(
            [_weekday(b.key, lang) for b in found.weekdays], found.weekdays, lang
        )
        if found.weekdays
        else None,
        "month_chart": bucket_chart([b.key for b in found.months], found.months, lang)
        if found.months
        else None,
        "market_chart": market_chart(found, lang) if found.days else None,
        "scatter_chart": scatter_chart(found, lang) if found.days_used else None,
        "r": None if found.correlation is None else f"{found.correlation:.2f}",
        "r_abs": None if found.correlation_abs is None else f"{found.correlation_abs:.2f}",
    }
    return page.render("analysis_timing.html", context, active="timing")

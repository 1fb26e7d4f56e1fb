"""The metric catalog: the shipped metrics and an installation's own, one mechanism; a bad
definition is refused naming the file, the metric and the field, before any SQL runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from brokerlens.analysis.metrics.catalog import (
    MetricError,
    additions_path,
    builtin_metrics,
    compiled,
    load_metrics,
)
from brokerlens.analysis.metrics.periods import periods_as_of, segments
from brokerlens.config import load_settings
from brokerlens.market.calendar import trading_days
from support.cli import in_process

ISSUE_METRICS = {
    "customers",
    "new_accounts",
    "effective_new_accounts",
    "funded_rate",
    "active_rate",
    "total_assets",
    "net_inflow",
    "turnover",
    "net_commission",
    "commission_rate",
    "product_sales",
    "product_holdings",
    "market_share",
    "churned_customers",
    "churned_assets",
    "dormant_share",
}


def _write(home: Path, text: str) -> None:
    path = additions_path(load_settings(home=home))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_the_shipped_catalog_has_every_metric_the_issue_names_with_its_why() -> None:
    shipped = builtin_metrics()
    assert set(shipped) >= ISSUE_METRICS
    for metric in shipped.values():
        assert metric.why("zh") and metric.why("en") and metric.label("zh") != metric.id


def test_an_installation_adds_a_metric_over_the_same_columns(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "metrics:\n"
        "  - id: big_traders\n    zh: 大额交易客户\n    en: Big traders\n    unit: customers\n"
        "    kind: flow\n    value: traded\n    where: turnover >= 1000000\n"
        "    why_zh: 期内成交额不少于 100 万元的客户数\n    why_en: customers trading 1M+\n",
    )
    metrics = load_metrics(load_settings(home=tmp_path))
    assert list(metrics)[-1] == "big_traders" and "customers" in metrics
    value, per = compiled(metrics["big_traders"])
    assert '"turnover" >= 1000000' in value and per is None


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ("value: assets_total", "metric 'bad', field `value`"),
        ("value: traded\n    where: (SELECT 1) = 1", "metric 'bad', field `where`"),
        ("value: traded\n    per: upper(channel)", "metric 'bad', field `per`"),
        ("value: traded; DROP TABLE x", "metric 'bad', field `value`"),
    ],
)
def test_a_bad_expression_is_refused_naming_the_file_metric_and_field(
    tmp_path: Path, entry: str, said: str
) -> None:
    _write(
        tmp_path,
        "metrics:\n  - id: bad\n    zh: 坏\n    en: Bad\n    unit: customers\n    kind: flow\n"
        f"    {entry}\n    why_zh: x\n    why_en: x\n",
    )
    with pytest.raises(MetricError) as caught:
        load_metrics(load_settings(home=tmp_path))
    assert "metrics.yaml" in caught.value.message and said in caught.value.message


def test_a_built_in_id_cannot_be_redefined(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "metrics:\n  - id: turnover\n    zh: 成交\n    en: T\n    unit: yuan\n    kind: flow\n"
        "    value: turnover\n    why_zh: x\n    why_en: x\n",
    )
    with pytest.raises(MetricError, match="already defined"):
        load_metrics(load_settings(home=tmp_path))


def test_comparison_periods_only_where_every_trading_day_is_loaded() -> None:
    days = list(trading_days(dt.date(2024, 1, 2), dt.date(2025, 3, 18)))
    names = [p.name for p in periods_as_of(dt.date(2025, 3, 18), days)]
    assert names == [
        "day",
        "week",
        "month",
        "year",
        "day_prev",
        "week_prev",
        "month_prev",
        "month_ly",
        "year_ly",
    ]
    gap = [d for d in days if d != dt.date(2024, 3, 5)]  # one missing day of last year's March
    names = [p.name for p in periods_as_of(dt.date(2025, 3, 18), gap)]
    assert "month_ly" not in names and "year_ly" not in names and "month_prev" in names
    year = next(p for p in periods_as_of(dt.date(2025, 3, 18), days) if p.name == "year")
    # the complete months of the year come from month sums; the month to date day by day
    assert year.months() == [dt.date(2025, 1, 1), dt.date(2025, 2, 1)]


def test_the_week_runs_from_monday_and_is_compared_with_last_week_to_the_same_weekday() -> None:
    days = list(trading_days(dt.date(2024, 1, 2), dt.date(2024, 3, 1)))
    found = {p.name: p for p in periods_as_of(dt.date(2024, 1, 17), days)}  # a Wednesday
    week, before = found["week"], found["week_prev"]
    assert (week.start, week.end) == (dt.date(2024, 1, 15), dt.date(2024, 1, 17))
    assert (before.start, before.end) == (dt.date(2024, 1, 8), dt.date(2024, 1, 10))
    # the week after the Spring Festival (12-16 February closed): no last week to compare with
    found = {p.name: p for p in periods_as_of(dt.date(2024, 2, 21), days)}
    assert found["week"].start == dt.date(2024, 2, 19) and "week_prev" not in found
    # the lake's first week starts with the lake (Tuesday 2 January), with nothing to compare
    found = {p.name: p for p in periods_as_of(dt.date(2024, 1, 3), days)}
    assert found["week"].start == dt.date(2024, 1, 2) and "week_prev" not in found


def test_the_cli_lists_the_metrics_and_refuses_an_unknown_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(tmp_path / "home")
    code, said = in_process(monkeypatch, capsys, "--home", home, "metrics", "list", "--lang", "en")
    assert code == 0 and "market_share" in said and "commission_rate" in said
    code, said = in_process(monkeypatch, capsys, "--home", home, "metrics", "list", "--lang", "fr")
    assert code != 0 and "--lang 'fr' is not zh or en" in said and "Traceback" not in said


def test_each_day_and_month_is_summed_once_for_every_period_that_reads_it() -> None:
    """A period ending on a month's last day reads that day for its end values but sums the
    month from the month sums: the day is not summed twice."""
    days = list(trading_days(dt.date(2024, 1, 2), dt.date(2025, 3, 31)))
    periods = periods_as_of(dt.date(2025, 3, 31), days)
    parts = segments(periods, days)
    per_segment: dict[str, set[str]] = {}
    for seg, name in zip(
        parts.periods.column("segment").to_pylist(),
        parts.periods.column("period").to_pylist(),
        strict=True,
    ):
        per_segment.setdefault(seg, set()).add(name)
    for p in periods:
        summed_days = [
            d
            for d, seg in zip(
                parts.days.column("biz_date").to_pylist(),
                parts.days.column("segment").to_pylist(),
                strict=True,
            )
            if p.name in per_segment[seg]
        ]
        summed_months = [
            m
            for m, seg in zip(
                parts.months.column("month_start").to_pylist(),
                parts.months.column("segment").to_pylist(),
                strict=True,
            )
            if p.name in per_segment[seg]
        ]
        covered = summed_days + [
            d for m in summed_months for d in days if (d.year, d.month) == (m.year, m.month)
        ]
        assert sorted(covered) == [d for d in days if p.start <= d <= p.end], p.name

"""KPI scheme files and scoring (issue 19 section 4): what a scheme file may say, the refusals
that name the scheme, metric and field, the scoring rules, totals and competition ranks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from brokerlens.brokers.kpi.build import detail_sql
from brokerlens.brokers.kpi.metrics import METRICS
from brokerlens.brokers.kpi.model import MetricRule, SchemeFile
from brokerlens.brokers.kpi.schemes import (
    active_version,
    apply_text,
    default_text,
    history,
    load_active,
    parse_schemes,
    version_text,
)
from brokerlens.brokers.kpi.scoring import StaffValues, score_all, score_metric, team_members
from brokerlens.config import load_settings
from brokerlens.engine.render import check_portable
from brokerlens.engine.sqlfiles import load_sql, sql_names
from brokerlens.errors import ConfigError, NotFound

ONE = """
schemes:
  - position: broker
    name_zh: 客户经理
    name_en: Broker
    metrics:
      - {metric: net_commission, weight: 60, rule: linear, target: 1000, cap: 1.2}
      - metric: new_customers
        weight: 40
        rule: thresholds
        thresholds: [{at: 1, score: 50}, {at: 3, score: 100}]
"""


def test_the_shipped_schemes_are_valid_with_weights_adding_to_100() -> None:
    schemes = parse_schemes(default_text(), "default")
    assert {s.position for s in schemes.schemes} == {"broker", "advisor", "team_lead"}
    for scheme in schemes.schemes:
        assert sum(m.weight for m in scheme.metrics) == 100


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (("weight: 40", "weight: 30"), "scheme 'broker': the weights add up to 90"),
        (("metric: new_customers", "metric: new_clients"), "unknown metric 'new_clients'"),
        (("target: 1000, ", ""), "metric 1: a linear rule needs `target`"),
        (("{at: 3, score: 100}", "{at: 0.5, score: 100}"), "ascending order of `at`"),
        (("position: broker", "position: trader"), "unknown position 'trader'"),
        (("cap: 1.2", "cap: 9"), "metric 1, field `cap`"),
        (("schemes:", "schemes: ["), "not valid YAML"),
    ],
)
def test_a_bad_scheme_file_is_refused_naming_where(edit: tuple[str, str], said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_schemes(ONE.replace(*edit, 1), "edited.yaml")
    assert refused.value.message.startswith("edited.yaml")
    assert said in refused.value.message


def test_two_schemes_for_one_position_are_refused() -> None:
    body = ONE.split("schemes:\n", 1)[1]
    with pytest.raises(ConfigError, match="position 'broker' has two schemes"):
        parse_schemes("schemes:\n" + body + body, "twice.yaml")


def test_linear_scores_to_the_target_and_stops_at_the_cap() -> None:
    rule = MetricRule(metric="net_commission", weight=Decimal(60), target=Decimal(1000))
    capped = MetricRule(
        metric="net_commission", weight=Decimal(60), target=Decimal(1000), cap=Decimal("1.2")
    )
    assert score_metric(rule, Decimal(500)) == Decimal("50.00")
    assert score_metric(rule, Decimal(5000)) == Decimal("100.00")
    assert score_metric(capped, Decimal(5000)) == Decimal("120.00")
    assert score_metric(capped, Decimal(-300)) == Decimal("0.00")  # money flowing out
    assert score_metric(rule, None) == Decimal("0.00")  # nothing to measure


def test_thresholds_score_the_highest_step_reached() -> None:
    rule = parse_schemes(ONE, "one").schemes[0].metrics[1]
    assert [score_metric(rule, Decimal(v)) for v in ("0.6", "1", "2.4", "3", "7")] == [
        Decimal(0),
        Decimal(50),
        Decimal(50),
        Decimal(100),
        Decimal(100),
    ]


def _member(staff_id: str, unit: str, branch: str, commission: int, new: int) -> StaffValues:
    values = {"net_commission": Decimal(commission), "new_customers": Decimal(new)}
    return StaffValues(staff_id, "broker", unit, branch, "R1", values)


def test_totals_are_weighted_and_equal_totals_share_a_rank() -> None:
    schemes = parse_schemes(ONE, "one")
    scored = {
        s.staff.staff_id: s
        for s in score_all(
            schemes,
            [
                _member("S1", "T1", "B1", 1000, 3),  # 60 x 100 + 40 x 100 -> 100
                _member("S2", "T1", "B1", 500, 1),  # 60 x 50 + 40 x 50 -> 50
                _member("S3", "T2", "B1", 500, 2),  # 50 too: shares S2's branch rank
                _member("S4", "T2", "B1", 0, 0),
                StaffValues("X1", "service", "T1", "B1", "R1", {}),  # no scheme: not scored
            ],
        )
    }
    assert set(scored) == {"S1", "S2", "S3", "S4"}
    assert [scored[s].total for s in ("S1", "S2", "S3", "S4")] == [
        Decimal("100.00"),
        Decimal("50.00"),
        Decimal("50.00"),
        Decimal("0.00"),
    ]
    assert [scored[s].ranks["branch"] for s in ("S1", "S2", "S3", "S4")] == [1, 2, 2, 4]
    assert [scored[s].ranks["unit"] for s in ("S1", "S2", "S3", "S4")] == [1, 2, 1, 2]


def test_a_team_lead_counts_their_unit() -> None:
    staff = [
        StaffValues("L1", "team_lead", "T1", "B1", "R1", {}),
        _member("S1", "T1", "B1", 1, 1),
        _member("S2", "T2", "B1", 1, 1),
    ]
    assert team_members(staff, "L1") == ["L1", "S1"]
    assert team_members(staff, "S1") == ["S1"]


def test_versions_are_kept_and_the_active_one_named(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    assert active_version(settings) == "default"
    assert load_active(settings) == parse_schemes(default_text(), "default")
    first = apply_text(settings, ONE, "one.yaml", user="hq", note="simpler")
    second = apply_text(settings, default_text(), "back.yaml", user="hq2")
    assert (first.version, second.version) == (1, 2)
    assert [r.applied_by for r in history(settings)] == ["hq", "hq2"]
    assert active_version(settings) == "2"
    assert version_text(settings, "1") == ONE
    assert isinstance(load_active(settings), SchemeFile)
    with pytest.raises(NotFound):
        version_text(settings, "7")
    with pytest.raises(ConfigError):
        apply_text(settings, ONE.replace("weight: 40", "weight: 41"), "bad.yaml", user="hq")
    assert len(history(settings)) == 2  # a refused file is never stored


@pytest.mark.parametrize("name", sql_names("brokerlens.brokers.kpi"))
def test_each_kpi_sql_file_is_documented_and_portable(name: str) -> None:
    sql = load_sql("brokerlens.brokers.kpi", name)
    assert sql.purpose and sql.grain
    assert check_portable(sql.sql) == []


def test_every_metric_has_its_sql_file_and_both_languages() -> None:
    names = set(sql_names("brokerlens.brokers.kpi"))
    for metric in METRICS.values():
        assert metric.sql_name in names
        assert metric.zh and metric.en and metric.meaning_zh and metric.meaning_en
    assert check_portable(detail_sql()[0]) == []

"""Earning rules: the shipped file, an installation's additions and replacements through the
same loader, versions by validity, and refusals that name the file, the rule and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from brokerlens.config import load_settings
from brokerlens.points import KINDS, PointsRuleError, load_rules, parse_rules
from brokerlens.points.rules import additions_path, shipped_text

RULE = """  - id: {id}
    version: {version}
    zh: 交易积分
    en: Trading points
    kind: {kind}
    {extra}
    points: 2
    expiry_months: 12
    valid_from: {start}
    {end}
"""


def rule(
    id: str = "turnover",
    version: int = 2,
    kind: str = "turnover",
    extra: str = "unit: 10000",
    start: str = "2025-03-31",
    end: str = "",
) -> str:
    return "rules:\n" + item(id, version, kind, extra, start, end)


def item(
    id: str = "turnover",
    version: int = 2,
    kind: str = "turnover",
    extra: str = "unit: 10000",
    start: str = "2025-03-31",
    end: str = "",
) -> str:
    return RULE.format(id=id, version=version, kind=kind, extra=extra, start=start, end=end)


def test_the_shipped_rules_cover_every_kind_and_apply_from_2020() -> None:
    found = load_rules()
    assert {r.kind for r in found.rules} == set(KINDS)
    assert [r.id for r in found.on(dt.date(2025, 3, 31))] == sorted(r.id for r in found.rules)
    assert found.on(dt.date(2019, 12, 31)) == []
    turnover = found.get("turnover")
    assert turnover is not None and turnover.zh == "交易积分" and turnover.max_points == 500


def test_an_installation_adds_a_rule_and_replaces_a_shipped_one(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    path = additions_path(settings)
    path.parent.mkdir(parents=True)
    # turnover: version 1 until 2025-03-30, version 2 (2 points) from 2025-03-31; and a new id
    text = rule(version=1, start="2020-01-01", end="valid_to: 2025-03-30")
    text += item(version=2)
    text += item(id="big_month", kind="monthly_assets", extra="min_amount: 1000000", version=1)
    path.write_text(text, "utf-8")
    found = load_rules(settings)
    assert found.sources[-1] == str(path)
    assert [r.version for r in found.rules if r.id == "turnover"] == [1, 2]
    before = {r.id: r for r in found.on(dt.date(2025, 3, 28))}
    after = {r.id: r for r in found.on(dt.date(2025, 3, 31))}
    assert before["turnover"].version == 1 and after["turnover"].version == 2
    assert "big_month" not in before and after["big_month"].points == 2
    assert after["commission"].version == 1  # the shipped ones it does not name stay


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (rule(extra=""), "rule 'turnover' version 2: field `unit`: a turnover rule needs"),
        (rule(kind="anniversary"), "rule 'turnover' version 2: field `unit`: a anniversary rule"),
        (rule(extra="unit: 0.001"), "field `unit`: at most two decimals"),
        (rule(kind="lottery"), "rule 'turnover' version 2, field `kind`"),
        (rule(kind="monthly_assets", extra=""), "field `min_amount`: a monthly_assets rule"),
        (rule(end="valid_to: 2025-01-01"), "field `valid_to`: before valid_from"),
        (rule().replace("points: 2", "points: 0"), "field `points`"),
        (rule().replace("expiry_months: 12", "expiry_months: 0"), "field `expiry_months`"),
        (rule() + "    colour: red\n", "field `colour`"),
        (rule() + item(), "rule 'turnover', field `version`: version 2"),
        (
            rule(version=1) + item(version=2, start="2025-06-01"),
            "rule 'turnover' version 2, field `valid_from`: 2025-06-01 overlaps version 1",
        ),
        ("rules: [\n", "line"),
        ("- just a list\n", "expected a mapping with `rules:`"),
    ],
)
def test_a_bad_rule_is_refused_naming_file_rule_and_field(text: str, said: str) -> None:
    with pytest.raises(PointsRuleError) as refused:
        parse_rules(text, "home/points/rules.yaml")
    assert refused.value.message.startswith("home/points/rules.yaml")
    assert said in refused.value.message


def test_a_broken_installation_file_stops_the_load_naming_it(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    path = additions_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text(rule(extra=""), "utf-8")
    with pytest.raises(PointsRuleError, match=str(path)):
        load_rules(settings)


def test_the_shipped_file_parses_as_an_installation_would() -> None:
    copied = sorted(parse_rules(shipped_text(), "copy.yaml"), key=lambda r: r.id)
    assert tuple(copied) == load_rules().rules

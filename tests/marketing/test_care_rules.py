"""The care rules file: the shipped rules, an installation's file replacing them, and errors that
name the file, the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.config import load_settings
from brokerlens.marketing.care.errors import CareError
from brokerlens.marketing.care.loader import load_rules, parse_rules, rules_path, shipped_rules

GOOD = """
rules:
  - id: birthday_mail
    zh: 生日邮件
    en: Birthday mail
    occasion: birthday
    days_before: 1
    channels: [email]
    subject: 生日快乐
    template_zh: "{name}，生日快乐！"
"""


def test_the_shipped_rules_cover_every_occasion() -> None:
    rules = shipped_rules()
    assert [r.id for r in rules] == [
        "birthday",
        "assessment_expiring",
        "product_maturing",
        "ipo_allotment",
        "dividend",
    ]
    assert {r.occasion for r in rules} == {r.id for r in rules}


def test_an_installation_file_replaces_the_shipped_rules(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    assert len(load_rules(settings)) == 5
    path = rules_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text(GOOD, "utf-8")
    (rule,) = load_rules(settings)
    assert (rule.id, rule.channels, rule.days_before) == ("birthday_mail", ["email"], 1)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("occasion: birthday", "occasion: wedding"), "rule 'birthday_mail', field `occasion`"),
        (("[email]", "[fax]"), "rule 'birthday_mail', field `channels.0`"),
        (("days_before: 1", "days_before: -1"), "rule 'birthday_mail', field `days_before`"),
        (("{name}，", "{birth_date}，"), "rule 'birthday_mail', field `template_zh`: field"),
        (
            ("{name}，", "{name:pct}，"),
            "rule 'birthday_mail', field `template_zh`: field {name:pct}",
        ),
        (("subject: 生日快乐", "subject: '{phone}'"), "rule 'birthday_mail', field `subject`"),
        (("    zh: 生日邮件\n", ""), "rule 'birthday_mail', field `zh`: Field required"),
        (("    en: Birthday mail", "    en: Birthday mail\n    colour: red"), "field `colour`"),
        (("rules:", "rules: ["), "not valid YAML"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_file_rule_and_field(
    tmp_path: Path, change: tuple[str, str], said: str
) -> None:
    settings = load_settings(home=tmp_path)
    path = rules_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text(GOOD.replace(*change), "utf-8")
    with pytest.raises(CareError) as refused:
        load_rules(settings)
    assert str(path) in str(refused.value) and said in str(refused.value)


def test_an_id_twice_is_refused() -> None:
    twice = GOOD + GOOD.split("rules:\n", 1)[1]
    with pytest.raises(CareError, match="rule id 'birthday_mail' appears twice"):
        parse_rules(twice, "care.yaml")


def test_the_birthday_offers_no_personal_placeholder() -> None:
    for field in ("birth_date", "id_no", "phone", "email", "occasion_date"):
        with pytest.raises(CareError, match="not a placeholder of this occasion"):
            parse_rules(GOOD.replace("{name}，", "{" + field + "}，"), "care.yaml")

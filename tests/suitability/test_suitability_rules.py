"""The rules are configuration: the shipped defaults are domain.md's, and an installation's file
replaces them; a broken file is refused naming the field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from brokerlens.config import load_settings
from brokerlens.errors import ConfigError
from brokerlens.suitability.rules import default_rules, load_rules, rules_path

SHIPPED = resources.files("brokerlens.suitability").joinpath("rules.yaml").read_text("utf-8")


def test_defaults_are_domain_section_1() -> None:
    rules = default_rules()
    assert rules.matching == {"C1": "R1", "C2": "R2", "C3": "R3", "C4": "R4", "C5": "R5"}
    assert rules.lowest_category_max_grade == "R1"
    assert rules.permissions["margin"].assets_20d == 500_000
    assert rules.permissions["chinext"].assets_20d == 100_000
    assert rules.professional.individual.financial_assets == 5_000_000


def test_an_installation_changes_a_threshold(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    rules_path(settings).parent.mkdir(parents=True)
    rules_path(settings).write_text(SHIPPED.replace("assets_20d: 100000", "assets_20d: 200000"))
    assert load_rules(settings).permissions["chinext"].assets_20d == 200_000


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("C3: R3,", "C3: R9,", "field `matching`"),
        ("  margin:\n", "  futures:\n", "unknown permission"),
        (
            "    grade: R4\n    assets_20d: 100000",
            "    grade: X\n    assets_20d: 100000",
            "permissions.chinext.grade",
        ),
    ],
)
def test_a_broken_rules_file_names_the_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    settings = load_settings(home=tmp_path)
    rules_path(settings).parent.mkdir(parents=True)
    assert old in SHIPPED
    rules_path(settings).write_text(SHIPPED.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message) as caught:
        load_rules(settings)
    assert str(rules_path(settings)) in str(caught.value)

"""A settings file: the installation's replaces the shipped one; a problem names the file and the
field, and says what to do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from brokerlens.alerts.loader import parse_alerts
from brokerlens.classify.loader import parse_catalog
from brokerlens.errors import BrokerlensError, ConfigError
from brokerlens.indicators.registry import parse_indicators
from brokerlens.settings_file import installed_or_shipped, parse_settings
from brokerlens.suitability.questionnaire import parse_definition
from brokerlens.suitability.rules import Rules


class Window(BaseModel):
    days: int = Field(default=20, ge=1)


class Shaped(BaseModel):
    window: Window = Field(default_factory=Window)


def test_an_empty_file_means_the_defaults() -> None:
    assert parse_settings(Shaped, "", "x.yaml", "fix it").window.days == 20


def test_a_bad_field_is_named_with_its_path() -> None:
    with pytest.raises(ConfigError, match=r"x\.yaml: field `window\.days`") as caught:
        parse_settings(Shaped, "window: {days: 0}", "x.yaml", "fix the window")
    assert caught.value.hint == "fix the window"


def test_bad_yaml_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"x\.yaml, line 1: not valid YAML"):
        parse_settings(Shaped, "window: [", "x.yaml", "fix it")


def test_the_installed_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    shipped = installed_or_shipped(Rules, None, "brokerlens.suitability", "rules.yaml", "h")
    own = tmp_path / "rules.yaml"
    assert installed_or_shipped(Rules, own, "brokerlens.suitability", "rules.yaml", "h") == shipped
    own.write_text("matching: {C1: R1}\n", "utf-8")
    with pytest.raises(ConfigError, match=str(own)):
        installed_or_shipped(Rules, own, "brokerlens.suitability", "rules.yaml", "h")


# Text every YAML file of an installation may hold by mistake, each once a traceback: a date YAML
# cannot build (year 0, 30 February), brackets nested past the reader's depth, a syntax error.
NOT_YAML = ["0000-00-00", "when: 2025-02-30", "[" * 2000 + "]" * 2000, "a: [1, 2"]


@pytest.mark.parametrize("text", NOT_YAML, ids=["year 0", "30 February", "deep", "syntax"])
@pytest.mark.parametrize(
    "read",
    [
        lambda text: parse_settings(Shaped, text, "mine.yaml", "fix it"),
        lambda text: parse_catalog(text, "mine.yaml"),
        lambda text: parse_alerts(text, "mine.yaml"),
        lambda text: parse_indicators(text, "mine.yaml"),
        lambda text: parse_definition(text, "mine.yaml"),
    ],
    ids=["settings", "catalog", "alerts", "indicators", "questionnaire"],
)
def test_text_that_is_not_yaml_is_refused_naming_the_file(
    read: Callable[[str], object], text: str
) -> None:
    with pytest.raises(BrokerlensError, match=r"mine\.yaml.*not valid YAML|not valid YAML"):
        read(text)

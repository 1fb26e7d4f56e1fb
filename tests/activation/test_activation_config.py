"""The activation settings: shipped defaults, an installation's file, clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.activation.config import config_path, default_config, load_config
from brokerlens.config import load_settings
from brokerlens.errors import ConfigError


def test_defaults_follow_the_domain_rules() -> None:
    config = default_config()
    assert config.dormant.years_without_trade == 3 and config.dormant.cash_max == 100
    assert config.weight_total == 100


def test_the_homes_file_overrides_and_bad_fields_are_named(
    tmp_path: Path,
) -> None:
    settings = load_settings(home=tmp_path)
    path = config_path(settings)
    path.parent.mkdir(parents=True)
    text = (
        "dormant: {years_without_trade: 2, cash_max: 50}\n"
        "empty: {assets_max: 10, min_age_days: 0}\n"
        "windows: {inflow_days: 30, contact_days: 30}\n"
        "weights: {peak_assets: 1}\n"
        "scale: {peak_assets_cap: 1, net_commission_cap: 1, inflow_cap: 1, tenure_years_cap: 1}\n"
    )
    path.write_text(text, "utf-8")
    config = load_config(settings)
    assert config.dormant.years_without_trade == 2 and config.weights["tenure"] == 0
    path.write_text(text.replace("peak_assets: 1}", "luck: 1}"), "utf-8")
    with pytest.raises(ConfigError, match=r"activation\.yaml: field `weights`: .*unknown factor"):
        load_config(settings)
    path.write_text(text.replace("years_without_trade: 2", "years_without_trade: 0"), "utf-8")
    with pytest.raises(ConfigError, match=r"field `dormant\.years_without_trade`"):
        load_config(settings)

"""Churn labels from configuration, on the hand-built brokerage (tests/churn/churn_handbox.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.churn.config import load_config, parse_config
from brokerlens.churn.data import ChurnData
from brokerlens.config import load_settings
from brokerlens.errors import ConfigError
from churn.churn_handbox import DAYS
from churn.conftest import ChurnHome


def _labels(home: ChurnHome, yaml_text: str | None = None) -> dict[str, tuple[str, str, str]]:
    config = load_config(home.settings)
    if yaml_text is not None:
        config = parse_config(yaml_text, "test.yaml")
    with ChurnData(home.settings, config) as data:
        rows = data.labels().to_pylist()
    return {
        r["customer_id"]: (r["churn_date"].isoformat(), r["churn_kind"], r["churn_cause"])
        for r in rows
        if not r["customer_id"].startswith("G")
    }


def test_hard_and_soft_churn_from_the_lake(churn_home: ChurnHome) -> None:
    assert _labels(churn_home) == {
        "H_CLOSED": (DAYS[10].isoformat(), "hard", "closed"),
        "H_TRANSFER": (DAYS[12].isoformat(), "hard", "transferred_out"),
        # closed on a Saturday: counted on the next trading day
        "H_DESIG": (DAYS[15].isoformat(), "hard", "designation_cancelled"),
        "H_CUST": (DAYS[16].isoformat(), "hard", "customer_closed"),
        "H_LATE": (DAYS[35].isoformat(), "hard", "closed"),
        "S_OUT": (DAYS[20].isoformat(), "soft", "net_outflow"),
        # not here: H_MARGIN (a margin account is not a hard type), S_BACK (the money came
        # back within the return window), S_SMALL (below min_assets), S_LATE (its return
        # window is not over by the last loaded day), STAY
    }


def test_the_configuration_decides_what_counts(churn_home: ChurnHome) -> None:
    text = """
labels:
  hard_account_types: [cash, margin]
  hard_statuses: [closed]
  outflow_days: 5
  return_days: 5
  outflow_share: 0.85
  return_share: 0.8
  min_assets: 5000
"""
    labels = _labels(churn_home, text)
    assert labels["H_MARGIN"] == (DAYS[10].isoformat(), "hard", "closed")
    assert "H_TRANSFER" not in labels and "H_DESIG" not in labels  # not listed statuses
    assert "S_OUT" not in labels  # 80% out is below an 85% share
    assert labels["S_SMALL"] == (DAYS[20].isoformat(), "soft", "net_outflow")  # 87.5% of 8,000
    # S_BACK: 60,000 back is less than 80% of the 80,000 out, but 80% < 85%: still not churn
    assert "S_BACK" not in labels


def test_the_home_file_overrides_the_shipped_defaults(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    assert load_config(settings).target.horizon_days == 40  # shipped default
    (tmp_path / "churn").mkdir()
    (tmp_path / "churn" / "churn.yaml").write_text("target:\n  horizon_days: 15\n", "utf-8")
    config = load_config(settings)
    assert config.target.horizon_days == 15
    assert config.labels.outflow_share == 0.7  # the rest keeps its defaults


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("labels:\n  outflow_share: 1.5\n", "labels.outflow_share"),
        ("labels:\n  hard_account_types: [savings]\n", "labels.hard_account_types"),
        ("target:\n  horizon: 10\n", "target.horizon"),
        ("labels: [\n", "not valid YAML"),
    ],
)
def test_a_bad_configuration_names_file_and_field(tmp_path: Path, text: str, names: str) -> None:
    settings = load_settings(home=tmp_path)
    (tmp_path / "churn").mkdir()
    path = tmp_path / "churn" / "churn.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(settings)
    assert str(path) in str(info.value) and names in str(info.value)

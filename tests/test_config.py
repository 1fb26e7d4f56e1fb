from pathlib import Path

import pytest

from brokerlens.config import DEFAULT_HOME, load_settings
from brokerlens.errors import ConfigError


def test_home_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BROKERLENS_HOME", raising=False)
    assert load_settings().home == DEFAULT_HOME
    monkeypatch.setenv("BROKERLENS_HOME", str(tmp_path))
    assert load_settings().home == tmp_path
    assert load_settings(home=tmp_path / "x").lake_dir == tmp_path / "x" / "lake"


def test_threshold_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKERLENS_QUARANTINE_THRESHOLD", "2")
    with pytest.raises(ConfigError, match="BROKERLENS_QUARANTINE_THRESHOLD"):
        load_settings()

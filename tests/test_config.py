import os
from pathlib import Path

import pytest

from brokerlens.config import DEFAULT_HOME, load_settings, memory_share
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


@pytest.mark.parametrize(
    "master",
    [
        "local",
        "local[*]",
        "local[4]",
        "local[2,3]",
        "spark://10.0.0.5:7077",
        "spark://a:7077,b:7077",
        "yarn",
        "k8s://https://10.0.0.1:443",
    ],
)
def test_spark_master_urls(monkeypatch: pytest.MonkeyPatch, master: str) -> None:
    monkeypatch.setenv("BROKERLENS_SPARK_MASTER", master)
    assert load_settings().spark_master == master


def test_spark_settings_default_to_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MASTER", "DRIVER_MEMORY", "SHUFFLE_PARTITIONS"):
        monkeypatch.delenv(f"BROKERLENS_SPARK_{name}", raising=False)
    settings = load_settings()
    assert settings.spark_master == "local[*]"
    assert settings.spark_driver_memory == "1g"
    assert settings.spark_shuffle_partitions == 4


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MASTER", "spark://host"),  # no port
        ("MASTER", "local[0]"),
        ("MASTER", "http://host:7077"),
        ("DRIVER_MEMORY", "lots"),
        ("SHUFFLE_PARTITIONS", "0"),
    ],
)
def test_bad_spark_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"BROKERLENS_SPARK_{name}", value)
    with pytest.raises(ConfigError, match=f"BROKERLENS_SPARK_{name}"):
        load_settings()


def test_a_share_of_the_duckdb_cap_is_a_size_duckdb_takes() -> None:
    assert memory_share("6GB", 0.25) == "1430MiB"
    assert memory_share("2 GiB", 0.5) == "1024MiB"
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert memory_share("25%", 0.6) == f"{int(ram * 0.25 * 0.6 / 2**20)}MiB"
    settings = load_settings(duckdb_memory=memory_share("25%", 0.6))  # the setting takes it
    assert settings.duckdb_memory.endswith("MiB")

"""Churn configuration as typed data: the shipped `churn.yaml` or an installation's copy."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped, parse_settings, shipped_settings

ACCOUNT_TYPES = ("cash", "margin", "option", "otc", "hk_connect")
HARD_STATUSES = ("closed", "transferred_out", "designation_cancelled")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(_Strict):
    hard_account_types: list[str] = Field(default_factory=lambda: ["cash"], min_length=1)
    hard_statuses: list[str] = Field(default_factory=lambda: list(HARD_STATUSES), min_length=1)
    outflow_share: float = Field(default=0.7, gt=0, le=1)
    outflow_days: int = Field(default=20, ge=1, le=250)
    return_days: int = Field(default=20, ge=1, le=250)
    return_share: float = Field(default=0.5, ge=0, le=1)
    min_assets: float = Field(default=10_000, ge=0)

    @field_validator("hard_account_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(ACCOUNT_TYPES))
        if unknown:
            raise ValueError(
                f"unknown account type(s) {unknown}; known: {', '.join(ACCOUNT_TYPES)}"
            )
        return value

    @field_validator("hard_statuses")
    @classmethod
    def _statuses(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(HARD_STATUSES))
        if unknown:
            raise ValueError(f"unknown status(es) {unknown}; known: {', '.join(HARD_STATUSES)}")
        return value


class Target(_Strict):
    horizon_days: int = Field(default=40, ge=1, le=250)


class ModelParams(_Strict):
    lookback_days: int = Field(default=60, ge=25, le=250)  # > 20: the 20-day windows
    step_days: int = Field(default=5, ge=1, le=60)
    test_share: float = Field(default=0.25, gt=0, lt=1)
    calibration_share: float = Field(default=0.25, gt=0, lt=1)
    num_leaves: int = Field(default=15, ge=2, le=1024)
    learning_rate: float = Field(default=0.03, gt=0, le=1)
    rounds: int = Field(default=300, ge=1, le=10_000)
    min_child_samples: int = Field(default=300, ge=1)
    threads: int = Field(default=2, ge=1, le=64)
    top_share: float = Field(default=0.05, gt=0, lt=1)
    reasons_share: float = Field(default=0.05, gt=0, le=1)  # top ranks given reasons
    # issue 21: and at most this many of them (TreeSHAP costs ~0.7 ms of CPU a row)
    reasons_max_rows: int = Field(default=50_000, ge=1)
    # issue 20: the index a customer's return is compared with (excess_return_20)
    benchmark_index: str = Field(default="000001.SH", min_length=1, max_length=20)


class ChurnConfig(_Strict):
    labels: Labels = Field(default_factory=Labels)
    target: Target = Field(default_factory=Target)
    model: ModelParams = Field(default_factory=ModelParams)


HINT = "fix the churn configuration"


def parse_config(text: str, file: str) -> ChurnConfig:
    return parse_settings(ChurnConfig, text, file, HINT)


def default_config() -> ChurnConfig:
    return shipped_settings(ChurnConfig, "brokerlens.churn", "churn.yaml", HINT)


def config_path(settings: Settings) -> Path:
    return settings.home / "churn" / "churn.yaml"


def load_config(settings: Settings | None = None) -> ChurnConfig:
    """The installation's configuration if it has a file, else the shipped defaults."""
    installed = config_path(settings) if settings is not None else None
    return installed_or_shipped(ChurnConfig, installed, "brokerlens.churn", "churn.yaml", HINT)

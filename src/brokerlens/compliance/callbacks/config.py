"""Call-back settings as typed configuration: the shipped `callbacks.yaml` or the installation's
`<home>/compliance/callbacks.yaml`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped

HINT = "see brokerlens/compliance/callbacks/callbacks.yaml for the fields and their meaning"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewAccountRule(_Frozen):
    due_days: int = Field(default=30, ge=1, le=366)
    lookback_days: int = Field(default=30, ge=1, le=366)


class AnnualSampleRule(_Frozen):
    share: float = Field(default=0.10, gt=0.0, le=1.0)
    tier_from: str = "customer_tier"
    exclude_dormant: bool = True
    seed: int = 2010
    due: Literal["year_end"] = "year_end"


class ComplaintRule(_Frozen):
    due_days: int = Field(default=7, ge=1, le=366)


class CallbackConfig(_Frozen):
    new_account: NewAccountRule = NewAccountRule()
    annual_sample: AnnualSampleRule = AnnualSampleRule()
    complaint: ComplaintRule = ComplaintRule()
    max_attempts: int = Field(default=3, ge=1, le=20)
    retention_years: int = Field(default=3, ge=3)
    independent: bool = True


def config_path(settings: Settings) -> Path:
    return settings.home / "compliance" / "callbacks.yaml"


def load_config(settings: Settings | None = None) -> CallbackConfig:
    """The installation's settings if it has a file, else the shipped defaults."""
    installed = config_path(settings) if settings is not None else None
    return installed_or_shipped(
        CallbackConfig, installed, "brokerlens.compliance.callbacks", "callbacks.yaml", HINT
    )

"""Campaign settings as typed configuration: the shipped `campaigns.yaml` or the installation's
`<home>/marketing/campaigns.yaml` (a YAML file like the other domains' settings, so a change
needs no restart of anything but the reader and is kept with the data home)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped

HINT = "see brokerlens/marketing/campaigns/campaigns.yaml for the fields and their meaning"


class CampaignConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    approval_above: int = Field(default=10_000, ge=0)
    holdout_default: float = Field(default=0.10, ge=0.0, le=0.9)
    deposit_threshold_yuan: int = Field(default=10_000, ge=1)


def config_path(settings: Settings) -> Path:
    return settings.home / "marketing" / "campaigns.yaml"


def load_config(settings: Settings | None = None) -> CampaignConfig:
    """The installation's settings if it has a file, else the shipped defaults."""
    installed = config_path(settings) if settings is not None else None
    return installed_or_shipped(
        CampaignConfig, installed, "brokerlens.marketing.campaigns", "campaigns.yaml", HINT
    )

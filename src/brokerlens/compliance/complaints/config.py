"""Complaint settings as typed configuration: the shipped `complaints.yaml` or the
installation's `<home>/compliance/complaints.yaml`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped

HINT = "see brokerlens/compliance/complaints/complaints.yaml for the fields and their meaning"


class ComplaintConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sla_days: dict[str, int] = Field(default_factory=dict)
    default_sla_days: int = Field(default=10, ge=1)
    escalate_days: int = Field(default=5, ge=1, le=366)
    retention_years: int = Field(default=3, ge=3)

    @property
    def categories(self) -> list[str]:
        return list(self.sla_days)

    def sla_due(self, category: str, opened: dt.date) -> dt.date:
        return opened + dt.timedelta(days=self.sla_days.get(category, self.default_sla_days))

    def escalation(self, sla_due: dt.date, as_of: dt.date) -> int:
        """The level an open complaint is due as of `as_of`: 0 within its SLA, 1 (its branch's
        manager) past it, 2 (head-office compliance) `escalate_days` after that."""
        if as_of <= sla_due:
            return 0
        return 2 if as_of > sla_due + dt.timedelta(days=self.escalate_days) else 1


def config_path(settings: Settings) -> Path:
    return settings.home / "compliance" / "complaints.yaml"


def load_config(settings: Settings | None = None) -> ComplaintConfig:
    """The installation's settings if it has a file, else the shipped defaults."""
    installed = config_path(settings) if settings is not None else None
    return installed_or_shipped(
        ComplaintConfig, installed, "brokerlens.compliance.complaints", "complaints.yaml", HINT
    )

"""Broker risk thresholds as typed configuration: the shipped `thresholds.yaml` or an
installation's `<home>/brokers/broker_risk.yaml`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped

POSITIONS = ("broker", "advisor", "team_lead", "branch_manager")
HINT = "fix the broker risk settings file"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChurnRule(_Frozen):
    min_customers: int = Field(default=10, ge=1)
    min_lost: int = Field(default=3, ge=1)
    ratio: float = Field(default=2.0, ge=1)
    min_gap: float = Field(default=0.10, ge=0, le=1)


class AssetLossRule(_Frozen):
    min_assets: float = Field(default=1_000_000, ge=0)
    min_gap: float = Field(default=0.15, ge=0, le=10)


class ConcentrationRule(_Frozen):
    min_trades: int = Field(default=20, ge=1)
    min_customers: int = Field(default=3, ge=1)
    share: float = Field(default=0.5, gt=0, le=1)
    ratio: float = Field(default=3.0, ge=1)


class RiskySalesRule(_Frozen):
    min_sales: int = Field(default=5, ge=1)
    min_mismatched: int = Field(default=2, ge=1)
    share: float = Field(default=0.2, gt=0, le=1)
    ratio: float = Field(default=2.0, ge=1)


class RiskConfig(_Frozen):
    window_days: int = Field(default=90, ge=7, le=3660)
    positions: tuple[str, ...] = ("broker", "advisor", "team_lead")
    customer_churn: ChurnRule = ChurnRule()
    asset_loss: AssetLossRule = AssetLossRule()
    trading_concentration: ConcentrationRule = ConcentrationRule()
    risky_sales: RiskySalesRule = RiskySalesRule()

    @field_validator("positions")
    @classmethod
    def _positions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(POSITIONS))
        if unknown:
            raise ValueError(f"unknown position(s) {unknown}; known: {', '.join(POSITIONS)}")
        if not value:
            raise ValueError("watch at least one position")
        return value


def config_path(settings: Settings) -> Path:
    return settings.home / "brokers" / "broker_risk.yaml"


def load_config(settings: Settings | None = None) -> RiskConfig:
    """The installation's thresholds if it has a file, else the shipped defaults."""
    installed = config_path(settings) if settings is not None else None
    return installed_or_shipped(
        RiskConfig, installed, "brokerlens.brokers.risk", "thresholds.yaml", HINT
    )

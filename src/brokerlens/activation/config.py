"""Activation settings as typed configuration: the shipped `defaults.yaml` or an installation's
`<home>/activation/activation.yaml`."""

from __future__ import annotations

import itertools
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped, parse_settings, shipped_settings

FACTORS = (
    "peak_assets",
    "net_commission",
    "tenure",
    "age_band",
    "channel",
    "recent_contact",
    "recent_inflow",
    "servicer",
)
CHANNELS = ("branch", "online", "bank", "app", "referral")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DormantRules(_Frozen):
    years_without_trade: int = Field(ge=1, le=20)
    cash_max: float = Field(ge=0)
    trust_source_status: bool = True


class EmptyRules(_Frozen):
    assets_max: float = Field(ge=0)
    min_age_days: int = Field(ge=0)


class Windows(_Frozen):
    inflow_days: int = Field(ge=1, le=3660)
    contact_days: int = Field(ge=1, le=3660)


class Scale(_Frozen):
    peak_assets_cap: float = Field(gt=0)
    net_commission_cap: float = Field(gt=0)
    inflow_cap: float = Field(gt=0)
    tenure_years_cap: float = Field(gt=0)


class AgeBand(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    age_from: int = Field(alias="from", ge=0)
    age_to: int = Field(alias="to", gt=0)
    weight: float = Field(ge=0, le=1)


class ActivationConfig(_Frozen):
    dormant: DormantRules
    empty: EmptyRules
    windows: Windows
    weights: dict[str, float]
    scale: Scale
    age_bands: list[AgeBand] = Field(default_factory=list)
    channels: dict[str, float] = Field(default_factory=dict)

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(FACTORS))
        if unknown:
            raise ValueError(f"unknown factor(s) {unknown}; known: {', '.join(FACTORS)}")
        if any(w < 0 for w in value.values()):
            raise ValueError("weights must be >= 0")
        if sum(value.values()) <= 0:
            raise ValueError("at least one weight must be > 0")
        return {f: float(value.get(f, 0.0)) for f in FACTORS}

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(CHANNELS))
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; known: {', '.join(CHANNELS)}")
        if any(not 0 <= w <= 1 for w in value.values()):
            raise ValueError("channel factors must be between 0 and 1")
        return value

    @field_validator("age_bands")
    @classmethod
    def _bands(cls, value: list[AgeBand]) -> list[AgeBand]:
        ordered = sorted(value, key=lambda b: b.age_from)
        for band in ordered:
            if band.age_to <= band.age_from:
                raise ValueError(f"band from {band.age_from}: `to` must be above `from`")
        for a, b in itertools.pairwise(ordered):
            if b.age_from < a.age_to:
                raise ValueError(f"bands from {a.age_from} and {b.age_from} overlap")
        return ordered

    @property
    def weight_total(self) -> float:
        return sum(self.weights.values())


HINT = "fix the activation settings file"


def parse_config(text: str, file: str) -> ActivationConfig:
    return parse_settings(ActivationConfig, text, file, HINT)


def default_config() -> ActivationConfig:
    return shipped_settings(ActivationConfig, "brokerlens.activation", "defaults.yaml", HINT)


def config_path(settings: Settings) -> Path:
    return settings.home / "activation" / "activation.yaml"


def load_config(settings: Settings | None = None) -> ActivationConfig:
    """The installation's settings if it has a file, else the shipped defaults."""
    installed = config_path(settings) if settings is not None else None
    return installed_or_shipped(
        ActivationConfig, installed, "brokerlens.activation", "defaults.yaml", HINT
    )

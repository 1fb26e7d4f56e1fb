"""Recommendation settings as typed configuration: the shipped `recommendation.yaml` or an
installation's `<home>/products/recommendation.yaml`, read like `evaluation.yaml`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brokerlens.config import Settings
from brokerlens.contract.feeds import FEEDS, PRODUCT_TYPES
from brokerlens.settings_file import installed_or_shipped, parse_settings, shipped_settings

TYPES = tuple(PRODUCT_TYPES.split())
# the services a customer can sign (service_agreements.service), in the contract's order
SERVICES: tuple[str, ...] = FEEDS["service_agreements"].column("service").enum or ()


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _known_type(value: str) -> str:
    if value not in TYPES:
        raise ValueError(f"unknown product type {value!r}; use one of {', '.join(TYPES)}")
    return value


class GateConfig(_Frozen):
    professional_only_types: tuple[str, ...] = ("private_fund",)
    service_of_type: dict[str, str] = Field(default_factory=dict)

    @field_validator("professional_only_types")
    @classmethod
    def _types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_known_type(str(v).strip()) for v in value)

    @field_validator("service_of_type")
    @classmethod
    def _services(cls, value: dict[str, str]) -> dict[str, str]:
        checked = {}
        for ptype, service in value.items():
            if str(service).strip() not in SERVICES:
                raise ValueError(
                    f"{ptype}: unknown service {service!r}; use one of {', '.join(SERVICES)}"
                )
            checked[_known_type(str(ptype).strip())] = str(service).strip()
        return checked


class RecommendationConfig(_Frozen):
    gate: GateConfig = GateConfig()


HINT = "fix the recommendation settings file (products/recommendation.yaml)"


def parse_config(text: str, file: str) -> RecommendationConfig:
    return parse_settings(RecommendationConfig, text, file, HINT)


def default_config() -> RecommendationConfig:
    return shipped_settings(
        RecommendationConfig, "brokerlens.products", "recommendation.yaml", HINT
    )


def config_path(settings: Settings) -> Path:
    return settings.home / "products" / "recommendation.yaml"


def load_config(settings: Settings | None = None) -> RecommendationConfig:
    """The installation's settings if it has a file, else the shipped defaults."""
    installed = config_path(settings) if settings is not None else None
    return installed_or_shipped(
        RecommendationConfig, installed, "brokerlens.products", "recommendation.yaml", HINT
    )

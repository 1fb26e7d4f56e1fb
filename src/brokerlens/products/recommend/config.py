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


class ModelConfig(_Frozen):
    """The recommender's settings (the `model:` section)."""

    top_k: int = Field(default=10, ge=1, le=50)  # products shown per customer
    horizon_days: int = Field(
        default=20, ge=1
    )  # trading days a purchase counts after T (the label)
    lookback_days: int = Field(default=250, ge=1)  # trading days of purchases the filter reads
    trail_days: int = Field(
        default=60, ge=1
    )  # trading days of returns that flows chase (~3 months)
    recent_days: int = Field(default=20, ge=1)  # trading days of a branch's sales: what it pushes
    ease_lambda: float = Field(default=20.0, gt=0)  # EASE's L2 penalty (~100 products: a small one)
    windows: int = Field(
        default=4, ge=1
    )  # past as-of dates, horizon_days apart, the blend learns on
    fit_customers: int = Field(default=60_000, ge=100)  # customers sampled per window for the fit
    negative_share: float = Field(
        default=0.25, gt=0, le=1
    )  # share of non-buyers kept (re-weighted)
    refit_days: int = Field(
        default=7, ge=0
    )  # the run refits a model older than this (calendar days)
    chunk: int = Field(default=25_000, ge=100)  # customers scored at a time (x products x features)
    seed: int = 16


class RecommendationConfig(_Frozen):
    gate: GateConfig = GateConfig()
    model: ModelConfig = ModelConfig()


PACKAGE = "brokerlens.products.recommend"  # where the shipped recommendation.yaml lives
HINT = "fix the recommendation settings file (products/recommendation.yaml)"


def parse_config(text: str, file: str) -> RecommendationConfig:
    return parse_settings(RecommendationConfig, text, file, HINT)


def default_config() -> RecommendationConfig:
    return shipped_settings(RecommendationConfig, PACKAGE, "recommendation.yaml", HINT)


def config_path(settings: Settings) -> Path:
    return settings.home / "products" / "recommendation.yaml"


def load_config(settings: Settings | None = None) -> RecommendationConfig:
    """The installation's settings if it has a file, else the shipped defaults."""
    installed = config_path(settings) if settings is not None else None
    return installed_or_shipped(
        RecommendationConfig,
        installed,
        "brokerlens.products.recommend",
        "recommendation.yaml",
        HINT,
    )

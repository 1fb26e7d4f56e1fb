"""Product evaluation settings as typed configuration: the shipped `evaluation.yaml` or an
installation's `<home>/products/evaluation.yaml`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped, parse_settings, shipped_settings


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Stars(_Frozen):
    months: int = Field(ge=2, le=240)
    shares: tuple[float, float, float, float, float]

    @field_validator("shares")
    @classmethod
    def _shares(
        cls, value: tuple[float, float, float, float, float]
    ) -> tuple[float, float, float, float, float]:
        if any(s < 0 for s in value):
            raise ValueError("shares must be >= 0")
        if any(abs(s * 10 - round(s * 10)) > 1e-9 for s in value):
            raise ValueError("shares are percents with one decimal at most")
        if round(sum(value) * 10) != 1000:
            raise ValueError(f"shares must add up to 100, not {sum(value):g}")
        return value

    @property
    def cumulative_permille(self) -> tuple[int, int, int, int]:
        """The upper bounds of 5, 4, 3 and 2 stars as cumulative shares from the top, in 1/1000."""
        bounds, total = [], 0
        for share in self.shares[:4]:
            total += round(share * 10)
            bounds.append(total)
        return bounds[0], bounds[1], bounds[2], bounds[3]


class EvaluationConfig(_Frozen):
    risk_free_rate: float = Field(ge=-0.05, le=0.5)
    periods_per_year: int = Field(ge=1, le=366)
    drawdown_years: int = Field(ge=1, le=20)
    stale_after_days: int = Field(ge=0, le=3660)
    launch_tolerance_days: int = Field(ge=0, le=3660)
    stars: Stars
    benchmark_indexes: dict[str, str] = Field(default_factory=dict)

    @field_validator("benchmark_indexes")
    @classmethod
    def _indexes(cls, value: dict[str, str]) -> dict[str, str]:
        for name, index_id in value.items():
            if not str(name).strip() or not str(index_id).strip():
                raise ValueError("index names and ids must not be empty")
        return {str(k).strip(): str(v).strip() for k, v in value.items()}

    @property
    def rf_daily(self) -> float:
        """The risk-free return of one period (simple: the annual rate / periods a year)."""
        return self.risk_free_rate / self.periods_per_year

    @property
    def rf_monthly(self) -> float:
        """The risk-free return of one month, compounded: (1 + rf)^(1/12) - 1."""
        return float((1 + self.risk_free_rate) ** (1 / 12) - 1)


HINT = "fix the product evaluation settings file"


def parse_config(text: str, file: str) -> EvaluationConfig:
    return parse_settings(EvaluationConfig, text, file, HINT)


def default_config() -> EvaluationConfig:
    return shipped_settings(EvaluationConfig, "brokerlens.products", "evaluation.yaml", HINT)


def config_path(settings: Settings) -> Path:
    return settings.home / "products" / "evaluation.yaml"


def load_config(settings: Settings | None = None) -> EvaluationConfig:
    """The installation's settings if it has a file, else the shipped defaults."""
    installed = config_path(settings) if settings is not None else None
    return installed_or_shipped(
        EvaluationConfig, installed, "brokerlens.products", "evaluation.yaml", HINT
    )

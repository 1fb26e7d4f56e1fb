"""Suitability rules as typed configuration: the shipped `rules.yaml` or an installation's."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped, shipped_settings
from brokerlens.suitability.grades import CLASSES, GRADES

PERMISSIONS = ("margin", "chinext", "star", "bse", "option", "hk_connect")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HorizonRules(_Frozen):
    short_max_days: int = Field(gt=0)
    medium_max_days: int = Field(gt=0)


class CallbackRules(_Frozen):
    min_grade: str
    days: int = Field(ge=0)


class ValidityRules(_Frozen):
    expiring_days: int = Field(ge=0)


class IndividualCriteria(_Frozen):
    financial_assets: float
    annual_income: float
    experience_months: int


class InstitutionCriteria(_Frozen):
    net_assets: float
    financial_assets: float
    experience_months: int


class ProfessionalRules(_Frozen):
    individual: IndividualCriteria
    institution: InstitutionCriteria
    apply: IndividualCriteria


class Permission(_Frozen):
    name: str
    grade: str
    assets_20d: float = Field(ge=0)
    experience_months: int = Field(default=0, ge=0)
    min_class: str | None = None
    age: tuple[int, int] | None = None
    needs_margin_or_futures: bool = False
    not_in_data: list[str] = Field(default_factory=list)

    @field_validator("grade")
    @classmethod
    def _grade(cls, value: str) -> str:
        if value not in GRADES:
            raise ValueError(f"must be one of {', '.join(GRADES)}")
        return value

    @field_validator("min_class")
    @classmethod
    def _class(cls, value: str | None) -> str | None:
        if value is not None and value not in CLASSES:
            raise ValueError(f"must be one of {', '.join(CLASSES)}")
        return value


class Rules(_Frozen):
    matching: dict[str, str]
    lowest_category_max_grade: str
    horizon: HorizonRules
    callback: CallbackRules
    validity: ValidityRules
    professional: ProfessionalRules
    permissions: dict[str, Permission]
    security_grades: dict[str, str] = Field(default_factory=dict)

    @field_validator("security_grades")
    @classmethod
    def _security_grades(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(k for k, g in value.items() if g not in GRADES)
        if bad:
            raise ValueError(f"{', '.join(bad)}: grades must be one of {', '.join(GRADES)}")
        return value

    @field_validator("matching")
    @classmethod
    def _matching(cls, value: dict[str, str]) -> dict[str, str]:
        if sorted(value) != list(CLASSES) or any(g not in GRADES for g in value.values()):
            raise ValueError(f"map each of {', '.join(CLASSES)} to one of {', '.join(GRADES)}")
        return value

    @field_validator("permissions")
    @classmethod
    def _known(cls, value: dict[str, Permission]) -> dict[str, Permission]:
        unknown = sorted(set(value) - set(PERMISSIONS))
        if unknown:
            raise ValueError(f"unknown permission(s) {unknown}; known: {', '.join(PERMISSIONS)}")
        return value


HINT = "fix the rules file"


def default_rules() -> Rules:
    return shipped_settings(Rules, "brokerlens.suitability", "rules.yaml", HINT)


def rules_path(settings: Settings) -> Path:
    return settings.home / "suitability" / "rules.yaml"


def load_rules(settings: Settings | None = None) -> Rules:
    """The installation's rules if it has a file, else the shipped defaults."""
    installed = rules_path(settings) if settings is not None else None
    return installed_or_shipped(Rules, installed, "brokerlens.suitability", "rules.yaml", HINT)

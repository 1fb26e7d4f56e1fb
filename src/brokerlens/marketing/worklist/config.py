"""Work list settings as typed configuration: the shipped `worklist.yaml` or an installation's
`<home>/marketing/worklist.yaml`; a problem names the file and the field."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from brokerlens.config import Settings
from brokerlens.errors import ConfigError
from brokerlens.settings_file import YamlProblem, parse_settings, read_yaml, shipped_settings

# the item kinds, in the order a customer's reasons are listed when urgencies tie
KINDS = (
    "complaint",
    "churn",
    "group",
    "callback_due",
    "follow_up",
    "campaign",
    "maturity",
    "assessment_expiring",
    "ipo_allotment",
    "activation",
    "birthday",
    "alert",
    "anniversary",
)

PACKAGE = "brokerlens.marketing.worklist"
FILE = "worklist.yaml"
HINT = "fix the work list settings file (docs/worklist.md lists the fields)"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _share(value: float) -> float:
    if not 0 <= value <= 1:
        raise ValueError("must be between 0 and 1")
    return value


class Weights(_Frozen):
    urgency: float = Field(ge=0, le=1)
    value: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sum(self) -> Weights:
        if not math.isclose(self.urgency + self.value, 1.0, abs_tol=1e-9):
            raise ValueError(f"urgency + value must be 1 (they are {self.urgency + self.value:g})")
        return self


class Budget(_Frozen):
    default: int = Field(ge=1, le=1000)
    branches: dict[str, int] = Field(default_factory=dict)

    @field_validator("branches")
    @classmethod
    def _sizes(cls, value: dict[str, int]) -> dict[str, int]:
        bad = sorted(b for b, n in value.items() if not 1 <= n <= 1000)
        if bad:
            raise ValueError(f"a branch's budget must be 1..1000 (not for {', '.join(bad)})")
        return value

    def of(self, branch_id: str | None) -> int:
        return self.branches.get(branch_id or "", self.default)


class Windows(_Frozen):
    assessment_days: int = Field(ge=0, le=366)
    birthday_days: int = Field(ge=0, le=60)
    anniversary_days: int = Field(ge=0, le=60)
    maturity_days: int = Field(ge=0, le=366)


class ChurnRule(_Frozen):
    min_probability: float = Field(ge=0, le=1)
    top_share: float = Field(ge=0, le=1)


class ActivationRule(_Frozen):
    top_share: float = Field(ge=0, le=1)


class GroupRule(_Frozen):
    """Customers who entered (or left) customer group `group` on the newest refreshed date on or
    before T become work items (issue 25); the group's reason is the item's."""

    group: int = Field(ge=1, le=2**31 - 1)
    change: Literal["entered", "left"] = "entered"


class WorklistConfig(_Frozen):
    weights: Weights
    bonus: float = Field(ge=0, le=1)
    urgency: dict[str, float]
    alert_urgency: dict[str, float] = Field(default_factory=dict)
    # alert id -> the item kind that says the same (the alert is then left out of the row)
    alert_covered_by: dict[str, str] = Field(default_factory=dict)
    budget: Budget
    cooldown_days: int = Field(ge=0, le=366)
    windows: Windows
    churn: ChurnRule
    activation: ActivationRule
    groups: list[GroupRule] = Field(default_factory=list, max_length=100)

    @field_validator("urgency")
    @classmethod
    def _kinds(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kind(s) {unknown}; known: {', '.join(KINDS)}")
        missing = sorted(set(KINDS) - set(value))
        if missing:
            raise ValueError(f"missing kind(s) {missing}: give every kind an urgency")
        return {k: _share(float(v)) for k, v in value.items()}

    @field_validator("alert_covered_by")
    @classmethod
    def _covers(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(k for k in value.values() if k not in KINDS or k == "alert")
        if unknown:
            raise ValueError(f"unknown kind(s) {unknown}; known: {', '.join(KINDS)}")
        return value

    @field_validator("alert_urgency")
    @classmethod
    def _alerts(cls, value: dict[str, float]) -> dict[str, float]:
        return {k: _share(float(v)) for k, v in value.items()}

    def alert_weight(self, alert_id: str) -> float:
        return self.alert_urgency.get(alert_id, self.urgency["alert"])


def parse_config(text: str, file: str) -> WorklistConfig:
    return parse_settings(WorklistConfig, text, file, HINT)


def default_config() -> WorklistConfig:
    return shipped_settings(WorklistConfig, PACKAGE, FILE, HINT)


def config_path(settings: Settings) -> Path:
    return settings.home / "marketing" / FILE


def _merged(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {k: _merged(base.get(k), v) if k in base else v for k, v in over.items()} | {
            k: v for k, v in base.items() if k not in over
        }
    return over


def load_config(settings: Settings | None = None) -> WorklistConfig:
    """The installation's settings if it has a file, else the shipped defaults. The
    installation's file may give only some fields: the others keep the shipped values."""
    installed = config_path(settings) if settings is not None else None
    if installed is None or not installed.exists():
        return default_config()
    try:
        own = read_yaml(installed.read_text("utf-8")) or {}
    except YamlProblem as exc:
        raise ConfigError(f"{installed}{exc.where()}: not valid YAML: {exc.problem}") from None
    if not isinstance(own, dict):
        raise ConfigError(f"{installed}: expected fields (a mapping), not a list or a value")
    shipped = read_yaml(resources.files(PACKAGE).joinpath(FILE).read_text("utf-8"))
    text = yaml.safe_dump(_merged(shipped, own), allow_unicode=True)
    return parse_settings(WorklistConfig, text, str(installed), HINT)

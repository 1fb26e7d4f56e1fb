"""Alert definitions as typed data (issue 6 section 1).

An alert is a condition over indicator ids and the alert's own named thresholds (`params`, each
with its default), plus the indicators its explanation shows and the explanation's wording in
Chinese and English. The shipped definitions and an installation's additions are the same model,
read and checked by one loader.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IDENT = r"^[a-z][a-z0-9_]*$"


class AlertDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENT, max_length=40)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    meaning: str
    params: dict[str, float] = Field(default_factory=dict)
    when: str = Field(min_length=1)
    shows: list[str] = Field(min_length=1)  # indicator ids the explanation gives the value of
    text_zh: str = Field(min_length=1)  # `{name:format}` over `shows` and `params`
    text_en: str = Field(min_length=1)

    @field_validator("params")
    @classmethod
    def _param_names(cls, value: dict[str, float]) -> dict[str, float]:
        for name, number in value.items():
            if not _is_ident(name):
                raise ValueError(f"threshold name {name!r} must be lower snake case")
            if not math.isfinite(number):
                raise ValueError(f"threshold {name!r} must be a finite number")
        return value

    @model_validator(mode="after")
    def _names_distinct(self) -> AlertDefinition:
        clash = set(self.params) & set(self.shows)
        if clash:
            raise ValueError(f"threshold names {sorted(clash)} are also indicator ids")
        return self


class AlertFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alerts: list[AlertDefinition] = Field(min_length=1)


def _is_ident(name: str) -> bool:
    return re.fullmatch(IDENT, name) is not None

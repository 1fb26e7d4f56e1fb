"""Alert definitions as typed data (issue 6 section 1).

An alert is a condition over indicator ids and the alert's own named thresholds (`params`, each
with its default), plus the indicators its explanation shows and the explanation's wording in
Chinese and English. The shipped definitions and an installation's additions are the same model,
read and checked by one loader.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IDENT = r"^[a-z][a-z0-9_]*$"
# An alert that fires for more than this share of the customers open on a day needs a
# `volume_reason_zh` (measured by `brokerlens bench --suite alerts`, docs/alerts.md).
VOLUME_SHARE = 0.05

# The units a threshold is shown and typed in: an amount in yuan (5万), a ratio (0.5 is 50%), a
# number of days, a count, levels, or a plain number.
ParamUnit = Literal["yuan", "ratio", "days", "count", "levels", "number"]


class ParamInfo(BaseModel):
    """What a threshold means, for the people who set it: its name, unit and meaning."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    unit: ParamUnit = "number"
    meaning_zh: str | None = None  # one line in Chinese


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
    meaning_zh: str | None = None  # the meaning in Chinese, for the threshold page
    param_info: dict[str, ParamInfo] = Field(default_factory=dict)  # threshold name -> its words
    # Why the alert may fire for more than VOLUME_SHARE of the book on a day (issue 20): an alert
    # that busy on the demo brokerage must say why it is still worth a broker's attention. Shown
    # on the threshold page beside the meaning; `volume_reason_en` for the English page.
    volume_reason_zh: str | None = Field(default=None, min_length=1)
    volume_reason_en: str | None = Field(default=None, min_length=1)

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
        stray = set(self.param_info) - set(self.params)
        if stray:
            raise ValueError(f"param_info names {sorted(stray)} that are not in `params`")
        return self


class AlertFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alerts: list[AlertDefinition] = Field(min_length=1)


def _is_ident(name: str) -> bool:
    return re.fullmatch(IDENT, name) is not None

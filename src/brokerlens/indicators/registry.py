"""The indicator registry, read from `builtin.yaml` beside this module."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict


class Indicator(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    zh: str
    en: str
    meaning: str
    unit: str
    type: Literal["number", "text"] = "number"
    model: str


@cache
def load_indicators() -> dict[str, Indicator]:
    """Every base indicator by id, in catalog order."""
    text = resources.files("brokerlens.indicators").joinpath("builtin.yaml").read_text("utf-8")
    entries = yaml.safe_load(text)["indicators"]
    return {entry["id"]: Indicator(**entry) for entry in entries}

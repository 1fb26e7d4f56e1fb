"""A generated and loaded brokerage, as the session fixture `small_brokerage` hands it out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from brokerlens.config import Settings


@dataclass(frozen=True)
class Brokerage:
    inbox: Path
    settings: Settings

"""The run steps of worklist (registered when `brokerlens.marketing.steps` is imported)."""

from __future__ import annotations

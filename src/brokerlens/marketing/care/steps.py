"""The run steps of care (registered when `brokerlens.marketing.steps` is imported)."""

from __future__ import annotations

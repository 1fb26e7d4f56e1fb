"""The run steps of campaigns (registered when `brokerlens.marketing.steps` is imported)."""

from __future__ import annotations

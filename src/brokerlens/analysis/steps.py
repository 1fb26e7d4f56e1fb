"""The business analysis run steps: each part registers its own when imported here."""

from __future__ import annotations

from brokerlens.analysis.channels import steps as channels_steps

__all__: list[str] = ["channels_steps"]

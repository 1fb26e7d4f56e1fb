"""The business analysis run steps: each part registers its own when imported here."""

from __future__ import annotations

__all__: list[str] = []

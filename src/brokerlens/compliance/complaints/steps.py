"""The complaints' run step (issue 18 section 2)."""

from __future__ import annotations

"""The call-back tasks' run step (issue 18 section 1)."""

from __future__ import annotations

"""`brokerlens ingest`: placeholder until its service lands."""

from __future__ import annotations

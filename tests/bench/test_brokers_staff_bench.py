"""Bench suite `brokers`, part E: its stages are registered (their run over a published home:
tests/web/test_brokers_staff_web.py)."""

from __future__ import annotations

import brokerlens.bench.brokers_staff  # noqa: F401  (registers its stages; alone, nothing else would)
from brokerlens.bench.harness import SUITES


def test_the_stages_are_in_the_brokers_suite() -> None:
    names = [s.name for s in SUITES["brokers"]]
    assert "staff book + broker risk" in names and "staff_page" in names
    target = next(s.target for s in SUITES["brokers"] if s.name == "staff_page")
    assert "300 ms" in target

"""The statement lines' split gives the same cents on Spark as on DuckDB (the run's engine), on
the hand-built rows of the split tests: thirds, a 60/40 split, shares below and above 100%, a
relationship changing hands within the month, and roles nobody holds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from brokerlens.config import load_settings
from brokerlens.engine import open_engine
from brokers.test_brokers_statements_split import D1, D2, _income, _ledger, _lines
from support.needs import need_java

pytestmark = pytest.mark.spark

START = dt.date(2025, 1, 1)


def test_duckdb_and_spark_split_alike(tmp_path: Path) -> None:
    need_java()
    income = _income([(D1, "C1", 100, 2001), (D2, "C1", 1235, 0), (D1, "C2", 999, 7)])
    ledger = _ledger(
        [
            ("C1", "S3", "servicer", "33.33", START, None),
            ("C1", "S2", "servicer", "33.33", START, None),
            ("C1", "S1", "servicer", "33.34", START, None),
            ("C1", "S1", "developer", "60", START, dt.date(2025, 3, 10)),
            ("C1", "S2", "developer", "40", START, dt.date(2025, 3, 10)),
            ("C1", "S3", "developer", "100", dt.date(2025, 3, 10), None),
            ("C2", "S1", "developer", "60", START, None),
            ("C2", "S2", "developer", "30", START, None),
            ("C2", "S3", "advisor", "60", START, None),
            ("C2", "S1", "advisor", "60", START, None),
        ]
    )
    found = {}
    for name in ("duckdb", "spark"):
        engine = open_engine(name, load_settings(home=tmp_path / name))
        found[name] = _lines(income, ledger, engine)
    assert found["spark"] == found["duckdb"]
    assert (
        sum(v for k, v in found["spark"].items() if k[2] == "advisor")
        == 100 + 2001 + 1235 + 999 + 7
    )

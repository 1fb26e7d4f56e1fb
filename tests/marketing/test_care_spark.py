"""The care occasions give the same messages on Spark as on DuckDB (the run's engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.config import load_settings
from brokerlens.engine import open_engine
from brokerlens.marketing.care.build import make_messages
from brokerlens.marketing.care.loader import shipped_rules
from marketing.care_rows import register
from marketing.test_care_occasions import PREV, ROWS, T
from support.needs import need_java

pytestmark = pytest.mark.spark


def test_duckdb_and_spark_make_the_same_messages(tmp_path: Path) -> None:
    need_java()
    found = {}
    for name in ("duckdb", "spark"):
        engine = open_engine(name, load_settings(home=tmp_path / name))
        try:
            register(engine, **ROWS)
            found[name] = make_messages(engine, shipped_rules(), T, hold_day=PREV).to_pylist()
        finally:
            engine.close()
    assert found["spark"] == found["duckdb"]
    assert {r["rule_id"] for r in found["duckdb"]} == {
        "birthday",
        "assessment_expiring",
        "product_maturing",
        "ipo_allotment",
        "dividend",
    }

"""Broker risk (brokers/risk/sql/broker_risk.sql) on a hand-built branch: three brokers of B1
over the 90 days to 2025-06-30, one case per flag, each broker against the branch.

  S1: 10 customers since 2025-01-01; 5 leave on 2025-05-15; their assets halve (churn, loss)
  S2: 20 customers; 25 trades, all in 600519 by 5 customers (concentration)
  S3: 20 customers; 30 trades in 30 securities; 6 product purchases, 4 of them an R5 product
      by customers assessed C1 (risky sales); S2's customers buy 10 R2 products
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from brokerlens.brokers.risk.build import rules_table
from brokerlens.brokers.risk.config import config_path, load_config
from brokerlens.brokers.risk.text import Measure, explain
from brokerlens.config import Settings, load_settings
from brokerlens.engine import Engine, open_engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.errors import ConfigError

D = dt.date
AS_OF, SINCE = D(2025, 6, 30), D(2025, 4, 2)
START = SINCE  # the window's first loaded day


def _customers(staff_id: str, n: int) -> list[str]:
    return [f"{staff_id}C{i:02d}" for i in range(n)]


def _ledger() -> pa.Table:
    rows = []
    for staff_id, n in (("S1", 10), ("S2", 20), ("S3", 20)):
        for i, customer in enumerate(_customers(staff_id, n)):
            gone = staff_id == "S1" and i < 5
            rows.append((customer, staff_id, D(2025, 1, 1), D(2025, 5, 15) if gone else None))
    return pa.table(
        {
            "customer_id": [r[0] for r in rows],
            "staff_id": [r[1] for r in rows],
            "role": ["servicer"] * len(rows),
            "share_pct": pa.array([100] * len(rows), pa.decimal128(5, 2)),
            "valid_from": pa.array([r[2] for r in rows], pa.date32()),
            "valid_to": pa.array([r[3] for r in rows], pa.date32()),
            "source": ["feed"] * len(rows),
        }
    )


def _assets() -> pa.Table:
    rows: list[tuple[dt.date, str, float]] = []
    for staff_id, n in (("S1", 10), ("S2", 20), ("S3", 20)):
        for i, customer in enumerate(_customers(staff_id, n)):
            end = 50_000.0 if staff_id == "S1" and i < 5 else 100_000.0
            end = 110_000.0 if staff_id != "S1" else end
            rows += [(START, customer, 100_000.0), (AS_OF, customer, end)]
    return pa.table(
        {
            "biz_date": pa.array([r[0] for r in rows], pa.date32()),
            "customer_id": [r[1] for r in rows],
            "total_assets": [r[2] for r in rows],
        }
    )


def _trades() -> pa.Table:
    rows: list[tuple[str, str, str, float]] = []
    s2 = _customers("S2", 20)
    for i in range(25):
        rows.append((f"T2{i}", s2[i % 5], "600519", 10_000.0))
    s3 = _customers("S3", 20)
    for i in range(30):
        rows.append((f"T3{i}", s3[i % 20], f"{600000 + i}", 100_000.0))
    return pa.table(
        {
            "trade_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "security_id": [r[2] for r in rows],
            "amount": [r[3] for r in rows],
            "trade_type": ["normal"] * len(rows),
        }
    )


def _sales() -> tuple[pa.Table, pa.Table]:
    s3, s2 = _customers("S3", 20), _customers("S2", 20)
    orders = [(f"O3{i}", s3[i], "PR5" if i < 4 else "PR2") for i in range(6)]
    orders += [(f"O2{i}", s2[i], "PR2") for i in range(10)]
    trades = pa.table(
        {
            "order_id": [o[0] for o in orders],
            "customer_id": [o[1] for o in orders],
            "product_id": [o[2] for o in orders],
            "action": ["purchase"] * len(orders),
            "biz_date": pa.array([D(2025, 6, 1)] * len(orders), pa.date32()),
        }
    )
    assessed = [(c, "C1") for c in s3[:6]] + [(c, "C4") for c in s2[:10]]
    assessments = pa.table(
        {
            "customer_id": [a[0] for a in assessed],
            "assess_date": pa.array([D(2025, 1, 5)] * len(assessed), pa.date32()),
            "risk_class": [a[1] for a in assessed],
            "valid_from": pa.array([D(2025, 1, 5)] * len(assessed), pa.date32()),
            "valid_to": pa.array([None] * len(assessed), pa.date32()),
        }
    )
    return trades, assessments


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / "home")


def _engine(settings: Settings) -> Engine:
    runner = open_engine("duckdb", settings, threads=1)
    runner.register_table(
        "risk_staff", pa.table({"staff_id": ["S1", "S2", "S3"], "branch_id": ["B1"] * 3})
    )
    runner.register_table("risk_ledger", _ledger())
    runner.register_table("risk_assets", _assets())
    runner.register_table("risk_trades", _trades())
    sales, assessments = _sales()
    runner.register_table("risk_product_trades", sales)
    runner.register_table("risk_assessments_history", assessments)
    nulls = pa.array([None, None], pa.date32())
    runner.register_table(
        "products_history",
        pa.table(
            {
                "product_id": ["PR5", "PR2"],
                "risk_level": ["R5", "R2"],
                "valid_from": pa.array([D(2024, 1, 1)] * 2, pa.date32()),
                "valid_to": nulls,
            }
        ),
    )
    runner.register_table(
        "customers_history",
        pa.table(
            {
                "customer_id": pa.array([], pa.string()),
                "status": pa.array([], pa.string()),
                "close_date": pa.array([], pa.date32()),
                "valid_from": pa.array([], pa.date32()),
                "valid_to": pa.array([], pa.date32()),
            }
        ),
    )
    runner.register_table("risk_rules", rules_table(load_config(settings)))
    return runner


def _measures(settings: Settings) -> dict[tuple[str, str], dict[str, Any]]:
    params = {"as_of": AS_OF, "since": SINCE, "start_day": START}
    table = _engine(settings).fetch(load_sql("brokerlens.brokers.risk", "broker_risk").sql, params)
    return {(r["staff_id"], r["metric"]): r for r in table.to_pylist()}


def _flagged(measures: dict[tuple[str, str], dict[str, Any]]) -> set[tuple[str, str]]:
    return {key for key, row in measures.items() if row["flagged"]}


def test_each_case_is_flagged_and_nothing_else(settings: Settings) -> None:
    measures = _measures(settings)
    assert _flagged(measures) == {
        ("S1", "customer_churn"),
        ("S1", "asset_loss"),
        ("S2", "trading_concentration"),
        ("S3", "risky_sales"),
    }
    churn = measures[("S1", "customer_churn")]
    assert (churn["base"], churn["hits"], churn["value"]) == (10, 5, 0.5)
    assert churn["branch_value"] == pytest.approx(5 / 50)
    loss = measures[("S1", "asset_loss")]
    assert (loss["start_cents"], loss["end_cents"]) == (100_000_000, 75_000_000)
    top = measures[("S2", "trading_concentration")]
    assert (top["detail"], top["hits"], top["base"], top["value"]) == ("600519", 5, 25, 1.0)
    sales = measures[("S3", "risky_sales")]
    assert (sales["hits"], sales["base"]) == (4, 6)
    assert sales["branch_value"] == pytest.approx(4 / 16)


def test_a_flag_is_explained_with_its_figures(settings: Settings) -> None:
    row = _measures(settings)[("S1", "customer_churn")]
    measure = Measure(
        metric=row["metric"],
        value=row["value"],
        branch_value=row["branch_value"],
        base=row["base"],
        hits=row["hits"],
        detail=row["detail"],
        start_yuan=None,
        end_yuan=None,
        window_days=90,
    )
    zh, en = explain(measure, load_config(settings))
    assert "10户中5户" in zh and "50.0%" in zh and "10.0%" in zh
    assert "5 of the 10" in en and "2x the branch" in en


def test_the_installation_s_thresholds_apply(settings: Settings) -> None:
    path = config_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("customer_churn:\n  ratio: 6\nrisky_sales:\n  min_sales: 7\n", "utf-8")
    flagged = _flagged(_measures(settings))
    assert ("S1", "customer_churn") not in flagged  # 50% < 6 x 10%
    assert ("S3", "risky_sales") not in flagged  # 6 sales < 7
    assert ("S1", "asset_loss") in flagged  # the defaults hold where the file says nothing


def test_a_bad_threshold_file_is_refused_by_name(settings: Settings) -> None:
    path = config_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("customer_churn:\n  ratio: 0.5\n", "utf-8")
    with pytest.raises(ConfigError, match="ratio"):
        load_config(settings)

"""GBK CSV with its manifest, and parquet."""

from __future__ import annotations

import json
from pathlib import Path

import gen_checks as checks
import pyarrow.parquet as pq
from gen_checks import generated

from brokerlens.contract.feeds import FEEDS
from brokerlens.contract.manifest import read_manifest, sha256_of


def test_gbk_round_trip_with_manifest() -> None:
    utf8, gbk = generated(customers=200, days=3), generated(customers=200, days=3, encoding="gbk")
    for folder in checks.date_dirs(gbk):
        manifest = read_manifest(folder)
        assert manifest is not None and manifest.encoding == "gbk"
        for name, entry in manifest.feeds.items():
            path = folder / f"{name}.csv"
            assert sha256_of(path) == entry.sha256
            text = path.read_bytes().decode("gbk")
            same = (utf8 / folder.name / f"{name}.csv").read_text(encoding="utf-8")
            assert text == same
    customers = (checks.date_dirs(gbk)[0] / "customers.csv").read_bytes()
    try:
        customers.decode("utf-8")
        raise AssertionError("GBK file with Chinese names should not decode as UTF-8")
    except UnicodeDecodeError:
        pass
    checks.check_contract(gbk)


def test_parquet_is_the_same_data() -> None:
    csv, parquet = (
        generated(customers=200, days=3),
        generated(customers=200, days=3, format="parquet"),
    )
    assert not list(parquet.rglob("*.csv"))
    for folder in checks.date_dirs(parquet):
        manifest = json.loads((folder / "_manifest.json").read_text())
        for name, entry in manifest["feeds"].items():
            table = pq.read_table(folder / f"{name}.parquet")
            assert table.column_names == list(FEEDS[name].column_names)
            assert table.num_rows == entry["rows"]
            assert sha256_of(folder / f"{name}.parquet") == entry["sha256"]
    a = checks.load(csv)
    b = checks.load(parquet)
    for date in a:
        da, db = a[date]["daily_assets"], b[date]["daily_assets"]
        assert list(da.total_assets) == list(db.total_assets)
    data = checks.check_contract(parquet)
    checks.check_reconciliations(data)


def test_money_and_price_formats() -> None:
    folder = checks.date_dirs(generated(customers=200, days=3))[1]
    lines = (folder / "trades.csv").read_text().splitlines()
    header = lines[0].split(",")
    for line in lines[1:20]:
        row = dict(zip(header, line.split(","), strict=True))
        assert len(row["amount"].split(".")[1]) <= 2
        assert len(row["price"].split(".")[1]) <= 4
        assert len(row["trade_time"]) == 19
        assert row["biz_date"] == folder.name


def test_ground_truth_is_outside_date_folders() -> None:
    out = generated(customers=200, days=3)
    gt = pq.read_table(out / "_ground_truth" / "customers.parquet")
    assert gt.column_names == [
        "customer_id", "archetype", "true_risk_appetite", "churn_date", "churn_kind",
        "churn_cause", "signal_date", "rescued_date",
    ]  # fmt: skip
    assert gt.num_rows == 200
    appetite = gt.column("true_risk_appetite").to_pylist()
    assert min(appetite) >= 1 and max(appetite) <= 5
    assert len(set(gt.column("archetype").to_pylist())) > 15
    assert Path(out / "_ground_truth" / "bad_rows.parquet").exists()
    assert Path(out / "_ground_truth" / "effects.parquet").exists()

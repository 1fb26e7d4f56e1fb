"""--bad-rows F: about F broken rows of every kind, each at the line the ground truth names."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import gen_checks as checks
import pyarrow.parquet as pq
from gen_checks import generated

from brokerlens.contract.feeds import FEEDS, ColumnType, Rule


def _parses(kind: ColumnType, text: str) -> bool:
    try:
        if kind in (ColumnType.MONEY, ColumnType.PRICE, ColumnType.NUMBER):
            float(text)
        elif kind == ColumnType.INTEGER:
            int(text)
        elif kind == ColumnType.DATE:
            dt.date.fromisoformat(text)
        elif kind == ColumnType.TIMESTAMP:
            dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        elif kind == ColumnType.BOOLEAN:
            return text in ("true", "false")
        return True
    except ValueError:
        return False


def test_share_kinds_and_lines() -> None:
    share = 0.05
    out = generated(customers=600, days=4, bad_rows=share)
    bad = pq.read_table(out / "_ground_truth" / "bad_rows.parquet").to_pandas()
    total = 0
    for folder in checks.date_dirs(out):
        manifest = json.loads((folder / "_manifest.json").read_text())
        total += sum(e["rows"] for e in manifest["feeds"].values())
    assert 0.6 * share < len(bad) / total < 1.6 * share
    assert set(bad.rule) == {str(r) for r in Rule} - {"out_of_range", "wrong_date"}
    for (date, name), rows in bad.groupby([bad.biz_date.astype(str), "feed"]):
        spec = FEEDS[name]
        text = (out / date / f"{name}.csv").read_text()
        lines = text.split("\n")
        header = lines[0].split(",")
        parsed = list(csv.reader(io.StringIO(text)))
        keys = [
            "|".join(r[header.index(k)] for k in spec.key)
            for r in parsed[1:]
            if len(r) == len(header)
        ]
        for _, item in rows.iterrows():
            row = dict(zip(header, parsed[item.line - 1], strict=True))
            key = "|".join(row[k] for k in spec.key)
            if item.rule != "unknown_reference":  # one defect per row
                for c in spec.columns:
                    if c.references is not None and c.references.feed != name and row[c.name]:
                        assert not re.search(r"X\d+$|^ZZ", row[c.name]), (name, item.rule, row)
            if item.rule == "duplicate_key":
                assert keys.count(key) >= 2, (date, name, item.line)
            elif item.rule == "missing_value":
                assert any(row[c.name] == "" for c in spec.columns if not c.nullable)
            elif item.rule == "bad_enum":
                assert any(
                    c.enum and row[c.name] and row[c.name] not in c.enum for c in spec.columns
                )
            elif item.rule == "bad_type":
                assert any(row[c.name] and not _parses(c.type, row[c.name]) for c in spec.columns)
            elif item.rule == "unknown_reference":
                assert any(c.references and row[c.name].startswith("ZZ") for c in spec.columns)
            elif item.rule == "negative_amount":
                assert any(
                    c.type == ColumnType.MONEY and row[c.name].startswith("-") for c in spec.columns
                )
            elif item.rule == "unreconciled_total":
                if name == "trades":
                    expect = float(row["quantity"]) * float(row["price"])
                    assert abs(float(row["amount"]) - expect) > 0.01 + 0.001 * expect
                else:
                    parts = [
                        "cash",
                        "stock_value",
                        "fund_value",
                        "bond_value",
                        "product_value",
                        "other_value",
                    ]
                    expect = sum(float(row[p]) for p in parts) - float(row["liabilities"])
                    assert abs(float(row["total_assets"]) - expect) > 0.01
    # with the listed rows removed, every rule holds (checked on the good data)
    checks.check_contract(out)


def test_no_bad_rows_by_default() -> None:
    out = generated()
    assert pq.read_table(out / "_ground_truth" / "bad_rows.parquet").num_rows == 0

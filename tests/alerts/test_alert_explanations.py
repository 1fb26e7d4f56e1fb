"""The explanation each alert row carries: JSON of the figures and thresholds that fired it and
the words in Chinese and English, written a column at a time for millions of rows; every row
reads as `json.dumps` would write it, whatever its figures."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa

from brokerlens.alerts.compile import THRESHOLD_PREFIX
from brokerlens.alerts.evaluate import _rows
from brokerlens.alerts.model import AlertDefinition

DEFINITION = AlertDefinition(
    id="big_idle",
    zh="大额闲置",
    en="Big and idle",
    meaning="a big account that stopped trading",
    params={"share": 0.3},
    when="assets_t > 0",
    shows=["assets_t", "idle_days"],
    text_zh="资产 {assets_t:yuan} 元 (100% 口径), {idle_days:idle}, 门槛 {share:pct}",
    text_en='assets {assets_t:yuan} "yuan", {idle_days:idle}, threshold {share:pct}',
)


def explained(assets: list[object], idle: list[object], share: list[object]) -> list[dict]:
    fired = pa.table(
        {
            "customer_id": [f"C{i}" for i in range(len(assets))],
            "branch_id": ["B1"] * len(assets),
            "assets_t": pa.array(assets, pa.float64()),
            "idle_days": pa.array(idle, pa.float64()),
            THRESHOLD_PREFIX + "share": pa.array(share, pa.float64()),
        }
    )
    texts = _rows(DEFINITION, fired, dt.date(2025, 2, 10)).column("explanation").to_pylist()
    for text in texts:  # byte for byte what json.dumps writes
        assert text == json.dumps(json.loads(text), ensure_ascii=False)
    return [json.loads(t) for t in texts]


def test_each_row_gives_its_own_figures_and_words() -> None:
    rows = explained([1234567.5, None, 0.30000000000000004], [47.0, None, 3.0], [0.3, 0.3, 0.25])
    assert rows[0] == {
        "figures": {"assets_t": 1234567.5, "idle_days": 47.0},
        "thresholds": {"share": 0.3},
        "zh": "资产 1,234,567.5 元 (100% 口径), 已 47 天无交易, 门槛 30%",
        "en": 'assets 1,234,567.5 "yuan", no trade for 47 days, threshold 30%',
    }
    # no figure: a dash, and the idle phrase for a customer who never traded
    assert rows[1]["figures"] == {"assets_t": None, "idle_days": None}
    assert rows[1]["zh"] == "资产 — 元 (100% 口径), 数据中无交易记录, 门槛 30%"
    assert rows[1]["en"] == 'assets — "yuan", no trade in the data, threshold 30%'
    # a sum's last-bit noise is not a figure; a branch's own threshold is that row's
    assert rows[2]["figures"]["assets_t"] == 0.3
    assert rows[2]["thresholds"] == {"share": 0.25} and rows[2]["zh"].endswith("门槛 25%")


def test_no_rows_no_explanations() -> None:
    assert explained([], [], []) == []

"""The dormant and empty rules at their thresholds, the configurable window, the basis when the
lake is shorter than the window, ranking with reasons, and determinism, through `run_pipeline`
on the hand-built lake of `handlake` (see its docstring for who is who)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from activation.handlake import RECENT, T, build_box
from brokerlens.activation import activation_file
from brokerlens.activation.config import config_path
from brokerlens.activation.reasons import reasons, reasons_text
from brokerlens.config import load_settings
from brokerlens.ingest import ingest_inbox
from brokerlens.pipeline.run import run_pipeline
from brokerlens.warehouse.layout import WarehouseLayout


@dataclass
class Runs:
    default: list[dict[str, Any]]
    again: list[dict[str, Any]]
    one_year: list[dict[str, Any]]
    short: list[dict[str, Any]]


def _read(home: Path) -> list[dict[str, Any]]:
    path = activation_file(WarehouseLayout(home / "warehouse"), T)
    return pq.read_table(path).to_pylist()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("activation")
    settings = load_settings(home=root / "home")
    report = ingest_inbox(settings, build_box().write(root / "inbox"), allow_gap=True)
    assert report.exit_code == 0, [x.reason for x in report.dates if x.reason]
    run_pipeline(settings, as_of=T)
    default = _read(settings.home)
    run_pipeline(settings, as_of=T)
    again = _read(settings.home)
    path = config_path(settings)
    path.parent.mkdir(parents=True)
    shipped = Path(__file__).parents[2] / "src/brokerlens/activation/defaults.yaml"
    text = shipped.read_text("utf-8").replace("years_without_trade: 3", "years_without_trade: 1")
    path.write_text(text, "utf-8")
    run_pipeline(settings, as_of=T)
    one_year = _read(settings.home)
    short = load_settings(home=root / "short")
    report = ingest_inbox(short, build_box(RECENT).write(root / "short_inbox"))
    assert report.exit_code == 0, [x.reason for x in report.dates if x.reason]
    run_pipeline(short, as_of=T)
    return Runs(default, again, one_year, _read(short.home))


def _judged(rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    return {r["customer_id"]: (r["kind"], r["basis"]) for r in rows}


def test_dormant_and_empty_at_their_thresholds(runs: Runs) -> None:
    assert _judged(runs.default) == {
        "CSRC": ("dormant", "source_status"),
        "COLD": ("dormant", "no_trade_window"),
        "CEDGE": ("dormant", "no_trade_window"),  # cash exactly 100: still dormant
        "CB2": ("dormant", "no_trade_window"),
        "CMID": ("empty", "emptied"),  # traded 2023-06-01: inside 3 years
        "COVER": ("empty", "never_funded"),  # cash 100.01: not dormant, but empty
        "CSEC": ("empty", "never_funded"),  # a bond worth 1: not dormant, but empty
        "CTHOU": ("empty", "never_funded"),  # assets exactly 1,000
        "CNEW30": ("empty", "never_funded"),  # opened exactly 30 days before T
    }  # CTHOU2 (1,000.01), CNEW29, CRICH, CCLOSED, CFROZEN are not candidates


def test_years_without_trade_is_configurable(runs: Runs) -> None:
    judged = _judged(runs.one_year)
    assert judged["CMID"] == ("dormant", "no_trade_window")  # no trade since 2024-03-08
    assert judged["COLD"] == ("dormant", "no_trade_window")
    assert {r["window_start"].isoformat() for r in runs.one_year} == {"2024-03-08"}
    assert {r["window_start"].isoformat() for r in runs.default} == {"2022-03-08"}


def test_history_shorter_than_the_window_is_dormant_by_the_data_we_hold(runs: Runs) -> None:
    judged = _judged(runs.short)
    assert judged["COLD"] == ("dormant", "no_trade_in_history")
    assert judged["CEDGE"] == ("dormant", "no_trade_in_history")
    assert judged["CSRC"] == ("dormant", "source_status")
    cold = next(r for r in runs.short if r["customer_id"] == "COLD")
    assert "dormant by the data we hold" in reasons(cold, "en")[0]["text"]
    said = reasons(cold, "zh")[0]["text"]
    assert "先按现有数据列为休眠户" in said and "判定期" not in said


def test_ranked_by_value_with_reasons(runs: Runs) -> None:
    rows = runs.default
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    top = rows[0]
    # COLD: a 301,000 peak, 500 of commission, a broker, a recent call, a referral.
    assert top["customer_id"] == "COLD"
    said = reasons(top, "en")
    assert said[0]["factor"] == "basis"
    assert said[0]["text"].startswith("no trade since 2022-03-08, cash 50 yuan, no securities")
    assert said[1] == {
        "factor": "peak_assets",
        "points": said[1]["points"],
        "text": "peak monthly mean assets 301,000 yuan",
    }
    factors = [r["factor"] for r in said[1:]]
    assert {"servicer", "recent_contact", "channel"} <= set(factors)
    points = [r["points"] for r in said[1:]]
    assert points == sorted(points, reverse=True)
    assert sum(points) == pytest.approx(top["score"], abs=0.5)  # the words add up to the score
    assert "仍有服务人员 S1" in reasons_text(top, "zh")
    cmid = next(r for r in rows if r["customer_id"] == "CMID")
    assert any(r["factor"] == "recent_inflow" for r in reasons(cmid))
    # Equal scores fall back to the customer id: CB2 before CEDGE.
    ids = [r["customer_id"] for r in rows]
    assert ids.index("CB2") < ids.index("CEDGE")


def test_the_same_lake_gives_the_same_list(runs: Runs) -> None:
    assert runs.again == runs.default

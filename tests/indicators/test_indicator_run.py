"""`brokerlens run` with an installation's indicators: computed as the expressions say, usable by
classification rules and alert conditions, shown by `brokerlens sql`; without the file, nothing
changes."""

from __future__ import annotations

import json
import math
import re
import shutil
import warnings
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from brokerlens.auth import create_demo_users
from brokerlens.classify.loader import active_path, default_catalog_text
from brokerlens.config import Settings, load_settings
from brokerlens.indicators import additions_path, builtin_indicators
from brokerlens.pipeline import run_pipeline
from brokerlens.publish import publish
from brokerlens.store import dispose_engines, open_store
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.web.app import create_app
from indicators.installation import ALERTS, CLASSIFICATION
from support.brokerage import Brokerage
from support.cli import brokerlens

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

ADDED = """\
indicators:
  - id: cash_share_t
    zh: 现金占比
    en: Cash share on T
    meaning: available cash over total assets on T
    unit: ratio
    expression: available_cash_t / total_assets_t
  - id: cash_share_pct
    zh: 现金占比百分数
    en: Cash share, percent
    meaning: the cash share in percent, rounded to 0.1
    unit: percent
    expression: round(cash_share_t * 100, 1)
  - id: commission_per_trade_12m
    zh: 每笔佣金
    en: Net commission per monthly trade
    meaning: net commission of 12 months over the trades per month (at least 1)
    unit: yuan
    expression: coalesce(net_commission_12m, 0) / greatest(trades_per_month, 1)
  - id: assets_move_t
    zh: 资产变动
    en: Assets move on T
    meaning: the size of the change of total assets since the day before
    unit: yuan
    expression: abs(total_assets_t - total_assets_prev)
  - id: industry_or_none
    zh: 主要行业或无
    en: Top industry or none
    meaning: the top industry of 3 months, or 'none'
    unit: text
    type: text
    expression: coalesce(top_industry_3m, 'none')
"""
ADDED_IDS = [
    "cash_share_t",
    "cash_share_pct",
    "commission_per_trade_12m",
    "assets_move_t",
    "industry_or_none",
]


def _copy_home(brokerage: Brokerage, target: Path) -> Settings:
    shutil.copytree(brokerage.settings.lake_dir, target / "lake")
    return load_settings(home=target)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def added_home(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _copy_home(small_brokerage, tmp_path_factory.mktemp("added"))
    _write(additions_path(settings), ADDED)
    _write(active_path(settings), default_catalog_text().rstrip("\n") + "\n" + CLASSIFICATION)
    _write(settings.home / "alerts" / "alerts.yaml", ALERTS)
    run_pipeline(settings, full=True)
    return settings


@pytest.fixture(scope="module")
def plain_home(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _copy_home(small_brokerage, tmp_path_factory.mktemp("plain"))
    run_pipeline(settings, full=True)
    return settings


def _latest(settings: Settings, kind: str) -> list[dict[str, Any]]:
    store = WarehouseLayout(settings.warehouse_dir)
    day = store.indicator_dates()[-1]
    path = {
        "indicators": store.indicators_file(day),
        "profile": store.profile_file(day),
        "alerts": store.root / "alerts" / f"{day.isoformat()}.parquet",
    }[kind]
    rows = pq.read_table(path).to_pylist()
    return sorted(rows, key=lambda r: (r["customer_id"], r.get("alert_id") or ""))


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def _round1(x: float | None) -> float | None:
    return None if x is None else math.copysign(math.floor(abs(x) * 10 + 0.5), x) / 10


def _by_hand(row: dict[str, Any]) -> dict[str, Any]:
    share = _div(row["available_cash_t"], row["total_assets_t"])
    trades = row["trades_per_month"]
    move = (
        None
        if row["total_assets_t"] is None or row["total_assets_prev"] is None
        else abs(row["total_assets_t"] - row["total_assets_prev"])
    )
    return {
        "cash_share_t": share,
        "cash_share_pct": _round1(None if share is None else share * 100),
        "commission_per_trade_12m": (row["net_commission_12m"] or 0)
        / (max(trades, 1) if trades is not None else 1),
        "assets_move_t": move,
        "industry_or_none": row["top_industry_3m"]
        if row["top_industry_3m"] is not None
        else "none",
    }


def test_added_indicators_are_columns_equal_to_their_expressions(added_home: Settings) -> None:
    rows = _latest(added_home, "indicators")
    assert len(rows) > 500
    assert list(rows[0])[-len(ADDED_IDS) :] == ADDED_IDS
    shares = [r["cash_share_t"] for r in rows if r["cash_share_t"] is not None]
    assert shares and any(r["cash_share_t"] is None for r in rows)  # total assets 0: NULL
    for row in rows:
        for name, expected in _by_hand(row).items():
            if isinstance(expected, float):
                assert row[name] == pytest.approx(expected, rel=1e-12, abs=1e-9), (row, name)
            else:
                assert row[name] == expected, (row["customer_id"], name)


def test_built_in_columns_are_those_of_a_run_without_the_file(
    added_home: Settings, plain_home: Settings
) -> None:
    added, plain = _latest(added_home, "indicators"), _latest(plain_home, "indicators")
    assert [{k: r[k] for k in plain[0]} for r in added] == plain
    assert list(plain[0])[5:] == list(builtin_indicators())  # no file: built-ins only


def test_a_classification_rule_uses_added_indicators(added_home: Settings) -> None:
    profile = {r["customer_id"]: r for r in _latest(added_home, "profile")}
    values = set()
    for row in _latest(added_home, "indicators"):
        expected = "未知"
        if row["cash_share_pct"] is not None and row["cash_share_pct"] >= 50:
            expected = "高"
        elif row["cash_share_t"] is not None and row["cash_share_t"] < 0.5:
            expected = row["industry_or_none"]
        assert profile[row["customer_id"]]["cash_heavy"] == expected
        assert profile[row["customer_id"]]["cash_share_pct"] == row["cash_share_pct"]
        values.add(expected)
    assert {"高", "未知", "none"} <= values


def test_an_alert_condition_uses_an_added_indicator(added_home: Settings) -> None:
    fired = [r for r in _latest(added_home, "alerts") if r["alert_id"] == "cash_pile"]
    expected = [
        r["customer_id"]
        for r in _latest(added_home, "indicators")
        if r["cash_share_t"] is not None and r["cash_share_t"] >= 0.9 and r["total_assets_t"] > 0
    ]
    assert expected and [r["customer_id"] for r in fired] == expected
    figures = json.loads(fired[0]["explanation"])
    assert "cash_share_t" in json.dumps(figures)


def test_brokerlens_sql_shows_added_indicators(added_home: Settings) -> None:
    done = brokerlens(
        "--home",
        str(added_home.home),
        "sql",
        "select customer_id, cash_share_pct, industry_or_none from customer_indicators "
        "where cash_share_pct is not null order by customer_id limit 3",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    by_id = {r["customer_id"]: r for r in _latest(added_home, "indicators")}
    assert len(shown) == 3
    for item in shown:
        assert item["cash_share_pct"] == by_id[item["customer_id"]]["cash_share_pct"]


def test_run_refuses_a_bad_file_before_any_step(small_brokerage: Brokerage, tmp_path: Path) -> None:
    settings = _copy_home(small_brokerage, tmp_path)
    bad = ADDED.replace("available_cash_t / total_assets_t", "available_cash_t / total_asets_t")
    _write(additions_path(settings), bad)
    done = brokerlens("--home", str(settings.home), "run")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    message = done.stderr + done.stdout
    assert str(additions_path(settings)) in message.replace("\n", "")
    assert "indicator 'cash_share_t'" in message and "total_asets_t" in message
    assert not WarehouseLayout(settings.warehouse_dir).indicator_dates()


def test_the_web_shows_added_indicators_by_name_and_explains_rules_on_them(
    added_home: Settings,
) -> None:
    published = publish(added_home)
    assert published is not None
    demo = {str(u.role): u for u in create_demo_users(open_store(added_home))}
    manager = demo["branch_manager"]
    try:
        with TestClient(create_app(added_home), follow_redirects=False) as client:
            login = {"username": manager.username, "password": manager.password}
            assert client.post("/api/login", json=login).status_code == 200
            listing = client.get("/customers", params={"sort": "total_assets_t", "desc": "true"})
            customer_id = re.findall(r'href="/customers/([A-Za-z0-9_-]+)"', listing.text)[0]
            page = client.get(f"/customers/{customer_id}")
            assert page.status_code == 200
            assert "现金占比" in page.text and 'title="cash_share_t"' in page.text
            assert ">cash_share_t<" not in page.text
            why = client.get(
                f"/api/customers/{customer_id}/why", params={"classification": "cash_heavy"}
            )
            assert why.status_code == 200, why.text
            assert "cash_share_pct" in why.text
            catalog = client.get("/api/catalog")
            assert catalog.status_code == 200, catalog.text
            assert "cash_share_pct >= 50" in catalog.text
    finally:
        dispose_engines()


def test_catalog_check_reads_the_installation_s_indicators(
    added_home: Settings, tmp_path: Path
) -> None:
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text("classifications:" + CLASSIFICATION, "utf-8")
    done = brokerlens("--home", str(added_home.home), "catalog", "check", str(candidate))
    assert done.returncode == 0, done.stderr
    assert "valid, 1 classifications" in done.stdout
    elsewhere = brokerlens("--home", str(tmp_path / "empty"), "catalog", "check", str(candidate))
    assert elsewhere.returncode == 2
    assert "unknown name 'cash_share_pct'" in elsewhere.stderr + elsewhere.stdout

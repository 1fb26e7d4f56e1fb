"""The knowledge base's bench (suite `kb`): its stages on both stores, the seeded articles (the
same seed the same articles, Chinese, some for a role or a branch only), and the probe's two
steps on a small SQLite store: the articles found by the readers they are for, the figures
written beside the home."""

from __future__ import annotations

import json
from pathlib import Path

import brokerlens.bench.kb  # noqa: F401  (registers the suite)
from brokerlens.bench.harness import SUITES
from brokerlens.bench.kb_probe import main
from brokerlens.knowledge.sample import sample_articles
from brokerlens.store import dispose_engines


def test_the_suite_times_search_on_both_stores() -> None:
    names = [s.name for s in SUITES["kb"]]
    assert names == [
        "kb seed 10,000 articles (SQLite)",
        "kb search (SQLite)",
        "fresh PostgreSQL database",
        "kb seed 10,000 articles (PostgreSQL)",
        "kb search (PostgreSQL)",
    ]
    assert "200 ms" in SUITES["kb"][1].target


def test_the_same_seed_makes_the_same_chinese_articles() -> None:
    articles = sample_articles(600, 7, ["B1", "B2"])
    assert articles == sample_articles(600, 7, ["B1", "B2"])
    assert articles != sample_articles(600, 8, ["B1", "B2"])
    assert {a.category for a in articles} == {
        "products", "policies", "scripts", "compliance", "market_views",
    }  # fmt: skip
    assert 300 < sum(len(a.body) for a in articles) / len(articles) < 1500
    assert 0.1 < sum(bool(a.roles) for a in articles) / 600 < 0.25
    assert 0.1 < sum(bool(a.units) for a in articles) / 600 < 0.25


def test_the_probe_loads_and_times_a_small_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    try:
        assert main(["setup", "--home", str(home), "--articles", "300", "--seed", "3"]) == 0
        assert main(["search", "--home", str(home), "--repeat", "1"]) == 0
    finally:
        dispose_engines()
    figures = json.loads((tmp_path / "kb-sqlite.json").read_text(encoding="utf-8"))
    assert figures["articles"] == 300 and figures["p95_ms"] <= figures["target_ms"]
    by_reader = {(q["query"], q["reader"]): q["found"] for q in figures["queries"]}
    # head office reads every article; the branch's broker fewer (role and branch audiences)
    assert by_reader[("无词，最新", "总部营销")] == 300
    assert 0 < by_reader[("无词，最新", "经纪人")] < 300
    assert by_reader[("无结果 不存在的词语", "总部营销")] == 0

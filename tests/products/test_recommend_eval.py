"""The recommender measured on a time split (issue 16 section 3), and its commands: recommend
as of T from data up to T, count purchases in the next 20 trading days, beside popularity,
popularity within the risk class and the generator's own propensity (the oracle)."""

from __future__ import annotations

import datetime as dt

import pytest

from brokerlens.pipeline import run_pipeline
from brokerlens.products.recommend.config import load_config
from brokerlens.products.recommend.evaluate import Evaluation
from brokerlens.products.recommend.service import evaluate_at
from brokerlens.warehouse.served import kept_dates
from support.cli import brokerlens
from support.recommend import RecommendRun


def _oracle_date(run: RecommendRun) -> dt.date:
    from brokerlens.products.recommend.service import oracle_dates

    days = kept_days(run)
    # the newest date the oracle holds with 20 loaded days after it
    fits = [
        d for d in oracle_dates(oracle_file(run)) if d in days and days.index(d) + 20 < len(days)
    ]
    return fits[-1]


def oracle_file(run: RecommendRun):  # type: ignore[no-untyped-def]
    return run.inbox / "_ground_truth" / "product_propensity.parquet"


def kept_days(run: RecommendRun) -> list[dt.date]:
    from brokerlens.lake.catalog import read_catalog
    from brokerlens.lake.layout import LakeLayout
    from brokerlens.warehouse.sources import LakeFiles

    layout = LakeLayout(run.settings.lake_dir)
    return sorted(LakeFiles(layout, read_catalog(layout)).days)


@pytest.fixture(scope="module")
def evaluation(recommend_run: RecommendRun) -> Evaluation:
    from brokerlens.lake.catalog import read_catalog
    from brokerlens.lake.layout import LakeLayout
    from brokerlens.warehouse.sources import LakeFiles

    as_of = _oracle_date(recommend_run)
    run_pipeline(recommend_run.settings, as_of=as_of)  # the gate needs T's suitability facts
    layout = LakeLayout(recommend_run.settings.lake_dir)
    result, _ = evaluate_at(
        recommend_run.settings,
        LakeFiles(layout, read_catalog(layout)),
        as_of,
        load_config(recommend_run.settings).model,
        oracle_file(recommend_run),
    )
    return result


def test_four_rankings_on_the_same_buyers(evaluation: Evaluation) -> None:
    assert [r.ranking for r in evaluation.rows] == [
        "popularity",
        "popularity_in_class",
        "model",
        "oracle",
    ]
    assert evaluation.buyers > 50 and evaluation.purchases >= evaluation.buyers
    assert evaluation.through > evaluation.as_of
    for r in evaluation.rows:
        assert r.customers == evaluation.buyers
        assert 0 <= r.ndcg <= 1 and 0 <= r.recall <= r.hit <= 1
        # counted over the purchases a list may show, a ranking can only do better
        assert r.suitable_customers <= r.customers and r.suitable_hit >= r.hit


def test_the_model_beats_popularity_and_the_oracle_bounds_it(evaluation: Evaluation) -> None:
    by = {r.ranking: r for r in evaluation.rows}
    best_baseline = max(by["popularity"].hit, by["popularity_in_class"].hit)
    assert by["model"].hit > best_baseline
    assert by["model"].ndcg > max(by["popularity"].ndcg, by["popularity_in_class"].ndcg)
    assert by["oracle"].ndcg >= by["model"].ndcg * 0.9


def test_the_commands(recommend_run: RecommendRun, evaluation: Evaluation) -> None:
    home = str(recommend_run.settings.home)
    shown = brokerlens(
        "--home", home, "products", "evaluate", "--as-of", str(evaluation.as_of),
        "--oracle", str(oracle_file(recommend_run)),
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    for ranking in ("popularity_in_class", "model", "oracle", "hit@10", "NDCG@10"):
        assert ranking in shown.stdout
    late = brokerlens(
        "--home", home, "products", "evaluate", "--as-of", str(kept_days(recommend_run)[-1])
    )
    assert late.returncode != 0 and "Traceback" not in late.stderr
    assert "pick an earlier --as-of" in late.stderr
    report = brokerlens(
        "--home", home, "products", "gate-report", "--as-of", str(recommend_run.as_of)
    )
    assert report.returncode == 0, report.stderr
    assert "risk_above_class" in report.stdout and "items shown" in report.stdout
    sql = brokerlens(
        "--home", home, "sql",
        "select count(distinct customer_id) > 0 as ok, max(rank) as top from recommendations",
    )  # fmt: skip
    assert sql.returncode == 0, sql.stderr
    assert "True" in sql.stdout or "true" in sql.stdout
    assert kept_dates(recommend_run.settings, "recommendations")

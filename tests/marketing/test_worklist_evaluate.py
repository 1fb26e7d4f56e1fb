"""`brokerlens worklist build | evaluate` on a generated brokerage: the lists of an earlier T
measured against the generator's ground truth, beside the alert inbox and a random draw."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.marketing.worklist.evaluate import evaluate_worklist
from brokerlens.pipeline import run_pipeline
from marketing.conftest import WorklistHome
from support.cli import brokerlens


def test_evaluate_counts_the_churners_each_list_named(
    worklist_home: WorklistHome, tmp_path: Path
) -> None:
    settings = worklist_home.settings
    days = sorted(read_catalog(LakeLayout(settings.lake_dir)).dates)
    as_of = days[-4]
    run_pipeline(settings, as_of=as_of)
    result = evaluate_worklist(settings, as_of, Path(worklist_home.inbox_path), horizon=3)
    assert result.through == days[-1] and result.horizon == 3
    truth = pq.read_table(
        Path(worklist_home.inbox_path) / "_ground_truth" / "customers.parquet"
    ).to_pylist()
    churned = {
        r["customer_id"]
        for r in truth
        if r["churn_date"] is not None and as_of < r["churn_date"] <= days[-1]
    }
    assert result.churners <= len(churned)
    names = [r.ranking for r in result.rows]
    assert names == [
        "work list top 20",
        "work list, every row",
        "alert inbox, every new alert",
        "alert inbox, every alert of T",
        "alert inbox, first 20 per broker",
        "random 20 per broker",
    ]
    for row in result.rows:
        assert row.churners <= min(row.customers, result.churners)
        assert 0 <= row.precision <= 1 and 0 <= row.recall <= 1
    top, every = result.rows[0], result.rows[1]
    assert top.customers <= every.customers and top.churners <= every.churners
    random = result.rows[-1]
    assert random.customers <= 20 * result.brokers

    out = tmp_path / "eval.json"
    home = ["--home", str(settings.home)]
    done = brokerlens(
        *home, "worklist", "evaluate", "--as-of", as_of.isoformat(), "--horizon", "3",
        "--truth", worklist_home.inbox_path, "--output", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "random 20 per broker" in done.stdout and "precision" in done.stdout
    figures = json.loads(out.read_text("utf-8"))
    assert figures["churners"] == result.churners
    assert [r["recall"] for r in figures["rows"]] == [r.recall for r in result.rows]


def test_build_rebuilds_one_date_and_refuses_a_date_not_run(worklist_home: WorklistHome) -> None:
    home = ["--home", str(worklist_home.settings.home)]
    done = brokerlens(*home, "worklist", "build", "--as-of", worklist_home.as_of.isoformat())
    assert done.returncode == 0, done.stderr
    assert "brokers" in done.stdout and "unassigned" in done.stdout
    days = sorted(read_catalog(LakeLayout(worklist_home.settings.lake_dir)).dates)
    never = brokerlens(*home, "worklist", "build", "--as-of", days[0].isoformat())
    assert never.returncode != 0 and "has not been run" in never.stderr
    assert "Traceback" not in never.stderr
    missing = brokerlens(*home, "worklist", "evaluate", "--as-of", days[1].isoformat())
    assert missing.returncode != 0 and "no work list" in missing.stderr

"""The quarterly pipeline on the small generated brokerage (12 days of March 2025, so Q1 is fit
with --partial): deterministic for a seed, blind to the ground truth, stored and read back."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from brokerlens.config import Settings, load_settings
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.riskpref import LEVELS
from brokerlens.riskpref.features import PRODUCT, compute_features, names
from brokerlens.riskpref.kept import RiskprefModel
from brokerlens.riskpref.quarter import Quarter, quarter_windows
from brokerlens.riskpref.scale import default_scale
from brokerlens.riskpref.service import fit_quarter, riskpref_models
from support.brokerage import Brokerage

Q1 = Quarter(2025, 1)
K = (3, 6)
PACKAGE = Path(__file__).parents[2] / "src" / "brokerlens" / "riskpref"


def _home(brokerage: Brokerage, root: Path, with_inbox: bool = False) -> Settings:
    """A home of its own holding a copy of the brokerage's lake (and inbox, if asked)."""
    settings = load_settings(home=root / "home")
    shutil.copytree(brokerage.settings.lake_dir, settings.lake_dir)
    if with_inbox:
        shutil.copytree(brokerage.inbox, settings.home / "inbox")
    return settings


def _levels(settings: Settings, version: int) -> pa.Table:
    return riskpref_models(settings).read_levels(Q1, version).drop_columns(["version"])


@pytest.fixture(scope="module")
def fitted(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _home(small_brokerage, tmp_path_factory.mktemp("riskpref_fit"), with_inbox=True)
    fit_quarter(settings, Q1, seed=7, partial=True, k_range=K)
    return settings


def test_quarter_must_be_complete_unless_partial(fitted: Settings) -> None:
    from brokerlens.errors import ConfigError

    with pytest.raises(ConfigError, match="--quarter 2025Q1 is not complete"):
        fit_quarter(fitted, Q1, seed=7, k_range=K)
    with pytest.raises(ConfigError, match="--quarter 2025Q2 has no loaded business date"):
        fit_quarter(fitted, Quarter(2025, 2), seed=7, k_range=K)


def test_everyone_scored_sample_bounded_levels_five(fitted: Settings) -> None:
    store = riskpref_models(fitted)
    levels = store.read_levels(Q1).to_pylist()
    model = store.read_model(Q1)
    assert len(levels) == model.scored
    assert sum(r["in_fit"] for r in levels) == model.fit_sample
    for r in levels:
        assert r["in_fit"] == (1_000 <= r["avg_assets_3m"] <= 10_000_000)
        assert r["level"] == LEVELS[r["score"] - 1]
        # seed 002's cluster score is kept beside; the level is the absolute scale's (issue 20)
        want = min(5, max(1, r["cluster_score"] + r["timing_adjust"] + r["style_adjust"]))
        assert r["cluster_adjusted"] == want
        cuts = default_scale().cuts
        assert r["score"] == 5 - sum(r["points"] >= cut for cut in cuts), r
        if "按现金计" not in r["why"]:  # else: the total in words, to two decimals
            total = float(r["why"].rsplit("合计", 1)[1].removesuffix("分"))
            assert total == pytest.approx(r["points"], abs=0.006)
    assert any(not r["in_fit"] for r in levels)  # dormant customers are scored too
    assert K[0] <= model.product.k <= K[1]
    assert [s.k for s in model.product.k_scores] == list(range(K[0], K[1] + 1))
    best = max(model.product.k_scores, key=lambda s: s.silhouette)
    assert model.product.k == best.k
    assert sum(model.product.explained) >= 0.95
    assert all(c.description.startswith("平均") for c in model.clusters)
    assert model.scale == default_scale().model_dump()  # the scale the levels were placed on


def test_same_seed_same_assignments_and_levels(fitted: Settings) -> None:
    report = fit_quarter(fitted, Q1, seed=7, partial=True, k_range=K)
    assert report.version >= 2
    assert _levels(fitted, report.version).equals(_levels(fitted, 1))
    store = riskpref_models(fitted)
    first, again = store.read_model(Q1, 1), store.read_model(Q1, report.version)
    assert replace(again, version=1, fitted_at=first.fitted_at) == first


def test_the_ground_truth_is_never_read(fitted: Settings) -> None:
    """The home holds the generator's inbox with its ground truth; removed, the fit is alike."""
    truth = fitted.home / "inbox" / "_ground_truth"
    assert (truth / "customers.parquet").exists()
    shutil.rmtree(truth)
    report = fit_quarter(fitted, Q1, seed=7, partial=True, k_range=K)
    assert _levels(fitted, report.version).equals(_levels(fitted, 1))
    for path in PACKAGE.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".sql"):
            assert "ground_truth" not in path.read_text("utf-8").lower(), path


def test_stored_model_reads_back_equal_and_scores_alike(fitted: Settings) -> None:
    store = riskpref_models(fitted)
    model = store.read_model(Q1, 1)
    assert RiskprefModel.from_json(model.to_json()) == model
    loaded = sorted(read_catalog(LakeLayout(fitted.lake_dir)).dates)
    table = compute_features(fitted, quarter_windows(Q1, loaded, partial=True))
    x = np.nan_to_num(
        np.column_stack([table.column(c).to_numpy(zero_copy_only=False) for c in names(PRODUCT)])
    )
    levels = store.read_levels(Q1, 1)
    assert table.column("customer_id").equals(levels.column("customer_id"))
    assert (model.product.assign(x) + 1).tolist() == levels.column("cluster").to_pylist()

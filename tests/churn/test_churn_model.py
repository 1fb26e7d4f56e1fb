"""The model: a time-based split that never leaks, the same scores from the same seed, reasons
in words, a clear message without a model, no use of the generator's ground truth."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from brokerlens.churn.config import ChurnConfig, parse_config
from brokerlens.churn.model import days_needed, sample_dates, split_dates
from brokerlens.churn.reasons import feature_names, top_reasons
from brokerlens.churn.service import churn_models, fit_model, score, score_prepared
from brokerlens.config import Settings
from brokerlens.errors import ConfigError, LakeError, NotFound
from churn.churn_handbox import DAYS
from churn.conftest import ChurnHome, copy_home
from support.cli import brokerlens

# Worked out by hand: 50 days leave a single as-of date with a 20-day target (its target and
# return windows, 25 lookback days before it), none with 40; 121 days leave 26 with a 40-day
# target, of which none ends its target window before the test period (the latest 7) starts.
TOO_SHORT = {(49, 20), (49, 40), (120, 40)}


@pytest.mark.parametrize("last_di", [49, 120, 249])
@pytest.mark.parametrize("horizon", [5, 20, 40])
def test_the_split_never_lets_a_test_period_day_into_training(last_di: int, horizon: int) -> None:
    config = ChurnConfig.model_validate(
        {
            "target": {"horizon_days": horizon},
            "labels": {"return_days": 5},
            "model": {"lookback_days": 25, "step_days": 2},
        }
    )
    dates = sample_dates(last_di, config)
    if (last_di, horizon) in TOO_SHORT:
        with pytest.raises(LakeError, match="too short") as info:
            split_dates(dates, config)
        assert "churn.yaml" in str(info.value)
        return
    split = split_dates(dates, config)
    assert split.train and split.calibration and split.test
    first_test = min(split.test)
    for t in split.train + split.calibration:
        assert t + horizon < first_test  # its whole target window ends before the test starts
    assert max(split.train) < min(split.calibration)  # calibration: a later, held-out slice
    for t in dates:  # every label window (plus the soft return window) lies inside the lake
        assert t + horizon + 5 <= last_di and t >= 24


def test_a_lake_too_short_says_what_to_do(churn_home: ChurnHome, tmp_path: Path) -> None:
    settings = copy_home(churn_home, tmp_path / "home")
    with pytest.raises(LakeError, match="too short") as info:
        fit_model(settings, as_of=DAYS[35])
    assert "load at least" in str(info.value.hint)


@pytest.mark.parametrize(("horizon", "lookback", "step"), [(20, 60, 5), (40, 25, 2), (10, 30, 3)])
def test_the_hint_names_the_fewest_trading_days_that_train(
    horizon: int, lookback: int, step: int
) -> None:
    config = ChurnConfig.model_validate(
        {
            "target": {"horizon_days": horizon},
            "model": {"lookback_days": lookback, "step_days": step},
        }
    )
    need = days_needed(config)
    with pytest.raises(LakeError, match="too short") as info:
        split_dates(sample_dates(need - 2, config), config)  # need - 1 days loaded
    assert f"load at least {need} trading days" in str(info.value.hint)
    split = split_dates(sample_dates(need - 1, config), config)  # need days loaded
    assert split.train and split.test


GARBAGE = b"not a Parquet file: a churn fit must never read the generator's ground truth"


def _plant(path: Path) -> Path:
    """Garbage at `path`, last read before it was written (its access time an hour before its
    change time: on relatime or strictatime mounts, a read moves it past)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(GARBAGE)
    written = path.stat().st_mtime_ns
    os.utime(path, ns=(written - 3_600 * 10**9, written))
    return path


def _read_since_written(path: Path) -> bool:
    stat = path.stat()
    return stat.st_atime_ns >= stat.st_mtime_ns


def _plant_ground_truth(settings: Settings, tmp_path: Path) -> list[Path]:
    """The generator's `_ground_truth` files as garbage in the home, its lake and warehouse;
    when this file system records reads (a control file read once shows it), each must stay
    unread, else each may only be unparsable."""
    control = _plant(tmp_path / "control" / "read-me")
    assert control.read_bytes() == GARBAGE
    records_reads = _read_since_written(control)
    planted = [
        _plant(root / "_ground_truth" / name)
        for root in (settings.home, settings.lake_dir, settings.warehouse_dir)
        for name in ("customers.parquet", "churn_propensity.parquet")
    ]
    return planted if records_reads else []


def test_same_seed_same_scores_and_the_ground_truth_is_never_read(
    churn_home: ChurnHome, tmp_path: Path
) -> None:
    settings = copy_home(churn_home, tmp_path / "home")
    # the fit must not need the generator's ground truth: garbage in its place wherever in the
    # home it could look, so that reading it would fail the fit
    planted = _plant_ground_truth(settings, tmp_path)
    first = fit_model(settings, seed=7)
    assert not [p for p in planted if _read_since_written(p)]
    first_scores = pq.read_table(score(settings, version=first.version).path)
    second = fit_model(settings, seed=7)
    second_scores = pq.read_table(score(settings, version=second.version).path)
    assert (first.version, second.version) == (1, 2)
    assert first.metrics == second.metrics
    for column in ("customer_id", "probability", "rank", "reasons_zh", "reasons_en"):
        assert first_scores.column(column).to_pylist() == second_scores.column(column).to_pylist()
    store = churn_models(settings)
    assert store.read_booster_text(1) == store.read_booster_text(2)
    model = store.read_model(2)
    assert model.split["test"] and model.features == feature_names(25)
    assert set(model.metrics) == {"train", "calibration", "test"}
    # the customers who drain their cash rank above those who stay put
    ranks = dict(
        zip(
            second_scores.column("customer_id").to_pylist(),
            second_scores.column("rank").to_pylist(),
            strict=True,
        )
    )
    assert ranks["S_LATE"] < ranks["STAY"]
    top = second_scores.sort_by("rank").slice(0, 1).to_pylist()[0]
    assert top["reasons_zh"] and top["reasons_en"] and 0 <= top["probability"] <= 1
    # reasons (TreeSHAP, costly) go to the top 5% of ranks only
    explained = math.ceil(second_scores.num_rows * 0.05)
    for r in second_scores.to_pylist():
        if r["rank"] > explained:
            assert r["reasons_zh"] == r["reasons_en"] == ""


def test_reasons_are_words_with_the_customers_figures() -> None:
    features = feature_names(60)
    row = {f: 0.0 for f in features}
    row.update(net_out_20=412_000.0, net_out_share_20=0.83, days_since_trade=60.0,
               service_contacts_60=0.0, trades_20=0.0, trades_prev_40=12.0)  # fmt: skip
    contrib = np.zeros((1, len(features) + 1))
    contrib[0, features.index("net_out_share_20")] = 1.5
    contrib[0, features.index("net_out_20")] = 0.5
    contrib[0, features.index("days_since_trade")] = 0.8
    contrib[0, features.index("trades_prev_40")] = 0.3
    contrib[0, features.index("assets_t")] = -2.0  # pulls down: never a reason
    zh, en = top_reasons(contrib, features, [row], 60)
    assert zh == [
        "近20日净转出 41.2万元，占资产 83%；60个交易日以上无交易；近20日交易 0 笔（此前40日 12 笔）"
    ]
    assert en == [
        "net transfers out of 412k over 20 days, 83% of assets; no trade for 60+ trading days; "
        "0 trades in the last 20 days (12 in the 40 before)"
    ]


def test_without_a_model_every_entry_point_says_to_fit(
    churn_home: ChurnHome, tmp_path: Path
) -> None:
    settings = copy_home(churn_home, tmp_path / "home")
    with pytest.raises(NotFound, match="no churn model is stored") as info:
        score(settings)
    assert "brokerlens churn fit" in str(info.value)
    missing = tmp_path / "features.parquet", tmp_path / "labels.parquet"
    assert "skipped" in score_prepared(settings, DAYS[-1], len(DAYS) - 1, *missing)
    home = str(settings.home)
    done = brokerlens("--home", home, "churn", "score")
    assert done.returncode == 2, done.stderr
    assert "no churn model is stored" in done.stderr and "brokerlens churn fit" in done.stderr
    assert "Traceback" not in done.stderr
    # `show` acts as a workbench user (tests/web/test_cli_access.py covers it on a published store)
    shown = brokerlens("--home", home, "churn", "show", "S_OUT")
    assert shown.returncode == 2 and "Missing option '--user'" in shown.stderr
    models = brokerlens("--home", home, "churn", "models")
    assert models.returncode == 0 and "brokerlens churn fit" in models.stdout


def test_a_bad_configuration_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"x\.yaml: field `model\.lookback_days`"):
        parse_config("model:\n  lookback_days: 10\n", "x.yaml")


def test_brokerlens_run_scores_t_with_the_newest_model(
    churn_home: ChurnHome, tmp_path: Path
) -> None:
    from brokerlens.pipeline import run_pipeline

    settings = copy_home(churn_home, tmp_path / "home")
    fit_model(settings, seed=3)
    report = run_pipeline(settings)
    assert report.churn.startswith("scored") and "model v1" in report.churn
    assert "churn" in report.seconds
    assert report.note("churn features").startswith("features of")
    scores = pq.read_table(churn_models(settings).scores_file(DAYS[-1]))
    # 51 customers less 5 hard churns and 14 soft ones known by the last day (S_OUT, 13 G's)
    assert scores.num_rows == 32 and set(scores.column("model_version").to_pylist()) == {1}
    # the run's two steps (features on the engine, scoring in Python) score as `churn score`
    score(settings, as_of=DAYS[-1])
    assert pq.read_table(churn_models(settings).scores_file(DAYS[-1])).equals(scores)


def test_reasons_go_to_the_top_ranks_up_to_the_cap_and_chunks_change_nothing(
    churn_home: ChurnHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brokerlens.churn import service
    from brokerlens.churn.data import ChurnData

    settings = copy_home(churn_home, tmp_path / "home")
    fit_model(settings, seed=5)
    store = churn_models(settings)
    model = store.read_model()
    booster = service._booster(store, model.version)
    config = ChurnConfig.model_validate(model.config)
    assert config.model.reasons_max_rows == 50_000  # issue 21: the shipped cap

    def scored(share: float, most: int) -> list[dict[str, object]]:
        model.config["model"].update(reasons_share=share, reasons_max_rows=most)
        with ChurnData(settings, config) as data:
            day = data.days[-1]
            table = service.score_table(data, model, booster, day, data.labels())
        return sorted(table.to_pylist(), key=lambda r: r["rank"])

    everyone = scored(1.0, 50_000)  # every customer explained
    capped = scored(1.0, 3)
    assert [r["customer_id"] for r in capped] == [r["customer_id"] for r in everyone]
    assert sum(bool(r["reasons_zh"]) for r in everyone[:3]) == 3
    for full, cut in zip(everyone, capped, strict=True):
        assert cut["probability"] == full["probability"]
        if cut["rank"] <= 3:  # the very same words for the top ranks
            assert (cut["reasons_zh"], cut["reasons_en"]) == (
                full["reasons_zh"],
                full["reasons_en"],
            )
        else:
            assert cut["reasons_zh"] == cut["reasons_en"] == ""
    # the matrix, the predictions and the contributions in chunks of 4 rows: the same scores
    monkeypatch.setattr(service, "CHUNK_ROWS", 4)
    assert scored(1.0, 50_000) == everyone

"""The churn oracle in the ground truth (issue 20): `_ground_truth/churn_propensity.parquet`,
every churn check (5 trading days), each open customer's chance under the simulation of
churning within the next 40 trading days. It tells churners from the rest far better than any
model can (it sees the signal the feeds only hint at), it is calibrated (its mean is the
realised churn rate), a customer whose churn is scheduled within the horizon is near 1, and the
same seed writes the same file."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from gen_checks import date_dirs, generated
from sklearn.metrics import roc_auc_score

from brokerlens.generate import GenerateOptions, generate
from brokerlens.generate.churn import EVAL_EVERY, HORIZON

ORACLE = Path("_ground_truth") / "churn_propensity.parquet"


@pytest.fixture(scope="module")
def scored() -> tuple[Path, pd.DataFrame]:
    """Every oracle row whose horizon lies inside the run, with its outcome: churned within
    the next HORIZON trading days (y), and whether the customer's churn was under way then."""
    out = generated(customers=4000, days=120, format="parquet", seed=11)
    days = [dt.date.fromisoformat(p.name) for p in date_dirs(out)]
    index = {d: i for i, d in enumerate(days)}
    oracle = pd.read_parquet(out / ORACLE)
    oracle["t"] = pd.to_datetime(oracle["as_of_date"]).dt.date.map(index)
    truth = pd.read_parquet(out / "_ground_truth" / "customers.parquet")
    rows = oracle.merge(truth, on="customer_id", how="left")

    def at(column: str) -> pd.Series:
        return pd.to_datetime(rows[column]).dt.date.map(lambda d: index.get(d, -1))

    churn_t, signal_t = at("churn_date"), at("signal_date")
    # the check that signalled it (a competitor shows first on the next day, its signal_date)
    signal_t = signal_t - (rows["churn_cause"] == "cheaper_competitor").astype(int)
    rows["y"] = (churn_t > rows["t"]) & (churn_t <= rows["t"] + HORIZON)
    rows["under_way"] = (signal_t >= 0) & (signal_t <= rows["t"]) & (churn_t > rows["t"])
    # not yet signalled (by the last signal the ground truth keeps) and never rescued
    rows["calm"] = ((signal_t < 0) | (signal_t > rows["t"])) & rows["rescued_date"].isna()
    return out, rows[rows["t"] + HORIZON <= len(days) - 1]


def test_the_oracle_is_written_every_churn_check_with_its_horizon(
    scored: tuple[Path, pd.DataFrame],
) -> None:
    out, _ = scored
    schema = pq.read_schema(out / ORACLE)
    assert schema.names == ["as_of_date", "customer_id", "propensity"]
    assert schema.metadata[b"horizon_trading_days"] == str(HORIZON).encode()
    days = [p.name for p in date_dirs(out)]
    oracle = pd.read_parquet(out / ORACLE)
    written = sorted({d.isoformat() for d in oracle["as_of_date"]})
    assert written == days[::EVAL_EVERY]
    assert oracle["propensity"].between(0, 1).all()
    assert not oracle.duplicated(["as_of_date", "customer_id"]).any()


def test_the_oracle_tells_churners_apart_and_is_calibrated(
    scored: tuple[Path, pd.DataFrame],
) -> None:
    _, rows = scored
    y, p = rows["y"].to_numpy(), rows["propensity"].to_numpy(np.float64)
    assert y.sum() >= 200
    assert roc_auc_score(y, p) > 0.85
    # calibrated: the mean propensity is the realised rate of churn within the horizon
    assert abs(p.mean() - y.mean()) < 0.25 * y.mean()
    # a churn under way that goes through is foreseen: near 1, well above everyone else
    going = rows[rows["under_way"] & rows["y"]]["propensity"]
    assert len(going) >= 100
    assert going.min() > 0.75 and going.median() > 0.9
    assert rows[rows["calm"]]["propensity"].max() < 0.5
    # of the customers at high propensity almost all churn; of the others about 1 in 200
    high = p > 0.5
    assert y[high].mean() > 0.8 and y[~high].mean() < 0.01


def test_the_same_seed_writes_the_same_oracle(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        generate(GenerateOptions(out=tmp_path / name, customers=300, days=12, seed=5))
        digests.append(hashlib.sha256((tmp_path / name / ORACLE).read_bytes()).hexdigest())
    assert digests[0] == digests[1]

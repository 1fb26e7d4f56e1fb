"""The product tests' Spark session, if they start it: small and quick, as the engine tests';
and `recommend_run`, a brokerage long enough for the recommender, generated and run once."""

from __future__ import annotations

import os

import pytest

from support.recommend import RecommendRun, recommend_run_copy

# C1 alone gets a 48 MiB code cache, which a long session of Spark queries fills (then the JVM
# stops compiling: "CodeCache is full. Compiler has been disabled"): give it room.
os.environ.setdefault(
    "BROKERLENS_SPARK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"
)
os.environ.setdefault("BROKERLENS_SPARK_DRIVER_MEMORY", "1g")
os.environ.setdefault("BROKERLENS_SPARK_MASTER", "local[2]")
os.environ.setdefault("BROKERLENS_SPARK_SHUFFLE_PARTITIONS", "2")


@pytest.fixture(scope="session")
def recommend_run(tmp_path_factory: pytest.TempPathFactory) -> RecommendRun:
    """66 days loaded and run: a model fitted and every customer recommended as of the last."""
    return recommend_run_copy(tmp_path_factory)

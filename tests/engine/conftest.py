"""Engines for the dialect tests: one Spark session for the whole run, shared by every test.

Other test packages that need Spark reuse the same pieces: `spark_engine_or_skip()` below, and
`brokerlens.engine.spark_session.get_session()`, which returns the process's one session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from brokerlens.engine.duckdb_engine import DuckDBEngine
from support.needs import need_java

if TYPE_CHECKING:
    from brokerlens.engine.spark_engine import SparkEngine


# Set before the session starts (the first Spark test): a test run is hundreds of tiny queries,
# which the JVM's C1 compiler alone warms up for in half the time; small heap, two cores.
# C1 alone gets a 48 MiB code cache, which a long session of Spark queries fills (then the JVM
# stops compiling: "CodeCache is full. Compiler has been disabled"): give it room.
os.environ.setdefault(
    "BROKERLENS_SPARK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"
)
os.environ.setdefault("BROKERLENS_SPARK_DRIVER_MEMORY", "1g")
os.environ.setdefault("BROKERLENS_SPARK_MASTER", "local[2]")
os.environ.setdefault("BROKERLENS_SPARK_SHUFFLE_PARTITIONS", "2")


def spark_engine_or_skip() -> SparkEngine:
    """A SparkEngine on the shared session; without Java: skip, or fail under CI=true."""
    need_java()
    from brokerlens.engine.spark_engine import SparkEngine

    return SparkEngine()


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkEngine]:
    engine = spark_engine_or_skip()
    yield engine
    engine.close()


@pytest.fixture
def duck() -> Iterator[DuckDBEngine]:
    engine = DuckDBEngine()
    yield engine
    engine.close()

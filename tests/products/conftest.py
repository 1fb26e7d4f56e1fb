"""The product tests' Spark session, if they start it: small and quick, as the engine tests'."""

from __future__ import annotations

import os

os.environ.setdefault("BROKERLENS_SPARK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1")
os.environ.setdefault("BROKERLENS_SPARK_DRIVER_MEMORY", "1g")
os.environ.setdefault("BROKERLENS_SPARK_MASTER", "local[2]")
os.environ.setdefault("BROKERLENS_SPARK_SHUFFLE_PARTITIONS", "2")

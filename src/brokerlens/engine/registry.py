"""Engines by name: `--engine duckdb` (default) or `--engine spark`."""

from __future__ import annotations

from collections.abc import Callable

from brokerlens.config import Settings
from brokerlens.engine.base import Engine
from brokerlens.errors import ConfigError


def _duckdb(settings: Settings) -> Engine:
    from brokerlens.engine.duckdb_engine import DuckDBEngine

    return DuckDBEngine()


def _spark(settings: Settings) -> Engine:
    try:
        from brokerlens.engine.spark_engine import SparkEngine
    except ImportError as exc:
        raise ConfigError(
            f"the Spark engine is not available: {exc}",
            hint="install the extra: pip install 'brokerlens[spark]' (needs Java 17+)",
        ) from None
    return SparkEngine(settings)


ENGINES: dict[str, Callable[[Settings], Engine]] = {"duckdb": _duckdb, "spark": _spark}


def open_engine(name: str, settings: Settings) -> Engine:
    try:
        factory = ENGINES[name]
    except KeyError:
        raise ConfigError(
            f"unknown engine {name!r}", hint=f"choose one of: {', '.join(ENGINES)}"
        ) from None
    return factory(settings)

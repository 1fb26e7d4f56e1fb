"""Engines by name: `--engine duckdb` (default) or `--engine spark`."""

from __future__ import annotations

from collections.abc import Callable

from brokerlens.config import Settings
from brokerlens.engine.base import Engine
from brokerlens.engine.duckdb_engine import DuckDBEngine
from brokerlens.errors import ConfigError


def _duckdb(settings: Settings, threads: int | None = None) -> Engine:
    return DuckDBEngine(
        threads=threads, memory_limit=settings.duckdb_memory, spill_dir=settings.spill_dir
    )


def _spark(settings: Settings, threads: int | None = None) -> Engine:
    # the cluster's (or local[N] master's) parallelism is the session's, not a caller's
    try:
        from brokerlens.engine.spark_engine import SparkEngine  # noqa: PLC0415  (optional)
    except ImportError as exc:
        raise ConfigError(
            f"the Spark engine is not available: {exc}",
            hint="install the extra: pip install 'brokerlens[spark]' (needs Java 17+)",
        ) from None
    return SparkEngine(settings)


ENGINES: dict[str, Callable[[Settings, int | None], Engine]] = {
    "duckdb": _duckdb,
    "spark": _spark,
}


def open_engine(name: str, settings: Settings, *, threads: int | None = None) -> Engine:
    """The named engine; `threads` caps DuckDB's threads (None: all cores)."""
    try:
        factory = ENGINES[name]
    except KeyError:
        raise ConfigError(
            f"unknown engine {name!r}", hint=f"choose one of: {', '.join(ENGINES)}"
        ) from None
    return factory(settings, threads)

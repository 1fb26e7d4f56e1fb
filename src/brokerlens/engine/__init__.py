"""Engines that run the warehouse's SQL: DuckDB (embedded default) and Spark (scale-out).

Every SQL text handed to an engine is in the one canonical dialect, DuckDB's; an engine renders
it for itself through SQLGlot (`render`). The rest of the code does not know which engine runs.
"""

from brokerlens.engine.base import Engine, Params
from brokerlens.engine.registry import ENGINES, open_engine
from brokerlens.engine.render import render

__all__ = ["ENGINES", "Engine", "Params", "open_engine", "render"]

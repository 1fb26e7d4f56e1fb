"""The behavioural risk preference levels an as-of run may read (issue 5 section 4).

Point in time: the newest stored quarterly model (riskpref, latest version of its quarter) whose
quarter ended on or before T; a model of a quarter ending after T is never used, even one fitted
on a partial quarter. No such model: `riskpref_levels` is an empty relation and every
customer's behavioural level is NULL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from brokerlens.engine import Engine

LEVEL_COLUMNS = [("customer_id", "VARCHAR"), ("level", "VARCHAR"), ("score", "BIGINT")]


def levels_file_as_of(warehouse: Path, as_of: dt.date) -> Path | None:
    """levels.parquet of the newest model of a quarter ended by `as_of`, or None."""
    from brokerlens.riskpref.store import RiskprefStore  # riskpref imports pipeline.windows

    store = RiskprefStore(warehouse / "riskpref")
    ended = [q for q in store.quarters() if q.end <= as_of]
    return store.levels_file(ended[-1]) if ended else None


def register_levels(engine: Engine, warehouse: Path, as_of: dt.date) -> None:
    """`riskpref_levels` over the chosen model's levels (none: an empty relation)."""
    found = levels_file_as_of(warehouse, as_of)
    engine.register_parquet("riskpref_levels", [found] if found else [], LEVEL_COLUMNS)

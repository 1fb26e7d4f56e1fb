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
from brokerlens.riskpref.kept import RiskprefModels
from brokerlens.riskpref.quarter import ended_by
from brokerlens.warehouse.layout import WarehouseLayout

LEVEL_COLUMNS = [("customer_id", "VARCHAR"), ("level", "VARCHAR"), ("score", "BIGINT")]


def levels_file_as_of(warehouse: WarehouseLayout, as_of: dt.date) -> Path | None:
    """levels.parquet of the newest model of a quarter ended by `as_of`, or None."""
    models = RiskprefModels(warehouse)
    ended = [q for q in models.quarters() if q.end <= as_of]
    return models.levels_file(ended[-1]) if ended else None


def register_levels(engine: Engine, warehouse: WarehouseLayout, as_of: dt.date) -> None:
    """`riskpref_levels` over the chosen model's levels (none: an empty relation)."""
    found = levels_file_as_of(warehouse, as_of)
    engine.register_parquet("riskpref_levels", [found] if found else [], LEVEL_COLUMNS)


def levels_note(warehouse: WarehouseLayout, first_loaded: dt.date, as_of: dt.date) -> str:
    """Which quarterly model the levels of `as_of` came from, or the command that fits the one
    due (`first_loaded`: the lake's first date, to tell whether that quarter is in the lake)."""
    models = RiskprefModels(warehouse)
    ended = [q for q in models.quarters() if q.end <= as_of]
    due = ended_by(as_of)
    if ended and ended[-1] == due:
        return f"levels of the {due} model"
    # the quarter is in the lake when the lake starts within its first week (holidays)
    covered = first_loaded <= due.start + dt.timedelta(days=7)
    fit = f"brokerlens riskpref fit --quarter {due}"
    if ended:
        later = f"; the {due} model is not fitted yet ({fit})" if covered else ""
        return f"levels of the {ended[-1]} model{later}"
    if not covered:
        return "no quarter ended by this date is wholly in the lake yet: levels are empty"
    return f"no quarterly model yet, levels are empty ({fit})"

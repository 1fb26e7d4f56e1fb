"""One registered run step as of an already-run T: `brokerlens worklist build` rebuilds the
work list alone (after a state change, or for the bench) without the whole run."""

from __future__ import annotations

import datetime as dt
import time

from brokerlens.config import Settings
from brokerlens.engine import open_engine
from brokerlens.errors import ConfigError
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.pipeline.run import StepOutcome, _pick_as_of, discover_steps
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import read_state
from brokerlens.warehouse.steps import RunContext
from brokerlens.warehouse.windows import as_of_calendar


def run_single_step(
    settings: Settings, name: str, *, as_of: dt.date | None = None, engine: str = "duckdb"
) -> tuple[dt.date, StepOutcome]:
    """Run the step `name` as of T (default: the last loaded date) over what earlier runs kept;
    the step reads the warehouse files of T it needs, or notes that they are absent."""
    steps = {s.name: s for s in discover_steps()}
    if name not in steps:
        raise ConfigError(f"no run step named {name!r}", hint=f"steps: {', '.join(steps)}")
    step = steps[name]
    layout = LakeLayout(settings.lake_dir)
    lake = LakeFiles(layout, read_catalog(layout))
    day = _pick_as_of(sorted(lake.days), as_of)
    warehouse = WarehouseLayout(settings.warehouse_dir)
    runner = open_engine(engine, settings)
    try:
        lake.register_all(runner)
        ctx = RunContext(
            settings=settings,
            engine=runner,
            lake=lake,
            warehouse=warehouse,
            state=read_state(warehouse.state_path),
            calendar=as_of_calendar(day, sorted(lake.days)),
        )
        started = time.perf_counter()
        result = step.func(ctx)
        seconds = round(time.perf_counter() - started, 2)
    finally:
        runner.close()
    return day, StepOutcome(step.name, seconds, result, engine if step.on_engine else step.local)

"""`run_pipeline`: every registered run step as of T, in dependency order, timed.

The steps are declared by the packages that own them (`<package>/steps.py`, see
`warehouse.steps`); this module only finds, orders and runs them.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import brokerlens
from brokerlens.config import Settings
from brokerlens.engine import open_engine
from brokerlens.errors import ConfigError, LakeError
from brokerlens.indicators import load_indicators
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import read_state
from brokerlens.warehouse.steps import RunContext, RunStep, StepResult, ordered, registered_steps
from brokerlens.warehouse.windows import as_of_calendar

# The front ends and the service layer sit above the pipeline: a step is never theirs.
NOT_STEP_PACKAGES = frozenset({"cli", "web", "bench", "access", "auth", "pipeline"})


@dataclass(frozen=True)
class StepOutcome:
    name: str
    seconds: float
    result: StepResult
    engine: str  # the engine it ran on, or where it ran instead ("DuckDB: ...")


@dataclass
class RunReport:
    as_of: dt.date
    engine: str
    steps: list[StepOutcome] = field(default_factory=list)

    def _result(self, step: str) -> StepResult:
        found = [s.result for s in self.steps if s.name == step]
        return found[0] if found else StepResult()

    def note(self, step: str) -> str:
        return self._result(step).note

    @property
    def seconds(self) -> dict[str, float]:
        return {s.name: s.seconds for s in self.steps}

    @property
    def customers(self) -> int:
        return self._result("indicators").rows or 0

    @property
    def catalog_version(self) -> str:
        return self._result("profile").note.removeprefix("catalog ")

    @property
    def days_built(self) -> int:
        return self._result("customer_day").rows or 0

    @property
    def months_built(self) -> int:
        return self._result("customer_month").rows or 0

    @property
    def lot_days(self) -> int:
        return self._result("lots").rows or 0

    @property
    def alerts(self) -> dict[str, int]:
        """Customers per alert id on T."""
        return dict(self._result("alerts").counts)

    @property
    def gate_removed(self) -> dict[str, int]:
        """Items the suitability gate removed from the customers' top lists, per reason."""
        return dict(self._result("recommendations").counts)

    @property
    def churn(self) -> str:
        """What the churn step did: scored with model vN, or why it was skipped."""
        return self._result("churn").note


def discover_steps() -> list[RunStep]:
    """Import every package's `steps` module (below the pipeline) and order what they declare."""
    for found in pkgutil.iter_modules(brokerlens.__path__):
        if not found.ispkg or found.name in NOT_STEP_PACKAGES:
            continue
        name = f"brokerlens.{found.name}.steps"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    return ordered(registered_steps())


def _pick_as_of(loaded: list[dt.date], as_of: dt.date | None) -> dt.date:
    if not loaded:
        raise LakeError(
            "the lake holds no loaded dates", hint="run `brokerlens ingest INBOX` first"
        )
    if as_of is None:
        return loaded[-1]
    if as_of not in loaded:
        before = [d for d in loaded if d < as_of]
        hint = (
            f"the latest loaded date before it is {before[-1]}"
            if before
            else (f"loaded dates run from {loaded[0]} to {loaded[-1]}")
        )
        raise ConfigError(f"--as-of {as_of} is not a loaded business date", hint=hint)
    return as_of


def run_pipeline(
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    engine: str = "duckdb",
    full: bool = False,
    on_step: Callable[[StepOutcome], None] | None = None,
    memory: Callable[[], str] | None = None,
) -> RunReport:
    """Bring the running aggregates up to T, then compute indicators, the profile and every
    domain's outputs as of T.

    `full` discards the running aggregates first (not the indicators and profiles of other
    dates), so everything is recomputed from the lake. `on_step` hears of each step as it
    finishes (the daily job prints its progress and notes its memory from it). `memory`, asked
    before each step, gives DuckDB's cap for it (the daily job lends part of it to the publish
    that loads beside the later steps)."""
    steps = discover_steps()
    load_indicators(settings)  # a bad indicators file is refused before any step runs
    layout = LakeLayout(settings.lake_dir)
    lake = LakeFiles(layout, read_catalog(layout))
    as_of = _pick_as_of(sorted(lake.days), as_of)
    warehouse = WarehouseLayout(settings.warehouse_dir)
    if full:
        warehouse.discard_aggregates()
    report = RunReport(as_of=as_of, engine=engine)
    runner = open_engine(engine, settings)
    try:
        lake.register_all(runner)
        ctx = RunContext(
            settings=settings,
            engine=runner,
            lake=lake,
            warehouse=warehouse,
            state=read_state(warehouse.state_path),
            calendar=as_of_calendar(as_of, sorted(lake.days)),
        )
        for step in steps:
            if memory is not None and (limit := memory()) != ctx.settings.duckdb_memory:
                # the steps that open their own DuckDB read the cap from the settings
                ctx.settings = ctx.settings.model_copy(update={"duckdb_memory": limit})
                runner.limit_memory(limit)
            started = time.perf_counter()
            result = step.func(ctx)
            seconds = round(time.perf_counter() - started, 2)
            where = engine if step.on_engine else step.local
            outcome = StepOutcome(step.name, seconds, result, where)
            report.steps.append(outcome)
            if on_step is not None:
                on_step(outcome)
    finally:
        runner.close()
    return report

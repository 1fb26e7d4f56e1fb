"""Run steps: what `brokerlens run` does as of T, declared by the package that owns each step.

A domain declares its steps in its own `<package>/steps.py` with `run_step`; the pipeline finds
those modules, orders the steps by what they read and write, and runs them with one
`RunContext`. A new capability adds a step by adding a module, never by editing a central list.

`reads` and `writes` name relations on the run's engine or warehouse outputs ("customer_day",
"indicators", "riskpref_levels" ...): a step runs after every step that writes what it reads.
`on_engine` says whether the step's SQL runs on the chosen engine (`--engine spark` included);
a step that cannot, by its nature, gives the reason in `local`, which `run` prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from brokerlens.config import Settings
from brokerlens.engine import Engine
from brokerlens.errors import ConfigError
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState, write_state
from brokerlens.warehouse.windows import AsOfCalendar


@dataclass
class RunContext:
    """What every step of one run shares: T, the chosen engine, the lake and the warehouse."""

    settings: Settings
    engine: Engine
    lake: LakeFiles
    warehouse: WarehouseLayout
    state: WarehouseState
    calendar: AsOfCalendar

    @property
    def as_of(self) -> dt.date:
        return self.calendar.as_of

    @property
    def loaded_days(self) -> list[dt.date]:
        return sorted(self.lake.days)

    def save_state(self) -> None:
        """Keep what was built so far, so a run cut short resumes from there."""
        write_state(self.warehouse.state_path, self.state)


@dataclass(frozen=True)
class StepResult:
    rows: int | None = None  # rows written (customers, alerts ...), None where it means nothing
    note: str = ""  # one line for `run`'s output, e.g. "scored with model v3"
    counts: dict[str, int] = field(default_factory=dict)  # named figures, e.g. alerts by id


@dataclass(frozen=True)
class RunStep:
    name: str
    func: Callable[[RunContext], StepResult]
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    on_engine: bool = True
    local: str = ""  # why the step runs on DuckDB / in Python whatever the engine

    @property
    def package(self) -> str:
        return self.func.__module__.split(".")[1]


_STEPS: dict[str, RunStep] = {}


def run_step(
    name: str,
    *,
    reads: tuple[str, ...] = (),
    writes: tuple[str, ...] = (),
    local: str = "",
) -> Callable[[Callable[[RunContext], StepResult]], Callable[[RunContext], StepResult]]:
    """Register the decorated function as the run step `name` (see the module docstring)."""

    def register(func: Callable[[RunContext], StepResult]) -> Callable[[RunContext], StepResult]:
        known = _STEPS.get(name)
        if known is not None and known.func.__qualname__ != func.__qualname__:
            raise ConfigError(f"run step {name!r} is declared twice")
        _STEPS[name] = RunStep(name, func, reads, writes, on_engine=not local, local=local)
        return func

    return register


def registered_steps() -> dict[str, RunStep]:
    return dict(_STEPS)


def ordered(steps: dict[str, RunStep]) -> list[RunStep]:
    """The steps in dependency order, wave by wave: first every step that reads no other step's
    output, then every step whose inputs the earlier waves wrote, and so on (within a wave, in
    the order declared). A circle is refused by name."""
    writers: dict[str, list[str]] = {}
    for step in steps.values():
        for output in step.writes:
            writers.setdefault(output, []).append(step.name)
    needs = {
        s.name: {w for r in s.reads for w in writers.get(r, []) if w != s.name}
        for s in steps.values()
    }
    done: list[str] = []
    waiting = list(steps)
    while waiting:
        wave = [n for n in waiting if needs[n] <= set(done)]
        if not wave:
            raise ConfigError(f"run steps depend on each other in a circle: {', '.join(waiting)}")
        done += wave
        waiting = [n for n in waiting if n not in wave]
    return [steps[n] for n in done]

"""Writing the simulated days: each day's feeds (bad rows injected) into its date folder, the
oracles and effects into the ground truth. Shared by a run and its continuation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from brokerlens.contract.feeds import LOAD_ORDER
from brokerlens.generate import badrows
from brokerlens.generate.rand import Streams
from brokerlens.generate.simulate import Day
from brokerlens.generate.writer import DateWriter


class TableSink(Protocol):
    def write(self, table: pa.Table) -> None: ...

    def close(self) -> None: ...


@dataclass
class GenerateSummary:
    out: str
    dates: int
    rows: dict[str, int] = field(default_factory=dict)
    bad_rows: int = 0
    seconds: float = 0.0
    effects: int = 0  # contact and action effects applied (_ground_truth/effects.parquet)
    actions: int = 0  # rows of the --actions file


@dataclass
class Delivery:
    """Writes Days into `out`; `sink(name)` opens a ground-truth file of the oracle or effects."""

    out: Path
    fmt: str
    encoding: str
    bad_share: float
    seed: int
    summary: GenerateSummary
    sink: Callable[[str], TableSink]
    bad: list[pa.Table] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.streams = Streams(self.seed)
        self.writer = DateWriter(self.fmt, self.encoding)
        self.sinks = {name: self.sink(name) for name in ("propensity", "effects", "churn")}

    def write(self, day: Day) -> None:
        if day.propensity is not None:
            self.sinks["propensity"].write(day.propensity)
        if day.churn_propensity is not None:
            self.sinks["churn"].write(day.churn_propensity)
        if day.effects is not None:
            self.sinks["effects"].write(day.effects)
            self.summary.effects += day.effects.num_rows
        self.writer.begin(self.out / day.date.isoformat(), day.date.isoformat())
        for name in LOAD_ORDER:
            item = day.tables.pop(name, None)
            if item is None:
                continue
            table = item if isinstance(item, pa.Table) else item()
            if self.bad_share > 0 and table.num_rows:
                table, found = badrows.inject(
                    name,
                    table,
                    self.bad_share,
                    self.streams.get("bad", day.t, LOAD_ORDER.index(name)),
                    csv=self.fmt == "csv",
                    biz_date=day.date,
                )
                if found is not None:
                    self.bad.append(found)
                    self.summary.bad_rows += found.num_rows
            self.summary.rows[name] = self.summary.rows.get(name, 0) + table.num_rows
            self.writer.add(name, table)
            del table, item  # the writer holds the only reference now
        self.writer.end()

    def close(self) -> None:
        self.writer.close()
        for sink in self.sinks.values():
            sink.close()

"""`brokerlens generate --continue INBOX --days N`: the next N business dates of a generated
brokerage, as the run would have gone on.

The run's state after its last date (checkpoint.py) is loaded and simulated further; past the
days the run planned, the structures drawn ahead are extended day by day (extend.py), so the
dates come out the same whether continued by 1 and 1 day or by 2. Dates already delivered are
never rewritten: the new date folders follow the last one (reference feeds as changes, holdings
carried and valued at the new closes), the streamed ground truth (purchase and churn oracles,
effects, bad rows) gets the new rows after the old ones, the customers' and the org events'
ground truth is written again, then the state and `_generator.json` (`end`), so a second
`--continue` goes on from there.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brokerlens.console import progress_over
from brokerlens.errors import CalendarError, ConfigError
from brokerlens.generate import checkpoint, ground_truth
from brokerlens.generate.deliver import Delivery, GenerateSummary
from brokerlens.generate.options import MARKER
from brokerlens.market import calendar

GENERATOR = "brokerlens generate"


@dataclass(frozen=True)
class ContinueOptions:
    inbox: Path
    days: int | None


def read_marker(inbox: Path) -> dict[str, Any]:
    """The run's `_generator.json`; a folder without one is not a generator output."""
    path = inbox / MARKER
    if not inbox.is_dir() or not path.is_file():
        raise ConfigError(
            f"--continue {inbox} is not a generator output (no {MARKER})",
            hint="point it at a folder made by `brokerlens generate --out`",
        )
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        marker = None
    if not isinstance(marker, dict) or marker.get("generator") != GENERATOR:
        raise ConfigError(
            f"--continue {inbox}: {MARKER} is not a generator's marker",
            hint="point it at a folder made by `brokerlens generate --out`",
        )
    return marker


def _next_dates(last: dt.date, n: int) -> tuple[dt.date, ...]:
    try:
        return tuple(calendar.next_trading_days(last + dt.timedelta(days=1), n))
    except CalendarError as exc:
        raise ConfigError(
            f"--days {n} runs past the end of the SSE calendar after {last} ({exc.message})",
            hint="continue by fewer days",
        ) from None


def check_days(days: int | None) -> int:
    if days is None:
        raise ConfigError(
            "--continue needs --days: how many business dates to add", hint="e.g. --days 1"
        )
    if days < 1:
        raise ConfigError(f"--days must be at least 1 (got {days})", hint="e.g. --days 1")
    return days


def continue_generation(options: ContinueOptions) -> GenerateSummary:
    """Write the next options.days business dates of the generated brokerage in options.inbox."""
    began = time.perf_counter()
    inbox = options.inbox
    n = check_days(options.days)
    marker = read_marker(inbox)
    sim = checkpoint.load(inbox)
    last = sim.days[-1]
    if marker.get("end") != last.isoformat() or not (inbox / last.isoformat()).is_dir():
        raise ConfigError(
            f"--continue {inbox}: the saved state ends on {last}, the folder on"
            f" {marker.get('end')}",
            hint="the folder was changed after it was generated; generate it again",
        )
    new = _next_dates(last, n)
    there = [d.isoformat() for d in new if (inbox / d.isoformat()).exists()]
    if there:
        raise ConfigError(
            f"--continue {inbox}: date {there[0]} is there already (dates are never rewritten)",
            hint="remove the dates after the last one of _generator.json, or generate again",
        )
    first = len(sim.days)
    sim.add_days(new)
    summary = GenerateSummary(out=str(inbox), dates=n)
    delivery = Delivery(
        inbox,
        str(marker["format"]),
        str(marker["encoding"]),
        float(marker["bad_rows"]),
        int(marker["seed"]),
        summary,
        ground_truth.appending_sink(inbox),
    )
    steps = (sim.step(t, sim.days[t]) for t in range(first, len(sim.days)))
    for day in progress_over(steps, n, "continuing"):
        delivery.write(day)
    delivery.close()
    ground_truth.write_customers(sim, inbox)
    ground_truth.write_org_events(sim, inbox)
    ground_truth.append_bad_rows(delivery.bad, inbox)
    checkpoint.save(sim, inbox)
    marker.setdefault("generated_end", marker["end"])
    marker["end"] = sim.days[-1].isoformat()
    (inbox / MARKER).write_text(json.dumps(marker, indent=2))
    summary.seconds = round(time.perf_counter() - began, 2)
    return summary

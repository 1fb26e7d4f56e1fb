"""Options of `brokerlens generate`, validated into a plan of trading days."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from brokerlens.errors import CalendarError, ConfigError
from brokerlens.generate.actions import Actions, check, read_actions
from brokerlens.generate.products import SPEC
from brokerlens.generate.tables import day_number
from brokerlens.market import calendar

FORMATS = ("csv", "parquet")
ENCODINGS = ("utf-8", "gbk")
DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GROUND_TRUTH_DIR = "_ground_truth"
MARKER = "_generator.json"
STATE_DIR = "_generator_state"  # the simulation's state after the last date (checkpoint.py)


@dataclass(frozen=True)
class GenerateOptions:
    out: Path
    customers: int = 10_000
    start: dt.date = dt.date(2025, 1, 2)
    end: dt.date | None = None
    days: int | None = None
    seed: int = 42
    bad_rows: float = 0.0
    format: str = "csv"
    encoding: str = "utf-8"
    force: bool = False
    actions: Path | None = None  # contacts and campaign treatments to feed back (actions.py)

    def trading_days(self) -> tuple[dt.date, ...]:
        """Validate the options and return the business dates to generate."""
        if self.customers < 1:
            raise ConfigError(
                f"--customers must be at least 1 (got {self.customers})",
                hint="pass e.g. --customers 10000",
            )
        if self.customers > 50_000_000:
            raise ConfigError(f"--customers {self.customers} is too large", hint="use <= 50000000")
        if not 0.0 <= self.bad_rows <= 0.5:
            raise ConfigError(
                f"--bad-rows must be a share between 0 and 0.5 (got {self.bad_rows})",
                hint="e.g. --bad-rows 0.01 for 1% broken rows",
            )
        if self.format not in FORMATS:
            raise ConfigError(f"--format {self.format!r} is unknown", hint="use csv or parquet")
        encoding = self.encoding.lower()
        if encoding not in ENCODINGS:
            raise ConfigError(f"--encoding {self.encoding!r} is unknown", hint="use utf-8 or gbk")
        if self.format == "parquet" and encoding != "utf-8":
            raise ConfigError(
                "--encoding gbk applies to CSV only; parquet text is always UTF-8",
                hint="drop --encoding or use --format csv",
            )
        if self.end is not None and self.days is not None:
            raise ConfigError("--end and --days both given", hint="pass only one of them")
        if self.days is not None and self.days < 1:
            raise ConfigError(f"--days must be at least 1 (got {self.days})", hint="e.g. --days 20")
        first, last = calendar.calendar_bounds()
        if not first <= self.start <= last:
            raise ConfigError(
                f"--start {self.start} is outside the SSE calendar ({first} .. {last})",
                hint="pick a start date inside the calendar",
            )
        if not calendar.is_trading_day(self.start):
            raise ConfigError(
                f"--start {self.start} is not an SSE trading day",
                hint=f"the next trading day is {calendar.next_trading_days(self.start, 1)[0]}",
            )
        try:
            if self.end is not None:
                if self.end < self.start:
                    raise ConfigError(
                        f"--end {self.end} is before --start {self.start}",
                        hint="pass an end date on or after the start, or use --days",
                    )
                if not first <= self.end <= last:
                    raise ConfigError(
                        f"--end {self.end} is outside the SSE calendar ({first} .. {last})",
                        hint="pick an end date inside the calendar",
                    )
                days = calendar.trading_days(self.start, self.end)
            else:
                wanted = self.days or 20
                days = calendar.trading_days(self.start, last)[:wanted]
                if len(days) < wanted:
                    raise ConfigError(
                        f"--days {wanted} runs past the end of the SSE calendar ({last}):"
                        f" only {len(days)} trading days from {self.start}",
                        hint="use fewer days or an earlier --start",
                    )
        except CalendarError as exc:
            raise ConfigError(f"the dates are outside the SSE calendar ({exc.message})") from None
        return days

    def load_actions(self, days: tuple[dt.date, ...], customers: int) -> Actions | None:
        """The --actions file read and checked against this run (before anything is written)."""
        if self.actions is None:
            return None
        found = read_actions(self.actions)
        n_products = sum(spec[0] for spec in SPEC.values())
        check(found, customers, n_products, day_number(days[0]))
        return found

    def prepare_out(self) -> None:
        """Refuse a non-empty folder that is not a previous generator output (unless --force)."""
        out = self.out
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out} is a file", hint="pass a folder path")
        if out.exists():
            entries = list(out.iterdir())
            previous = (out / MARKER).exists()
            if entries and not previous and not self.force:
                raise ConfigError(
                    f"--out {out} is not empty and is not a previous generator output",
                    hint="pick an empty or new folder, or pass --force to write into it",
                )
            for entry in entries:
                if entry.is_dir() and (
                    DATE_DIR.match(entry.name) or entry.name in (GROUND_TRUTH_DIR, STATE_DIR)
                ):
                    shutil.rmtree(entry)
        out.mkdir(parents=True, exist_ok=True)

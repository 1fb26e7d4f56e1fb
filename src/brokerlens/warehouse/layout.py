"""Where the computed warehouse lives under the home: `<home>/warehouse/`.

- `customer_day/<first>_<last>.parquet`: one row per customer and business date (running
  aggregates); a full build writes a file per month, a daily run a file per day.
- `customer_month/<month start>.parquet`: customer_day summed over each complete month.
- `lots/`: FIFO lots (`buys/`, `pieces/` per batch of dates; `state/` counters and open lots).
- `indicators/<as_of>.parquet`: `customer_indicators` as of that date.
- `profile/<as_of>.parquet`: `customer_profile` as of that date (indicators + classifications).
- `state.json`: which lake version (dated directory) every computed date was built from.
Every file is written whole and swapped in atomically, so a reader sees a date or its absence.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WarehouseStore:
    root: Path

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    def day_file(self, stem: str) -> Path:
        """A customer_day file; its stem names the dates it covers, `<first>_<last>`."""
        return self.root / "customer_day" / f"{stem}.parquet"

    def month_file(self, month_start: dt.date) -> Path:
        return self.root / "customer_month" / f"{month_start.isoformat()}.parquet"

    @property
    def lots_dir(self) -> Path:
        return self.root / "lots"

    def indicators_file(self, as_of: dt.date) -> Path:
        return self.root / "indicators" / f"{as_of.isoformat()}.parquet"

    def profile_file(self, as_of: dt.date) -> Path:
        return self.root / "profile" / f"{as_of.isoformat()}.parquet"

    def discard_aggregates(self) -> None:
        """Remove the running aggregates and their state; indicators and profiles stay."""
        self.state_path.unlink(missing_ok=True)
        for folder in ("customer_day", "customer_month", "lots", "_run"):
            shutil.rmtree(self.root / folder, ignore_errors=True)

    def _dated(self, folder: str) -> list[dt.date]:
        found = []
        for path in (self.root / folder).glob("*.parquet"):
            try:
                found.append(dt.date.fromisoformat(path.stem))
            except ValueError:
                continue
        return sorted(found)

    def profile_dates(self) -> list[dt.date]:
        """As-of dates with a computed profile, oldest first."""
        return self._dated("profile")

    def indicator_dates(self) -> list[dt.date]:
        return self._dated("indicators")

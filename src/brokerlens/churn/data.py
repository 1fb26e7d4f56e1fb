"""The churn model's data, from the lake and the warehouse's daily aggregates only.

`ChurnData` runs on the engine it is given (`brokerlens run`'s, DuckDB or Spark) or opens a
DuckDB engine over the lake, brings customer_day up to the last loaded
date (the same incremental step `brokerlens run` takes, so a run's work is reused and a churn
fit leaves it done for the next run), and computes labels and point-in-time features with the
SQL of `sql/`. The generator's ground truth is never opened here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from brokerlens.churn.config import ChurnConfig
from brokerlens.config import Settings
from brokerlens.engine import Engine, open_engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.errors import LakeError
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.models.days import DAY_COLUMNS, build_days, day_files_covering
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState, read_state, write_state


def sql_text(name: str) -> str:
    return load_sql("brokerlens.churn", name).sql


@dataclass
class ChurnData:
    settings: Settings
    config: ChurnConfig
    through: dt.date | None = None  # read the lake up to this date only (None: all of it)
    # the run's engine, with the lake registered (None: a DuckDB engine of our own)
    engine: Engine | None = None
    runner: Engine = field(init=False)
    lake: LakeFiles = field(init=False)
    days: list[dt.date] = field(init=False)
    warehouse: WarehouseLayout = field(init=False)
    state: WarehouseState = field(init=False)

    def __post_init__(self) -> None:
        layout = LakeLayout(self.settings.lake_dir)
        self.lake = LakeFiles(layout, read_catalog(layout))
        self.days = sorted(self.lake.days)
        if not self.days:
            raise LakeError(
                f"the lake at {self.settings.lake_dir} holds no loaded dates",
                hint="run `brokerlens ingest INBOX` first (or pass the right --home)",
            )
        if self.through is not None:
            if self.through not in self.lake.days:
                raise LakeError(
                    f"--as-of {self.through} is not a loaded business date",
                    hint=f"loaded dates run from {self.days[0]} to {self.days[-1]}",
                )
            self.days = [d for d in self.days if d <= self.through]
        self.warehouse = WarehouseLayout(self.settings.warehouse_dir)
        self.state = read_state(self.warehouse.state_path)
        if self.engine is None:
            self.runner = open_engine("duckdb", self.settings, threads=self.config.model.threads)
            self.lake.register_all(self.runner)
        else:
            self.runner = self.engine
        self.runner.register_table(
            "churn_days",
            pa.table(
                {
                    "biz_date": pa.array(self.days, pa.date32()),
                    "di": pa.array(range(len(self.days)), pa.int64()),
                }
            ),
        )
        labels = self.config.labels
        self.runner.register_table(
            "churn_hard_types",
            pa.table({"account_type": pa.array(labels.hard_account_types, pa.string())}),
        )
        self.runner.register_table(
            "churn_hard_statuses", pa.table({"status": pa.array(labels.hard_statuses, pa.string())})
        )

    def __enter__(self) -> ChurnData:
        return self

    def __exit__(self, *_: object) -> None:
        if self.engine is None:  # the run's engine is the run's to close
            self.runner.close()

    def index(self, day: dt.date) -> int:
        try:
            return self.days.index(day)
        except ValueError:
            raise LakeError(f"{day} is not a loaded business date") from None

    def ensure_days(self, through: dt.date) -> None:
        """customer_day for every loaded date <= `through` (only what is missing or stale)."""
        if build_days(self.runner, self.lake, self.warehouse, self.state, through):
            write_state(self.warehouse.state_path, self.state)

    def _customer_day(self, days: list[dt.date]) -> None:
        files = day_files_covering(self.warehouse, self.state, days)
        self.runner.register_parquet("customer_day", files, DAY_COLUMNS)

    def labels(self) -> pa.Table:
        """Every customer's first churn in the lake (customer_id, churn_date, churn_di, ...)."""
        self.ensure_days(self.days[-1])
        self._customer_day(self.days)
        labels = self.config.labels
        params: dict[str, Any] = {
            "outflow_days": labels.outflow_days,
            "return_days": labels.return_days,
            "outflow_share": labels.outflow_share,
            "return_share": labels.return_share,
            "min_assets": labels.min_assets,
            "last_di": len(self.days) - 1,
        }
        return self.runner.fetch(sql_text("churn_labels"), params)

    def features(self, as_of: dt.date) -> pa.Table:
        """Features of every customer on the books at `as_of`, from dates <= as_of only."""
        t = self.index(as_of)
        lookback = self.config.model.lookback_days
        window = self.days[max(0, t - lookback + 1) : t + 1]
        self.ensure_days(as_of)
        self._customer_day(window)
        # contacts since the first loaded date (the lookback's are picked by date in the SQL;
        # issue 20: the days since any contact look further back)
        self.lake.register_facts(self.runner, ("contacts",), self.days[: t + 1])
        self.lake.register_facts(self.runner, ("positions",), [as_of])
        # issue 20: the benchmark index on T and 20 trading days before
        self.lake.register_facts(
            self.runner, ("index_quotes",), [self.days[i] for i in (t, t - 20) if i >= 0]
        )
        params: dict[str, Any] = {
            "as_of": as_of,
            "t": t,
            "lookback": lookback,
            "first_day": self.days[0],
            "benchmark": self.config.model.benchmark_index,
        }
        return self.runner.fetch(sql_text("churn_features"), params)

"""`run_pipeline`: from the lake to customer_indicators and customer_profile as of T."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from brokerlens.alerts import evaluate_alerts
from brokerlens.config import Settings
from brokerlens.engine import open_engine
from brokerlens.errors import ConfigError, LakeError
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.pipeline.asof import compute_indicators
from brokerlens.pipeline.days import build_days, build_months
from brokerlens.pipeline.lookup import build_lookup
from brokerlens.pipeline.lots import advance_lots
from brokerlens.pipeline.profile import compute_profile
from brokerlens.pipeline.sources import LakeFiles
from brokerlens.pipeline.state import read_state, write_state
from brokerlens.pipeline.windows import as_of_calendar
from brokerlens.suitability.daily import build_facts, build_reports
from brokerlens.suitability.questionnaire import load_definitions
from brokerlens.warehouse.store import WarehouseStore


@dataclass
class RunReport:
    as_of: dt.date
    engine: str
    customers: int = 0
    catalog_version: str = ""
    days_built: int = 0
    months_built: int = 0
    lot_days: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)  # customers per alert id on T
    churn: str = ""  # what the churn step did: scored with model vN, or why it was skipped


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
) -> RunReport:
    """Bring the running aggregates up to T, then compute indicators and the profile as of T.

    `full` discards the running aggregates first (not the indicators and profiles of other
    dates), so everything is recomputed from the lake."""
    lake = LakeFiles(LakeLayout(settings.lake_dir), read_catalog(LakeLayout(settings.lake_dir)))
    day = _pick_as_of(sorted(lake.days), as_of)
    store = WarehouseStore(settings.warehouse_dir)
    if full:
        store.discard_aggregates()
    state = read_state(store.state_path)
    report = RunReport(as_of=day, engine=engine)
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[step] = round(now - clock, 2)
        clock = now

    runner = open_engine(engine, settings)
    try:
        lake.register_all(runner)
        report.days_built = len(build_days(runner, lake, store, state, day))
        write_state(store.state_path, state)
        lap("customer_day")
        advanced = advance_lots(runner, lake, store, state, day)
        write_state(store.state_path, state)
        for path in advanced.obsolete:
            path.unlink(missing_ok=True)
        report.lot_days = len(advanced.days)
        lap("lots")
        cal = as_of_calendar(day, sorted(lake.days))
        report.months_built = len(build_months(runner, lake, store, state, cal.complete_months()))
        write_state(store.state_path, state)
        lap("customer_month")
        questionnaires = load_definitions(settings)
        report.customers = compute_indicators(runner, lake, store, state, cal, questionnaires)
        lap("indicators")
        _, report.catalog_version = compute_profile(runner, settings, store, day)
        lap("profile")
        report.alerts = evaluate_alerts(runner, settings, store, day)
        lap("alerts")
        from brokerlens.activation import compute_activation, load_config

        compute_activation(runner, lake, store, state, cal, load_config(settings))
        lap("activation")
    finally:
        runner.close()
    build_lookup(settings, day)
    lap("360 lookup")
    build_facts(settings, day, sorted(lake.days))
    lap("suitability facts")
    build_reports(settings, day)
    lap("suitability reports")
    from brokerlens.churn.service import score_if_model

    report.churn = score_if_model(settings, day)
    lap("churn")
    return report

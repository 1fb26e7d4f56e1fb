"""The call-back tasks of T (`<warehouse>/compliance/callbacks/<T>.parquet`), made by rule on
the run's engine; publish loads the ones the store lacks.

- New accounts (`sql/cb_new_accounts.sql`): every account opened in the `lookback_days` before
  T; the same account is in every file of its lookback window, publish keeps one task.
- The year's sample (`sql/cb_sample_base.sql`, `sql/cb_sample.sql`): drawn when the store has
  no sample of T's year yet (no store at all: drawn, and publish decides). Once drawn, the
  file holds only replacements: a stratum whose live tasks (pending or completed) fell below its
  quota because some were given up as unreachable gets the next customers of its hash order
  not tasked yet. So at scale the daily step reads the base only on the year's first run and
  on a day with something to replace.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.compliance.callbacks.config import CallbackConfig
from brokerlens.compliance.callbacks.quota import quota, takes
from brokerlens.compliance.callbacks.store_rows import SampleState, read_sample_state, read_tasked
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.engine.sqltext import ident
from brokerlens.errors import ConfigError, LakeError
from brokerlens.warehouse.layout import WarehouseLayout

PACKAGE = "brokerlens.compliance.callbacks"
NO_TIER = "-"  # the stratum of customers the tier classification leaves out
TASK_COLUMNS = (
    "customer_id, kind, source_ref, branch_id, tier, due_date, stratum_base, stratum_quota"
)
TASKS_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("kind", pa.string()),
        ("source_ref", pa.string()),
        ("branch_id", pa.string()),
        ("tier", pa.string()),
        ("due_date", pa.date32()),
        # the sample's strata as drawn (every row of a stratum says its base and quota); null on
        # new accounts' and replacements' rows
        ("stratum_base", pa.int64()),
        ("stratum_quota", pa.int64()),
    ]
)
BASE_COLUMNS = [("customer_id", "VARCHAR"), ("branch_id", "VARCHAR"), ("tier", "VARCHAR")]


@dataclass
class TaskReport:
    new_accounts: int = 0
    sampled: int = 0  # the year's sample drawn on this run (0: drawn before, or replacements)
    replacements: int = 0
    strata: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.new_accounts + self.sampled + self.replacements

    def note(self) -> str:
        text = f"{self.new_accounts} new accounts"
        if self.sampled:
            text += f", the year's sample: {self.sampled} in {self.strata} strata"
        if self.replacements:
            text += f", {self.replacements} replacements"
        return "; ".join([text, *self.notes])

    def counts(self) -> dict[str, int]:
        return {
            "new_account": self.new_accounts,
            "annual_sample": self.sampled,
            "replacement": self.replacements,
        }


@dataclass(frozen=True)
class Inputs:
    engine: Engine
    warehouse: WarehouseLayout
    as_of: dt.date


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def build_tasks(src: Inputs, config: CallbackConfig, db: sa.Engine | None) -> TaskReport:
    """Write the call-back tasks of T; `db` None: no store yet, the sample is drawn."""
    report = TaskReport()
    rule = config.new_account
    src.engine.create_view(
        "cb_new_accounts_rows",
        load_sql(PACKAGE, "cb_new_accounts").sql,
        {
            "as_of": src.as_of,
            "since": src.as_of - dt.timedelta(days=rule.lookback_days),
            "due_days": rule.due_days,
        },
    )
    parts = [f"SELECT {TASK_COLUMNS} FROM cb_new_accounts_rows"]
    year = src.as_of.year
    state = read_sample_state(db, year) if db is not None else SampleState()
    sample = _sample_view(src, config, state, db, report)
    if sample:
        parts.append(f"SELECT {TASK_COLUMNS} FROM cb_sample_rows")
    path = src.warehouse.callbacks_file(src.as_of)
    query = " UNION ALL ".join(parts) + " ORDER BY kind, branch_id, customer_id"
    src.engine.write_parquet(query, path)
    kinds = Counter(pq.ParquetFile(path).read(columns=["kind"]).column("kind").to_pylist())
    report.new_accounts = kinds["new_account"]
    if sample == "draw":
        report.sampled = kinds["annual_sample"]
    else:
        report.replacements = kinds["annual_sample"]
    src.warehouse.run_file("cb_base", "callbacks").unlink(missing_ok=True)
    return report


def _sample_view(
    src: Inputs,
    config: CallbackConfig,
    state: SampleState,
    db: sa.Engine | None,
    report: TaskReport,
) -> str:
    """Make `cb_sample_rows` (the draw, or the replacements); returns "draw", "replace" or ""
    (nothing to draw)."""
    year = src.as_of.year
    if state.drawn:
        wanted = takes(state.strata, state.live)
        if not wanted:
            return ""
        _register_base(src, config, report)
        strata = {(s.branch_id, s.tier): s for s in state.strata}
        rows = [(*key, strata[key].base, strata[key].quota, n) for key, n in wanted.items()]
        tasked = read_tasked(db, year) if db is not None else []
        mode = "replace"
    else:
        _register_base(src, config, report)
        counts = src.engine.fetch(
            "SELECT branch_id, tier, count(*) AS n FROM cb_base GROUP BY branch_id, tier"
        ).to_pylist()
        share = config.annual_sample.share
        rows = []
        for c in counts:
            q = quota(int(c["n"]), share)
            rows.append((c["branch_id"], c["tier"], int(c["n"]), q, q))
        report.strata = len(rows)
        tasked = []
        mode = "draw"
    src.engine.register_table("cb_wanted", _wanted(rows))
    src.engine.register_table("cb_tasked", pa.table({"customer_id": pa.array(tasked, pa.string())}))
    src.engine.create_view(
        "cb_sample_rows",
        load_sql(PACKAGE, "cb_sample").sql,
        {
            "year": str(year),
            "seed": str(config.annual_sample.seed),
            "due": year_end(year),
            "draw": mode == "draw",
        },
    )
    return mode


def _wanted(rows: list[tuple[str, str, int, int, int]]) -> pa.Table:
    names = ("branch_id", "tier", "base", "quota", "take")
    types = (pa.string(), pa.string(), pa.int64(), pa.int64(), pa.int64())
    return pa.table(
        {
            n: pa.array([r[i] for r in rows], t)
            for i, (n, t) in enumerate(zip(names, types, strict=True))
        }
    )


def _register_base(src: Inputs, config: CallbackConfig, report: TaskReport) -> None:
    """`cb_base`: the prior year-end's customers with their strata, kept for the run."""
    rule = config.annual_sample
    profile = src.warehouse.profile_file(src.as_of)
    if not profile.is_file():
        raise LakeError(
            f"{src.as_of} has not been run: the call-back sample needs its profile",
            hint=f"run the day first: brokerlens run --as-of {src.as_of}",
        )
    if rule.tier_from not in pq.read_schema(profile).names:
        raise ConfigError(
            f"annual_sample.tier_from: the profile of {src.as_of} has no classification "
            f"{rule.tier_from!r}",
            hint="name a classification of the catalog in <home>/compliance/callbacks.yaml",
        )
    src.engine.register_parquet(
        "cb_profile", [profile], [("customer_id", "VARCHAR"), (rule.tier_from, "VARCHAR")]
    )
    src.engine.create_view(
        "cb_tiers", f"SELECT customer_id, {ident(rule.tier_from)} AS tier FROM cb_profile"
    )
    activation = src.warehouse.activation_file(src.as_of)
    files = [activation] if activation.is_file() else []
    if rule.exclude_dormant and not files:
        report.notes.append("no activation of T: dormant by the source status only")
    src.engine.register_parquet(
        "cb_activation", files, [("customer_id", "VARCHAR"), ("kind", "VARCHAR")]
    )
    src.engine.create_view(
        "cb_dormant", "SELECT customer_id FROM cb_activation WHERE kind = 'dormant'"
    )
    base = src.warehouse.run_file("cb_base", "callbacks")
    src.engine.write_parquet(
        load_sql(PACKAGE, "cb_sample_base").sql,
        base,
        {"year_end": year_end(src.as_of.year - 1), "exclude_dormant": rule.exclude_dormant},
    )
    src.engine.register_parquet("cb_base", [base], BASE_COLUMNS)

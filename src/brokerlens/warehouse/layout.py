"""Where the computed warehouse lives under the home: `<home>/warehouse/`. Every path under it is
formed here, and nowhere else.

- `state.json`: which lake version (dated directory) every computed date was built from.
- `customer_day/<first>_<last>.parquet`: one row per customer and business date (running
  aggregates); a full build writes a file per month, a daily run a file per day.
- `customer_month/<month start>.parquet`: customer_day summed over each complete month.
- `lots/`: FIFO lots (`buys/`, `pieces/` per batch of dates; `state/` counters and open lots).
- `indicators/<T>.parquet`: `customer_indicators` as of T.
- `profile/<T>.parquet`: `customer_profile` as of T (indicators + classifications).
- `alerts/<T>.parquet`: the alerts that fired as of T.
- `activation/<T>.parquet`: dormant and empty accounts worth activating as of T.
- `products/metrics/<T>.parquet`: `product_metrics`, every product's evaluation as of T.
- `products/recommendations/<T>.parquet`: every customer's top products as of T after the
  suitability gate (sorted by customer); `products/targets/<T>.parquet`: the same rows sorted by
  product and score (a product's target customers); `products/gate/<T>.json`: the run's report
  (what the gate removed, per reason); `products/models/v<N>/`: recommendation models.
- `marketing/worklist/<T>.parquet`: every broker's work list as of T (one row per broker and
  customer, ranked, `in_budget` for the day's budget), sorted by broker and rank;
  `marketing/care/<T>.parquet`: the care messages the run made as of T (publish loads them into
  the outbox); `marketing/outcomes/<T>.parquet`: campaign members' conversions found up to T
  (publish applies them to `campaign_members`).
- `compliance/callbacks/<T>.parquet`: the call-back tasks the rules make as of T (new accounts,
  the year's sample; publish loads the ones the store lacks); `compliance/complaints/<T>.parquet`:
  the complaints feed's newest state of each complaint as of T (publish merges it).
- `suitability/<T>.parquet`: every customer's suitability facts as of T (newest 5 dates kept);
  `suitability/reports/<T>/`: the brokerage-wide reports; `suitability/rescored.parquet`: the
  re-scoring cache.
- `churn/models/v<N>/`: churn models; `churn/scores/<T>.parquet`: scores as of T.
- `riskpref/<quarter>/v<N>/`: risk preference models (`model.json`, `levels.parquet`).
- `lookup/<T>.sqlite`: the 360 lookup as of T (newest 3 kept); `lookup/series/<monday>.sqlite`:
  the 360 charts' series of one week of loaded dates (the weeks the kept lookups read).
- `analysis/metrics/<T>.parquet`: the business metrics of T (issue 22; `metrics_daily`);
  `analysis/trend/<month start>.parquet`: each day's business per branch, team and staff.
- `points/awards/<T>.parquet`: the points the earning rules awarded for T (issue 23; one file a
  date, replaced by a re-run of T), sorted by customer; `points/summary/<T>.parquet`: the same
  per branch, rule and expiry (the points report reads these).
- `groups/state/<T>/`: every dynamic group's members as of the newest refreshes (issue 25);
  `groups/changes/<T>.parquet`: who entered or left each group on T (the first refresh: all
  entered), so the members as of D are those whose last change on or before D is `entered`.
- `served/<snapshot id>.parquet`: the published profile's columnar copy.
- `_run/`: a run's scratch relations (rebuilt by every run).
The kept reports live beside the warehouse, under `<home>/reports/<T>/` (`ReportsLayout`).
Every file is written whole and swapped in atomically (`brokerlens.atomic`), so a reader sees a
date or its absence.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

LOOKUP_SUFFIX = ".sqlite"


def dated_files(folder: Path, suffix: str = ".parquet") -> list[dt.date]:
    """The dates of the `<date><suffix>` files in `folder`, oldest first (others ignored)."""
    found = []
    for path in folder.glob(f"*{suffix}"):
        try:
            found.append(dt.date.fromisoformat(path.name.removesuffix(suffix)))
        except ValueError:
            continue
    return sorted(found)


def versions_in(folder: Path) -> list[int]:
    """The numbers of the `v<N>` directories in `folder`, ascending."""
    return sorted(int(p.name[1:]) for p in folder.glob("v*") if p.is_dir() and p.name[1:].isdigit())


@dataclass(frozen=True)
class WarehouseLayout:
    root: Path

    # -- the running aggregates and their state -------------------------------------------
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

    def lots_batch_file(self, kind: str, stem: str) -> Path:
        """A batch of FIFO lots: `kind` is "buys" or "pieces"."""
        return self.lots_dir / kind / f"{stem}.parquet"

    def lots_state_file(self, name: str) -> Path:
        """A lots state file (counters, open lots, scratch events) by its file name."""
        return self.lots_dir / "state" / name

    @property
    def run_dir(self) -> Path:
        """A run's scratch relations (materialised models, small tables of settings)."""
        return self.root / "_run"

    def run_file(self, name: str, folder: str = "") -> Path:
        base = self.run_dir / folder if folder else self.run_dir
        return base / f"{name}.parquet"

    def discard_aggregates(self) -> None:
        """Remove the running aggregates and their state; indicators and profiles stay."""
        self.state_path.unlink(missing_ok=True)
        for folder in ("customer_day", "customer_month", "lots", "_run"):
            shutil.rmtree(self.root / folder, ignore_errors=True)

    # -- kept per as-of date ----------------------------------------------------------------
    def indicators_file(self, as_of: dt.date) -> Path:
        return self.root / "indicators" / f"{as_of.isoformat()}.parquet"

    def profile_file(self, as_of: dt.date) -> Path:
        return self.root / "profile" / f"{as_of.isoformat()}.parquet"

    def profile_dates(self) -> list[dt.date]:
        """As-of dates with a computed profile, oldest first."""
        return dated_files(self.root / "profile")

    def indicator_dates(self) -> list[dt.date]:
        return dated_files(self.root / "indicators")

    def alerts_file(self, as_of: dt.date) -> Path:
        return self.root / "alerts" / f"{as_of.isoformat()}.parquet"

    def alert_dates(self) -> list[dt.date]:
        """As-of dates with stored alerts, oldest first."""
        return dated_files(self.root / "alerts")

    def activation_file(self, as_of: dt.date) -> Path:
        return self.root / "activation" / f"{as_of.isoformat()}.parquet"

    @property
    def product_metrics_dir(self) -> Path:
        return self.root / "products" / "metrics"

    def product_metrics_file(self, as_of: dt.date) -> Path:
        """`product_metrics` as of T: one row per product with a NAV series (issue 16)."""
        return self.product_metrics_dir / f"{as_of.isoformat()}.parquet"

    def product_metrics_dates(self) -> list[dt.date]:
        """As-of dates with a product evaluation, oldest first."""
        return dated_files(self.product_metrics_dir)

    @property
    def recommendations_dir(self) -> Path:
        return self.root / "products" / "recommendations"

    def recommendations_file(self, as_of: dt.date) -> Path:
        """`recommendations` as of T: each customer's top products after the gate, by customer."""
        return self.recommendations_dir / f"{as_of.isoformat()}.parquet"

    def recommendation_dates(self) -> list[dt.date]:
        """As-of dates with recommendations, oldest first."""
        return dated_files(self.recommendations_dir)

    def targets_file(self, as_of: dt.date) -> Path:
        """The recommendations of T sorted by product and score: a product's target customers."""
        return self.root / "products" / "targets" / f"{as_of.isoformat()}.parquet"

    def gate_report_file(self, as_of: dt.date) -> Path:
        """The recommendation run's report of T (JSON): model, counts, the gate's removals."""
        return self.root / "products" / "gate" / f"{as_of.isoformat()}.json"

    @property
    def recommend_models_dir(self) -> Path:
        return self.root / "products" / "models"

    def recommend_model_dir(self, version: int) -> Path:
        return self.recommend_models_dir / f"v{version}"

    def recommend_versions(self) -> list[int]:
        return versions_in(self.recommend_models_dir)

    @property
    def marketing_dir(self) -> Path:
        return self.root / "marketing"

    def worklist_file(self, as_of: dt.date) -> Path:
        """Every broker's work list as of T, sorted by broker and rank (issue 17)."""
        return self.marketing_dir / "worklist" / f"{as_of.isoformat()}.parquet"

    def worklist_dates(self) -> list[dt.date]:
        """As-of dates with a work list, oldest first."""
        return dated_files(self.marketing_dir / "worklist")

    def care_file(self, as_of: dt.date) -> Path:
        """The care and reminder messages the run of T made (publish loads them)."""
        return self.marketing_dir / "care" / f"{as_of.isoformat()}.parquet"

    def outcomes_file(self, as_of: dt.date) -> Path:
        """Campaign members' conversions found up to T (publish applies them)."""
        return self.marketing_dir / "outcomes" / f"{as_of.isoformat()}.parquet"

    @property
    def compliance_dir(self) -> Path:
        return self.root / "compliance"

    def callbacks_file(self, as_of: dt.date) -> Path:
        """The call-back tasks the rules made as of T (issue 18; publish loads them)."""
        return self.compliance_dir / "callbacks" / f"{as_of.isoformat()}.parquet"

    def callbacks_dates(self) -> list[dt.date]:
        return dated_files(self.compliance_dir / "callbacks")

    def complaints_file(self, as_of: dt.date) -> Path:
        """The complaints feed's newest state of each complaint as of T (publish merges it)."""
        return self.compliance_dir / "complaints" / f"{as_of.isoformat()}.parquet"

    # --- brokers (issue 19): the ledger, income and statements, KPI, staff and broker risk ---
    @property
    def brokers_dir(self) -> Path:
        return self.root / "brokers"

    def ledger_file(self, as_of: dt.date) -> Path:
        """The relationship ledger as the feed stated it up to T, with the applied handovers."""
        return self.brokers_dir / "ledger" / f"{as_of.isoformat()}.parquet"

    def ledger_dates(self) -> list[dt.date]:
        return dated_files(self.brokers_dir / "ledger")

    def ledger_problems_file(self, as_of: dt.date) -> Path:
        """The spans on which a customer's shares in a role do not add up to 100%, as of T."""
        return self.brokers_dir / "ledger_problems" / f"{as_of.isoformat()}.parquet"

    # brokers/kpi (issue 19 part D): one file per month (the month to date while it runs)
    def kpi_file(self, month: dt.date) -> Path:
        """The KPI scores of a month: per staff member and metric of their scheme, with ranks."""
        return self.brokers_dir / "kpi" / f"{month.isoformat()}.parquet"

    def kpi_months(self) -> list[dt.date]:
        """The months (first days) with KPI scores, oldest first."""
        return dated_files(self.brokers_dir / "kpi")

    def kpi_values_file(self, month: dt.date) -> Path:
        """Every staff member's value of every built-in metric in a month (previews rescore it)."""
        return self.brokers_dir / "kpi" / "values" / f"{month.isoformat()}.parquet"

    def kpi_detail_file(self, month: dt.date) -> Path:
        """The customers behind each staff member's metrics in a month (drill-down), by staff."""
        return self.brokers_dir / "kpi" / "detail" / f"{month.isoformat()}.parquet"

    def income_file(self, month: dt.date) -> Path:
        """Income per customer and day of a month, in cents (month to date; issue 19 C)."""
        return self.brokers_dir / "income" / f"{month.isoformat()}.parquet"

    def income_months(self) -> list[dt.date]:
        return dated_files(self.brokers_dir / "income")

    def statements_file(self, month: dt.date) -> Path:
        """A month's commission statement lines (佣金分成), `month` its first day (issue 19 C)."""
        return self.brokers_dir / "statements" / f"{month.isoformat()}.parquet"

    def statements_months(self) -> list[dt.date]:
        return dated_files(self.brokers_dir / "statements")

    # staff pages and broker risk (issue 19 part E)
    def staff_book_file(self, as_of: dt.date) -> Path:
        """Each staff member's and unit's book as of T (customers by tier, trend, flow,
        service contacts): what the staff and unit pages show."""
        return self.brokers_dir / "book" / f"{as_of.isoformat()}.parquet"

    def staff_book_dates(self) -> list[dt.date]:
        return dated_files(self.brokers_dir / "book")

    def broker_risk_file(self, as_of: dt.date) -> Path:
        """The broker risk flags of T, with the figures that explain them."""
        return self.brokers_dir / "risk" / f"{as_of.isoformat()}.parquet"

    def broker_risk_dates(self) -> list[dt.date]:
        return dated_files(self.brokers_dir / "risk")

    # --- end brokers ---

    # business analysis (issue 22): channels and growth (3A3R), timing
    @property
    def analysis_dir(self) -> Path:
        return self.root / "analysis"

    def channel_day_part(self, stem: str) -> Path:
        """Business per branch and day of one customer_day file (same stem): the running
        aggregate the timing file of each T is put together from."""
        return self.analysis_dir / "channels" / "days" / f"{stem}.parquet"

    def channel_day_stems(self) -> list[str]:
        return sorted(p.stem for p in (self.analysis_dir / "channels" / "days").glob("*.parquet"))

    def channel_cohort_part(self, cohort_from: dt.date, kind: str, stem: str) -> Path:
        """The cohorts' activity in one customer_day file (`kind` "days") or customer_month file
        ("months"), for cohorts opened since `cohort_from` (a new first day: a new folder)."""
        folder = self.analysis_dir / "channels" / "cohorts" / cohort_from.isoformat() / kind
        return folder / f"{stem}.parquet"

    def channel_cohort_stems(self, cohort_from: dt.date, kind: str) -> list[str]:
        folder = self.analysis_dir / "channels" / "cohorts" / cohort_from.isoformat() / kind
        return sorted(p.stem for p in folder.glob("*.parquet"))

    def discard_channel_cohorts(self, keep: dt.date) -> None:
        """Remove the cohort parts of any other first day (the lake now begins elsewhere)."""
        for folder in (self.analysis_dir / "channels" / "cohorts").glob("*"):
            if folder.name != keep.isoformat():
                shutil.rmtree(folder, ignore_errors=True)

    def channel_funnel_file(self, as_of: dt.date) -> Path:
        """The 3A3R funnel of T per branch, open channel and opening month."""
        return self.analysis_dir / "channels" / "funnel" / f"{as_of.isoformat()}.parquet"

    def channel_funnel_dates(self) -> list[dt.date]:
        return dated_files(self.analysis_dir / "channels" / "funnel")

    def channel_retention_file(self, as_of: dt.date) -> Path:
        """Active customers per branch, channel, opening month and month after opening."""
        return self.analysis_dir / "channels" / "retention" / f"{as_of.isoformat()}.parquet"

    def timing_file(self, as_of: dt.date) -> Path:
        """Business per branch and day (turnover, trades, net commission, new accounts)."""
        return self.analysis_dir / "timing" / "days" / f"{as_of.isoformat()}.parquet"

    def timing_dates(self) -> list[dt.date]:
        return dated_files(self.analysis_dir / "timing" / "days")

    def timing_index_file(self, as_of: dt.date) -> Path:
        """The market index's daily close and previous close over the timing window."""
        return self.analysis_dir / "timing" / "index" / f"{as_of.isoformat()}.parquet"

    # --- analysis: the metrics layer (issue 22) ---
    def metrics_file(self, as_of: dt.date) -> Path:
        """Every business metric of T per period, org unit, staff member and cut."""
        return self.root / "analysis" / "metrics" / f"{as_of.isoformat()}.parquet"

    def metrics_dates(self) -> list[dt.date]:
        return dated_files(self.root / "analysis" / "metrics")

    def metric_trend_file(self, month: dt.date) -> Path:
        """Each loaded day's business of a month per branch, team and staff member."""
        return self.root / "analysis" / "trend" / f"{month.isoformat()}.parquet"

    def metric_trend_months(self) -> list[dt.date]:
        return dated_files(self.root / "analysis" / "trend")

    # --- end analysis: metrics ---

    # --- points (issue 23): the day's awards and their summary per branch ---
    def points_awards_file(self, as_of: dt.date) -> Path:
        """The points the earning rules awarded for T, one row per customer, rule and ref."""
        return self.root / "points" / "awards" / f"{as_of.isoformat()}.parquet"

    def points_award_dates(self) -> list[dt.date]:
        return dated_files(self.root / "points" / "awards")

    def points_summary_file(self, as_of: dt.date) -> Path:
        """T's awards per branch, rule and expiry (customers, awards, points)."""
        return self.root / "points" / "summary" / f"{as_of.isoformat()}.parquet"

    # --- end points ---

    # --- customer groups (issue 25): membership now, and its changes per refreshed date ---
    @property
    def groups_dir(self) -> Path:
        return self.root / "groups"

    def group_state_dir(self, as_of: dt.date) -> Path:
        """The groups' membership as of a refreshed date T (the newest two kept):
        `customers.parquet` (ordinal, customer_id, the leaves' bit words of every customer) and
        `members.parquet` (group_id, as_of_date, ordinal), written whole (an atomic folder)."""
        return self.groups_dir / "state" / as_of.isoformat()

    def group_state_dates(self) -> list[dt.date]:
        found = []
        for path in (self.groups_dir / "state").glob("*/members.parquet"):
            try:
                found.append(dt.date.fromisoformat(path.parent.name))
            except ValueError:
                continue
        return sorted(found)

    def group_changes_file(self, as_of: dt.date) -> Path:
        """Who entered or left each group on T (one file a refreshed date, replaced by a re-run)."""
        return self.groups_dir / "changes" / f"{as_of.isoformat()}.parquet"

    def group_change_dates(self) -> list[dt.date]:
        return dated_files(self.groups_dir / "changes")

    # --- end customer groups ---

    @property
    def suitability_dir(self) -> Path:
        return self.root / "suitability"

    def suitability_facts_file(self, as_of: dt.date) -> Path:
        return self.suitability_dir / f"{as_of.isoformat()}.parquet"

    def suitability_facts_dates(self) -> list[dt.date]:
        return dated_files(self.suitability_dir)

    def suitability_reports_dir(self, as_of: dt.date) -> Path:
        return self.suitability_dir / "reports" / as_of.isoformat()

    def suitability_report_file(self, as_of: dt.date, name: str) -> Path:
        return self.suitability_reports_dir(as_of) / f"{name}.parquet"

    def suitability_report_dates(self) -> list[dt.date]:
        found = []
        for path in (self.suitability_dir / "reports").glob("*"):
            try:
                found.append(dt.date.fromisoformat(path.name))
            except ValueError:  # a scratch directory
                continue
        return sorted(found)

    @property
    def rescored_file(self) -> Path:
        return self.suitability_dir / "rescored.parquet"

    @property
    def lookup_dir(self) -> Path:
        return self.root / "lookup"

    def lookup_file(self, as_of: dt.date) -> Path:
        return self.lookup_dir / f"{as_of.isoformat()}{LOOKUP_SUFFIX}"

    def lookup_dates(self) -> list[dt.date]:
        return dated_files(self.lookup_dir, LOOKUP_SUFFIX)

    @property
    def series_dir(self) -> Path:
        return self.lookup_dir / "series"

    def series_file(self, monday: dt.date) -> Path:
        """The 360 charts' block of the week starting `monday` (publish/series.py)."""
        return self.series_dir / f"{monday.isoformat()}{LOOKUP_SUFFIX}"

    def series_weeks(self) -> list[dt.date]:
        return dated_files(self.series_dir, LOOKUP_SUFFIX)

    def obsolete_lookup_files(self) -> list[Path]:
        """The DuckDB lookup files of earlier versions, to be removed."""
        return sorted(self.lookup_dir.glob("*.duckdb"))

    def served_file(self, snapshot_id: int) -> Path:
        return self.root / "served" / f"{snapshot_id}.parquet"

    # -- models, kept per version (a folder v<N> holding the files below) ---------------------
    @staticmethod
    def model_json(model_dir: Path) -> Path:
        """A kept model's description (churn and riskpref alike)."""
        return model_dir / "model.json"

    @staticmethod
    def churn_booster(model_dir: Path) -> Path:
        return model_dir / "booster.txt"

    @staticmethod
    def riskpref_levels(model_dir: Path) -> Path:
        """Every customer's level under that quarterly model."""
        return model_dir / "levels.parquet"

    @property
    def churn_models_dir(self) -> Path:
        return self.root / "churn" / "models"

    def churn_model_dir(self, version: int) -> Path:
        return self.churn_models_dir / f"v{version}"

    def churn_versions(self) -> list[int]:
        return versions_in(self.churn_models_dir)

    def churn_scores_file(self, as_of: dt.date) -> Path:
        return self.root / "churn" / "scores" / f"{as_of.isoformat()}.parquet"

    def churn_score_dates(self) -> list[dt.date]:
        return dated_files(self.root / "churn" / "scores")

    @property
    def riskpref_dir(self) -> Path:
        return self.root / "riskpref"

    def riskpref_quarter_dir(self, quarter: str) -> Path:
        return self.riskpref_dir / quarter

    def riskpref_model_dir(self, quarter: str, version: int) -> Path:
        return self.riskpref_quarter_dir(quarter) / f"v{version}"

    def riskpref_quarter_names(self) -> list[str]:
        """The names of the folders that may hold a quarter's models (`2025Q1` ...)."""
        return sorted(p.name for p in self.riskpref_dir.glob("*Q*") if p.is_dir())

    def riskpref_versions(self, quarter: str) -> list[int]:
        return versions_in(self.riskpref_quarter_dir(quarter))


# A report's id, a unit's id and a sheet's id as they appear in a kept report's file names:
# letters, digits, `_` and `-` only, so a name never reaches outside its date's folder.
REPORT_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
REPORT_SUFFIXES = (".xlsx", ".json", ".parquet")


@dataclass(frozen=True)
class ReportsLayout:
    """The kept reports (issue 22): `<home>/reports/<T>/`, per report (and per unit for a
    branch- or region-level one) `<stem>.xlsx`, its manifest `<stem>.json` (with the content
    hash) and its snapshot `<stem>.<sheet>.parquet` per sheet; `<stem>` is `<report>` or
    `<report>.<unit>`. A date's folder is written whole and swapped in (`atomic_dir`), so a
    re-run of T replaces T's reports at once."""

    root: Path

    def day_dir(self, as_of: dt.date) -> Path:
        return self.root / as_of.isoformat()

    def dates(self) -> list[dt.date]:
        """The dates with kept reports, oldest first (scratch folders ignored)."""
        found = []
        for path in self.root.glob("*"):
            try:
                found.append(dt.date.fromisoformat(path.name))
            except ValueError:
                continue
        return sorted(found)

    @staticmethod
    def stem(report_id: str, unit_id: str | None = None) -> str:
        for part in (report_id, unit_id):
            if part is not None and not REPORT_PART.match(part):
                raise ValueError(f"{part[:70]!r} cannot be part of a report's file name")
        return report_id if unit_id is None else f"{report_id}.{unit_id}"

    @staticmethod
    def workbook_file(folder: Path, stem: str) -> Path:
        return folder / f"{stem}.xlsx"

    @staticmethod
    def manifest_file(folder: Path, stem: str) -> Path:
        return folder / f"{stem}.json"

    @staticmethod
    def snapshot_file(folder: Path, stem: str, sheet_id: str) -> Path:
        if not REPORT_PART.match(sheet_id):
            raise ValueError(f"{sheet_id[:70]!r} cannot be part of a report's file name")
        return folder / f"{stem}.{sheet_id}.parquet"

    def manifests(self, as_of: dt.date, report_id: str | None = None) -> list[Path]:
        """The manifests kept for `as_of` (of one report only, with `report_id`), by name."""
        folder = self.day_dir(as_of)
        if report_id is None:
            return sorted(folder.glob("[!.]*.json"))
        if not REPORT_PART.match(report_id):
            return []
        own = folder / f"{report_id}.json"
        return sorted([*([own] if own.is_file() else []), *folder.glob(f"{report_id}.*.json")])

    def kept(self, as_of: dt.date, name: str) -> Path | None:
        """The kept file `name` of `as_of` when it is one (a plain name listed in the date's
        folder, never a path), else None."""
        folder = self.day_dir(as_of)
        if not name.endswith(REPORT_SUFFIXES) or name.startswith(".") or not folder.is_dir():
            return None
        found = {p.name: p for p in folder.iterdir() if p.is_file()}
        return found.get(name)

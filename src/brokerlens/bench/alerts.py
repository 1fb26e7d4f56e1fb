"""Bench suite `alerts`: every alert's volume, and its precision where the ground truth tells.

The generated days are loaded, the newest complete quarter's behavioural risk preference is
fitted (`risk_mismatch` reads its levels), then `brokerlens run --as-of D --no-publish` computes
the alerts of several dates: every EVERY trading days from the FIRST (three months of history
behind the 3-month indicators) while HORIZON trading days of data follow, and the last loaded
date (the newest levels; volume and `risk_mismatch` only). The evaluation then reads the stored
`<warehouse>/alerts/<D>.parquet` and the indicators of each date, and the generator's ground
truth (`_ground_truth/customers.parquet`; only this evaluation reads it, the pipeline never does):
- volume: per alert and date, the customers it fires for and their share of the book (customers
  not closed, or closed on D itself), the mean over the dates; and the union (customers with any
  alert);
- churn alerts (`potential_churn`, `cash_emptied`, `actual_churn`): precision = of the customers
  flagged on D, the share whose ground-truth churn_date falls on D or within the HORIZON trading
  days after it; recall = of the customers of the book churning in that window, the share
  flagged; pooled over the dates with a full window. Lead: per churner flagged in time, trading
  days from the first evaluated date that flagged them to the churn (so in steps of EVERY days);
- `risk_mismatch`: precision and recall against "true risk appetite (1..5) above the assessed
  class (C1..C5, the date's `regulatory_class`) by 2 or more", over the customers with a valid
  assessment, on the dates that have behavioural levels;
- the other alerts warn of nothing the ground truth records: volume only (`truth: none`).
`brokerlens bench --suite alerts --customers 20000 --days 250 --seed 7` (about 21 minutes on two
shared cores, 12-15 of them the 11 runs);
`python -m brokerlens.bench.alerts --home HOME --truth FILE` prints the figures as JSON.
`evaluate(home, truth)` reads every alerts date stored in the home, so a home for it has gone
through `ingest`, `riskpref fit` (the newest complete quarter) and `run --as-of D` for each D of
`run_dates(loaded days)` (the stages above; other dates' alerts would be counted as well).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from brokerlens.alerts.model import VOLUME_SHARE
from brokerlens.alerts.thresholds import load_alerts
from brokerlens.bench.harness import (
    BenchPlan,
    Stage,
    cli,
    evaluator_main,
    generate_stage,
    register_stage,
)
from brokerlens.bench.quality_lines import QualityLine, at_least, at_most
from brokerlens.config import load_settings
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.market.calendar import calendar_bounds, trading_days
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles

TRUTH = Path("_ground_truth") / "customers.parquet"
HORIZON = 40  # trading days after D in which a churn makes a churn alert of D right
EVERY = 15  # trading days between evaluated dates
FIRST = 60  # the first evaluated date's index among the loaded days
CHURN_ALERTS = ("potential_churn", "cash_emptied", "actual_churn")
MISMATCH_GAP = 2  # true appetite above the assessed class by this many levels or more
MISMATCH_TARGETS = (0.8, 0.6)  # issue 20: precision, recall


def run_dates(days: list[dt.date]) -> list[dt.date]:
    """The evaluated dates among the loaded `days`: every EVERY from the FIRST while HORIZON
    days follow, and the last loaded date."""
    if not days:
        return []
    picked = [days[i] for i in range(FIRST, len(days) - HORIZON, EVERY)]
    return [*picked, days[-1]]


def plan_days(plan: BenchPlan) -> list[dt.date]:
    return list(trading_days(plan.start, calendar_bounds()[1])[: plan.days])


def _ingest(plan: BenchPlan) -> list[str]:
    # the generator's injected bad rows can push a small feed over 1%: the bench measures alerts
    return cli(plan, "ingest", str(plan.inbox_dir), "--threshold", "0.2")


def _fit(plan: BenchPlan) -> list[str]:
    return cli(plan, "riskpref", "fit", "--seed", str(plan.seed))


def _runs(plan: BenchPlan) -> list[str]:
    dates = [d.isoformat() for d in run_dates(plan_days(plan))]
    home = str(plan.workdir / "home")
    script = (
        "import sys; from brokerlens.bench.alerts import run_all; sys.exit(run_all(sys.argv[1:]))"
    )
    return [sys.executable, "-c", script, home, *dates]


def run_all(argv: list[str]) -> int:
    """`brokerlens run --as-of D --no-publish` for each date (argv: home, dates), oldest first."""
    home, *dates = argv
    for day in sorted(dates):
        command = [sys.executable, "-m", "brokerlens", "--home", home, "run", "--as-of", day]
        done = subprocess.run([*command, "--no-publish"], check=False)
        if done.returncode != 0:
            return done.returncode
    return 0


def _evaluate(plan: BenchPlan) -> list[str]:
    home = str(plan.workdir / "home")
    truth = str(plan.inbox_dir / TRUTH)
    return [sys.executable, "-m", "brokerlens.bench.alerts", "--home", home, "--truth", truth]


# what the `quality` suite (bench/quality.py) runs for this evaluation once a home is loaded and
# its models fitted
RUN_STAGES = (Stage("run as of the evaluated dates", _runs),)

for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("riskpref fit", _fit),
    *RUN_STAGES,
    Stage("alerts evaluate", _evaluate, "per alert: share of the book <= 5% or a reason"),
):
    register_stage("alerts", stage)


# --- the measures, on plain frames (tests/bench/test_alerts_bench.py works them by hand) -------


def volume(fired: pd.DataFrame, book: pd.Series, alert_ids: Iterable[str]) -> pd.DataFrame:
    """Per alert and date: customers fired for and their share of the book.

    `fired`: as_of_date, customer_id, alert_id (one row per firing); `book`: customers open per
    as_of_date. Every alert of `alert_ids` has a row for every date of `book`, 0 when silent."""
    counts = fired.groupby(["alert_id", "as_of_date"])["customer_id"].nunique()
    index = pd.MultiIndex.from_product([list(alert_ids), list(book.index)])
    out = counts.reindex(index, fill_value=0).rename("customers").to_frame()
    out.index.names = ["alert_id", "as_of_date"]
    out["share"] = out["customers"] / book.reindex(out.index.get_level_values(1)).to_numpy()
    return out.reset_index()


def union_volume(fired: pd.DataFrame, book: pd.Series) -> pd.DataFrame:
    """Per date: customers with any alert and their share of the book."""
    counts = fired.groupby("as_of_date")["customer_id"].nunique().reindex(book.index, fill_value=0)
    return pd.DataFrame(
        {
            "as_of_date": book.index,
            "customers": counts.to_numpy(),
            "share": (counts / book).to_numpy(),
        }
    )


def churn_measures(
    flagged: pd.DataFrame,
    open_customers: dict[dt.date, set[str]],
    churn_date: dict[str, dt.date],
    days: list[dt.date],
    horizon: int = HORIZON,
) -> dict[str, Any]:
    """Precision, recall and lead of a churn alert, pooled over the dates of `open_customers`
    that have `horizon` loaded days after them (the others are skipped).

    `flagged`: as_of_date, customer_id of the alert's firings; `open_customers`: the book per
    date; `churn_date`: the ground truth's churn date per churner; `days`: the loaded days.
    A firing on D is right when the customer churns on D or within `horizon` days after it."""
    index = {d: i for i, d in enumerate(days)}
    by_date = flagged.groupby("as_of_date")["customer_id"].apply(set).to_dict()
    hits = flags = positives = found = 0
    first_hit: dict[str, dt.date] = {}
    dates = []
    for day in sorted(open_customers):
        i = index.get(day)
        if i is None or i + horizon >= len(days):
            continue
        dates.append(day)
        end = days[i + horizon]
        book = open_customers[day]
        churning = {c for c in book if (d := churn_date.get(c)) is not None and day <= d <= end}
        fired = by_date.get(day, set()) & book
        right = fired & churning
        hits += len(right)
        flags += len(fired)
        positives += len(churning)
        found += len(right)
        for c in right:
            first_hit.setdefault(c, day)
    leads = [
        index[churn_date[c]] - index[d] for c, d in first_hit.items() if churn_date[c] in index
    ]
    return {
        "dates": len(dates),
        "flagged": flags,
        "right": hits,
        "churning": positives,
        "precision": round(hits / flags, 4) if flags else None,
        "recall": round(found / positives, 4) if positives else None,
        "base_rate": round(positives / sum(len(open_customers[d]) for d in dates), 5)
        if dates
        else None,
        "churners_flagged": len(first_hit),
        "lead_days_median": float(np.median(leads)) if leads else None,
        "lead_days_p10_p90": [float(np.quantile(leads, 0.1)), float(np.quantile(leads, 0.9))]
        if leads
        else None,
    }


def mismatch_measures(
    flagged: pd.DataFrame, assessed: pd.DataFrame, appetite: dict[str, int], gap: int = MISMATCH_GAP
) -> dict[str, Any]:
    """Precision and recall of `risk_mismatch` against the true appetite, pooled over dates.

    `assessed`: as_of_date, customer_id, regulatory_class (C1..C5) of the open customers with a
    valid assessment on the dates that have behavioural levels; a customer is truly mismatched
    when appetite - class >= `gap`. Firings outside `assessed` are not counted."""
    base = assessed.dropna(subset=["regulatory_class"]).copy()
    base["rank"] = base["regulatory_class"].str[1].astype(int)
    base["truth"] = base["customer_id"].map(appetite) - base["rank"] >= gap
    keys = set(zip(flagged["as_of_date"], flagged["customer_id"], strict=True))
    base["flag"] = [
        (d, c) in keys for d, c in zip(base["as_of_date"], base["customer_id"], strict=True)
    ]
    flags, positives = int(base["flag"].sum()), int(base["truth"].sum())
    right = int((base["flag"] & base["truth"]).sum())
    return {
        "dates": int(base["as_of_date"].nunique()),
        "assessed": len(base),
        "flagged": flags,
        "right": right,
        "mismatched": positives,
        "precision": round(right / flags, 4) if flags else None,
        "recall": round(right / positives, 4) if positives else None,
    }


# --- reading a bench home --------------------------------------------------------------------


def _loaded_days(home: Path) -> list[dt.date]:
    layout = LakeLayout(load_settings(home=home).lake_dir)
    return sorted(LakeFiles(layout, read_catalog(layout)).days)


def evaluate(home: Path, truth: Path) -> dict[str, Any]:
    """The figures of the bench over every alerts date stored in `home`."""
    settings = load_settings(home=home)
    warehouse = WarehouseLayout(settings.warehouse_dir)
    definitions = load_alerts(settings).definitions
    ids = [d.id for d in definitions]
    reasons = {d.id: d.volume_reason_zh for d in definitions}
    days = _loaded_days(home)
    dates = warehouse.alert_dates()
    fired_parts, ind_parts = [], []
    for day in dates:
        fired_parts.append(
            pq.read_table(
                warehouse.alerts_file(day), columns=["as_of_date", "customer_id", "alert_id"]
            ).to_pandas()
        )
        ind = pq.read_table(
            warehouse.indicators_file(day),
            columns=[
                "customer_id",
                "status",
                "account_closed_t",
                "regulatory_class",
                "behaviour_level",
            ],
        ).to_pandas()
        # the book of D: not closed, or closed on D (what actual_churn fires for)
        ind = ind[(ind["status"] != "closed") | (ind["account_closed_t"] == 1)]
        ind.insert(0, "as_of_date", day)
        ind_parts.append(ind)
    fired = pd.concat(fired_parts, ignore_index=True)
    fired["as_of_date"] = pd.to_datetime(fired["as_of_date"]).dt.date
    indicators = pd.concat(ind_parts, ignore_index=True)
    book = indicators.groupby("as_of_date")["customer_id"].size()
    open_customers = indicators.groupby("as_of_date")["customer_id"].apply(set).to_dict()
    gt = pd.read_parquet(truth, columns=["customer_id", "churn_date", "true_risk_appetite"])
    churners = gt[gt["churn_date"].notna()]
    churn_date = dict(
        zip(churners["customer_id"], pd.to_datetime(churners["churn_date"]).dt.date, strict=True)
    )
    appetite = dict(zip(gt["customer_id"], gt["true_risk_appetite"].astype(int), strict=True))

    per_date = volume(fired, book, ids)
    union = union_volume(fired, book)
    out: dict[str, Any] = {
        "dates": [d.isoformat() for d in dates],
        "loaded_days": len(days),
        "horizon_days": HORIZON,
        "book_mean": round(float(book.mean()), 1) if len(book) else None,
        "alerts": {},
    }
    with_levels = indicators.groupby("as_of_date")["behaviour_level"].count()
    level_dates = set(with_levels[with_levels > 0].index)
    for alert_id in ids:
        rows = per_date[per_date["alert_id"] == alert_id]
        if alert_id == "risk_mismatch":  # silent without levels: its volume where it can fire
            rows = rows[rows["as_of_date"].isin(level_dates)]
        item: dict[str, Any] = {
            "dates": len(rows),
            "customers_mean": round(float(rows["customers"].mean()), 1) if len(rows) else None,
            "share_mean": round(float(rows["share"].mean()), 4) if len(rows) else None,
            "share_max": round(float(rows["share"].max()), 4) if len(rows) else None,
            "per_date": {
                d.isoformat(): [int(n), round(float(s), 4)]
                for d, n, s in zip(
                    rows["as_of_date"], rows["customers"], rows["share"], strict=True
                )
            },
            "volume_reason": reasons.get(alert_id),
            "truth": "none",
        }
        mine = fired[fired["alert_id"] == alert_id]
        if alert_id in CHURN_ALERTS:
            item["truth"] = f"churn within {HORIZON} trading days"
            item["churn"] = churn_measures(mine, open_customers, churn_date, days)
        elif alert_id == "risk_mismatch":
            assessed = indicators[indicators["as_of_date"].isin(level_dates)]
            item["truth"] = f"true appetite >= assessed class + {MISMATCH_GAP}"
            item["mismatch"] = mismatch_measures(mine, assessed, appetite)
            item["mismatch"]["level_dates"] = sorted(d.isoformat() for d in level_dates)
        out["alerts"][alert_id] = item
    out["union"] = {
        "customers_mean": round(float(union["customers"].mean()), 1),
        "share_mean": round(float(union["share"].mean()), 4),
        "per_date": {
            d.isoformat(): [int(n), round(float(s), 4)]
            for d, n, s in zip(union["as_of_date"], union["customers"], union["share"], strict=True)
        },
    }
    return out


def quality_lines(figures: dict[str, Any]) -> list[QualityLine]:
    """The alerts' lines of the model-quality table: per alert its volume (mean share of the book
    a day; target: at most 5% or a reason in its YAML), precision and recall where the ground
    truth tells; the union's volume."""
    lines = []
    for alert_id, item in figures["alerts"].items():
        share = item["share_mean"]
        reason = bool(item.get("volume_reason"))
        lines.append(
            QualityLine(
                area="alerts",
                measure=f"{alert_id}: share of the book a day",
                value=share,
                # the measure's name is the same on every seed; whether the YAML says why is here
                target=f"<= {VOLUME_SHARE:.0%} or a reason" + (" (reason given)" if reason else ""),
                met=True if reason else at_most(share, VOLUME_SHARE),
            )
        )
        if "churn" in item:
            churn = item["churn"]
            for measure in ("precision", "recall"):
                lines.append(
                    QualityLine(
                        area="alerts",
                        measure=f"{alert_id}: {measure} (churn within {HORIZON} days)",
                        value=churn[measure],
                        baseline=churn["base_rate"] if measure == "precision" else None,
                    )
                )
            lines.append(
                QualityLine(
                    area="alerts",
                    measure=f"{alert_id}: median lead (trading days)",
                    value=churn["lead_days_median"],
                )
            )
        if "mismatch" in item:
            mismatch = item["mismatch"]
            for measure, bound in zip(("precision", "recall"), MISMATCH_TARGETS, strict=True):
                lines.append(
                    QualityLine(
                        area="alerts",
                        measure=f"{alert_id}: {measure} (appetite >= class + {MISMATCH_GAP})",
                        value=mismatch[measure],
                        baseline=round(mismatch["mismatched"] / mismatch["assessed"], 4)
                        if measure == "precision" and mismatch["assessed"]
                        else None,
                        target=f">= {bound}",
                        met=at_least(mismatch[measure], bound),
                    )
                )
    lines.append(
        QualityLine(
            area="alerts",
            measure="any alert: share of the book a day",
            value=figures["union"]["share_mean"],
        )
    )
    return lines


def summary(figures: dict[str, Any]) -> str:
    parts = [
        f"{a} " + ("-" if i["share_mean"] is None else f"{i['share_mean']:.1%}")
        for a, i in figures["alerts"].items()
    ]
    pc = figures["alerts"].get("potential_churn", {}).get("churn", {})
    rm = figures["alerts"].get("risk_mismatch", {}).get("mismatch", {})
    return (
        f"alerts over {len(figures['dates'])} dates, share of the book a day: {', '.join(parts)}; "
        f"any {figures['union']['share_mean']:.1%}. potential_churn precision "
        f"{pc.get('precision')} recall {pc.get('recall')} lead {pc.get('lead_days_median')} days; "
        f"risk_mismatch precision {rm.get('precision')} recall {rm.get('recall')}"
    )


def main(argv: list[str] | None = None) -> int:
    description = __doc__.splitlines()[0] if __doc__ else None
    return evaluator_main(description, evaluate, summary, argv)


if __name__ == "__main__":
    raise SystemExit(main())

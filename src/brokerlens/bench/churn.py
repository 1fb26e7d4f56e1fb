"""Bench suite `churn`: the churn early-warning model on generated data.

The generated days are loaded, `brokerlens churn fit` trains on the earlier as-of dates and
tests on the later ones, then the model is measured against the generator's ground truth
(`_ground_truth/customers.parquet`, outside the date folders; only this evaluation reads it,
the pipeline never does):
- on the model's test as-of dates: ROC AUC and precision in the top 5% of scores, where a
  customer is positive when the ground truth's churn_date falls within the next H trading days;
- lift against the rule alert `potential_churn` (transfers out over the last 20 trading days
  > 70% of the total assets 20 trading days ago and trades_per_month < 1 in the last full month),
  computed here from the churn features and customer_day with those default thresholds: the
  alert engine evaluates it on customer_indicators, which would need a full `brokerlens run`
  per test date;
- how many weeks before churning customers are first flagged (top 5%): the test period and
  after it are scored weekly, and for every ground-truth churn at least H trading days after
  the first weekly date, the first flag within the H trading days before it.
A year is enough: `brokerlens bench --suite churn --customers 50000 --days 250`.
Run as `python -m brokerlens.bench.churn --home HOME --truth FILE` it prints the figures as JSON.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from brokerlens.bench.harness import (
    BenchPlan,
    Stage,
    cli,
    evaluator_main,
    generate_stage,
    register_stage,
)
from brokerlens.churn.config import ChurnConfig
from brokerlens.churn.data import ChurnData
from brokerlens.churn.model import top_mask
from brokerlens.churn.service import churn_models, score_table
from brokerlens.config import load_settings

TRUTH = Path("_ground_truth") / "customers.parquet"
WEEK = 5  # trading days between the weekly scorings


def _ingest(plan: BenchPlan) -> list[str]:
    # the generator's injected bad rows can push a small feed over 1%: the bench measures churn
    return cli(plan, "ingest", str(plan.inbox_dir), "--threshold", "0.2")


def _fit(plan: BenchPlan) -> list[str]:
    return cli(plan, "churn", "fit", "--seed", str(plan.seed))


def _evaluate(plan: BenchPlan) -> list[str]:
    home = str(plan.workdir / "home")
    truth = str(plan.inbox_dir / TRUTH)
    return [sys.executable, "-m", "brokerlens.bench.churn", "--home", home, "--truth", truth]


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("churn fit", _fit),
    Stage("churn evaluate", _evaluate, "AUC, top 5% precision, lift vs rule, weeks ahead"),
):
    register_stage("churn", stage)


def _last_month_trades(data: Any, as_of: dt.date) -> dict[str, int]:
    """Trades (not IPO applications) per customer in the last full calendar month before T."""
    first_of_month = as_of.replace(day=1)
    prev = (first_of_month - dt.timedelta(days=1)).replace(day=1)
    days = [d for d in data.days if prev <= d < first_of_month]
    data._customer_day(days)
    rows = data.runner.fetch(
        "SELECT customer_id, CAST(sum(trade_count) AS BIGINT) AS n FROM customer_day "
        "WHERE biz_date >= :first AND biz_date < :last GROUP BY customer_id",
        {"first": prev, "last": first_of_month},
    ).to_pylist()
    return {r["customer_id"]: int(r["n"]) for r in rows}


def evaluate(home: Path, truth: Path) -> dict[str, Any]:
    """The bench's figures for the newest stored model of `home`."""
    settings = load_settings(home=home)
    models = churn_models(settings)
    model = models.read_model()
    booster = lgb.Booster(model_str=models.read_booster_text(model.version))
    config = ChurnConfig.model_validate(model.config)
    horizon, share = config.target.horizon_days, config.model.top_share
    gt = pd.read_parquet(truth, columns=["customer_id", "churn_date", "churn_kind"])
    gt = gt[gt["churn_date"].notna()]
    truth_day = dict(zip(gt["customer_id"], pd.to_datetime(gt["churn_date"]).dt.date, strict=True))
    test_dates = [dt.date.fromisoformat(d) for d in model.split["test"]]
    out: dict[str, Any] = {
        "model_version": model.version,
        "horizon_days": horizon,
        "top_share": share,
        "test_dates": model.split["test"],
        "per_date": {},
    }
    with ChurnData(settings, config) as data:
        labels = data.labels()
        days = data.days
        first = data.index(test_dates[0])
        weekly = list(range(first, len(days), WEEK))
        scored_days = sorted({data.index(d) for d in test_dates} | set(weekly))
        y_all, p_all, rule_all = [], [], []
        flags: dict[str, list[dt.date]] = {}
        for t in scored_days:
            day = days[t]
            scored = score_table(data, model, booster, day, labels, reasons=False)
            table = scored.to_pandas()
            gone = {c for c, d in truth_day.items() if d <= day}
            table = table[~table["customer_id"].isin(gone)]
            end = days[min(t + horizon, len(days) - 1)]
            churn = table["customer_id"].map(truth_day)
            y = np.array([(d is not None and d == d and day < d <= end) for d in churn])
            prob = table["probability"].to_numpy()
            score = prob + 1e-9 * table["raw_score"].to_numpy()  # ties by the raw score
            flagged = top_mask(score, share)
            for c in table["customer_id"][flagged]:
                flags.setdefault(c, []).append(day)
            if day not in test_dates:
                continue
            feats = data.features(day).to_pandas().set_index("customer_id")
            month = _last_month_trades(data, day)
            f = feats.reindex(table["customer_id"])
            trades = np.array([month.get(c, 0) for c in table["customer_id"]])
            rule = (
                (f["assets_20"].to_numpy() > 0)
                & (f["out_20"].to_numpy() > 0.7 * f["assets_20"].to_numpy())
                & (trades < 1)
            )
            y_all.append(y)
            p_all.append(score)
            rule_all.append(rule)
            out["per_date"][day.isoformat()] = {
                "customers": len(y),
                "churn_in_horizon": int(y.sum()),
                "roc_auc": round(float(roc_auc_score(y, score)), 4)
                if 0 < y.sum() < len(y)
                else None,
                "precision_top": round(float(y[flagged].mean()), 4),
                "rule_fired": int(rule.sum()),
                "rule_precision": round(float(y[rule].mean()), 4) if rule.any() else None,
            }
        y, p, rule = np.concatenate(y_all), np.concatenate(p_all), np.concatenate(rule_all)
    flagged = np.concatenate([top_mask(pp, share) for pp in p_all])
    precision = float(y[flagged].mean())
    rule_precision = float(y[rule].mean()) if rule.any() else float("nan")
    # the model at the rule's own alert count: the same number of calls, ranked by the model
    same_count = np.concatenate(
        [top_mask(pp, max(rr.sum(), 1) / len(pp)) for pp, rr in zip(p_all, rule_all, strict=True)]
    )
    out["test"] = {
        "rows": len(y),
        "churn_in_horizon": int(y.sum()),
        "base_rate": round(float(y.mean()), 5),
        "roc_auc": round(float(roc_auc_score(y, p)), 4),
        "precision_top_5pct": round(precision, 4),
        "recall_top_5pct": round(float(y[flagged].sum() / max(y.sum(), 1)), 4),
        "rule_fired": int(rule.sum()),
        "rule_precision": round(rule_precision, 4),
        "rule_recall": round(float(y[rule].sum() / max(y.sum(), 1)), 4),
        "model_precision_at_rule_count": round(float(y[same_count].mean()), 4),
        # lift = the model's precision at the rule's own number of alerts over the rule's;
        # the top 5% casts a wider net (more recall), compared in precision_top_over_rule
        "lift_vs_rule": round(float(y[same_count].mean()) / rule_precision, 2)
        if rule_precision > 0
        else None,
        "precision_top_over_rule": round(precision / rule_precision, 2)
        if rule_precision > 0
        else None,
        "lift_vs_base_rate": round(precision / float(y.mean()), 2) if y.mean() > 0 else None,
    }
    out["lead_time"] = _lead_time(truth_day, flags, days, first, horizon)
    return out


def _lead_time(
    truth_day: dict[str, dt.date],
    flags: dict[str, list[dt.date]],
    days: list[dt.date],
    first: int,
    horizon: int,
) -> dict[str, Any]:
    index = {d: i for i, d in enumerate(days)}
    weeks = []
    eligible = 0
    for customer, churn_day in truth_day.items():
        i = index.get(churn_day)
        if i is None or i - horizon < first:
            continue  # before the weekly scorings could have seen the whole horizon
        eligible += 1
        window_start = days[i - horizon]
        early = [d for d in flags.get(customer, []) if window_start <= d < churn_day]
        if early:
            weeks.append((churn_day - min(early)).days / 7)
    arr = np.array(weeks)
    buckets: dict[str, int] = {}
    for w in arr:
        key = f"{int(w)}-{int(w) + 1}"
        buckets[key] = buckets.get(key, 0) + 1
    return {
        "churners_evaluated": eligible,
        "flagged_before_churn": len(weeks),
        "share_flagged": round(len(weeks) / eligible, 4) if eligible else None,
        "median_weeks": round(float(np.median(arr)), 2) if len(arr) else None,
        "quantiles_weeks": {
            q: round(float(np.quantile(arr, float(q))), 2) for q in ("0.1", "0.25", "0.75", "0.9")
        }
        if len(arr)
        else {},
        "histogram_weeks": dict(sorted(buckets.items(), key=lambda kv: int(kv[0].split("-")[0]))),
    }


def summary(figures: dict[str, Any]) -> str:
    t, lead = figures["test"], figures["lead_time"]
    return (
        f"churn v{figures['model_version']}: AUC {t['roc_auc']}, precision top 5% "
        f"{t['precision_top_5pct']} (base {t['base_rate']}), rule precision "
        f"{t['rule_precision']} -> lift {t['lift_vs_rule']}; flagged "
        f"{lead['flagged_before_churn']}/{lead['churners_evaluated']} churners, median "
        f"{lead['median_weeks']} weeks ahead"
    )


def main(argv: list[str] | None = None) -> int:
    description = __doc__.splitlines()[0] if __doc__ else None
    return evaluator_main(description, evaluate, summary, argv)


if __name__ == "__main__":
    raise SystemExit(main())

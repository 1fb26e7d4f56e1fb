"""Bench suite `churn`: the churn early-warning model on generated data, against its ceiling.

The generated days are loaded, `brokerlens churn fit` trains on the earlier as-of dates and
tests on the later ones, then the model is measured against the generator's ground truth
(`_ground_truth/customers.parquet` and `churn_propensity.parquet`, outside the date folders;
only this evaluation reads them, the pipeline never does). Three scorers on the same rows:
- the model (its calibrated probability, ties by the raw score);
- the rule alert `potential_churn` (transfers out over the last 20 trading days > a share (0.5)
  of the total assets 20 trading days ago and trades_per_month under a number (5) in the last
  full month), computed here from the churn features and customer_day with the thresholds of
  the home's alert definitions (the alert
  engine evaluates it on customer_indicators, which would need a full `brokerlens run` per
  date). As a ranking: the customers it fires for first, each group ordered by the transfer-out
  share (out_20 / assets_20), so that it has a top 1% and a ROC curve;
- the oracle: the generator's own churn propensity (ground_truth.py), the chance under the
  simulation of churning within the horizon, from the customer's true state; what the data
  allows at best (no model can see a signal the generator has not drawn yet).
Test rows: the weekly dates (the oracle's dates, every generate.churn.EVAL_EVERY = 5 trading
days) inside the model's test period (its first to its last test as-of date), every customer
the model scores there who has not churned yet; positive = the ground truth's churn_date
within the next H trading days. Figures, overall and by ground-truth churn_cause: ROC AUC, PR
AUC (average precision), precision and recall in the top 1% and 5% of each date; lead time
from the first flag (top 5% for the model and the oracle, firing for the rule) within the H
trading days before the churn to the churn, in weeks (median, 10% and 90%), over the churns at
least H trading days after the first weekly date (scored weekly to the end of the lake);
calibration of the model's probabilities on the test rows: expected calibration error over 10
equal-count bins (rows sorted by probability, cut into tenths; |mean predicted - churn rate|
weighted by the bin's share) and the mean predicted vs the realised rate per test date.
By cause: a cause's churners are the positives, the other causes' churners are left out, so
precision is not split (recall, ROC and PR AUC and lead are).
A year is enough: `brokerlens bench --suite churn --customers 50000 --days 250`.
Run as `python -m brokerlens.bench.churn --home HOME --truth FILE` it prints the figures as JSON
(FILE: the ground truth's customers.parquet; churn_propensity.parquet is read beside it, and
without it the oracle's figures are None).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sklearn.metrics import average_precision_score, roc_auc_score

from brokerlens.bench.harness import (
    BenchPlan,
    Stage,
    cli,
    evaluator_main,
    generate_stage,
    register_stage,
)
from brokerlens.bench.quality_lines import QualityLine, at_most
from brokerlens.churn.config import ChurnConfig
from brokerlens.churn.data import ChurnData
from brokerlens.churn.model import top_mask
from brokerlens.churn.service import churn_models, score_features
from brokerlens.config import load_settings

TRUTH = Path("_ground_truth") / "customers.parquet"
ORACLE = "churn_propensity.parquet"  # beside TRUTH: the generator's churn propensity
WEEK = 5  # trading days between the weekly scorings (generate.churn.EVAL_EVERY)
SCORERS = ("model", "rule", "oracle")
SHARES = (0.01, 0.05)  # the top shares of each date measured
BINS = 10  # equal-count bins of the calibration error
CHURN_CAUSES = ("underperformance", "no_service_contact", "cheaper_competitor")  # generate.churn
AREA = "churn"


def _ingest(plan: BenchPlan) -> list[str]:
    # the generator's injected bad rows can push a small feed over 1%: the bench measures churn
    return cli(plan, "ingest", str(plan.inbox_dir), "--threshold", "0.2")


def _fit(plan: BenchPlan) -> list[str]:
    return cli(plan, "churn", "fit", "--seed", str(plan.seed))


def _score(plan: BenchPlan) -> list[str]:
    return cli(plan, "churn", "score")


def _evaluate(plan: BenchPlan) -> list[str]:
    home = str(plan.workdir / "home")
    truth = str(plan.inbox_dir / TRUTH)
    return [sys.executable, "-m", "brokerlens.bench.churn", "--home", home, "--truth", truth]


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("churn fit", _fit),
    # issue 21: the last date scored with reasons (features, labels, LightGBM, TreeSHAP)
    Stage("churn score", _score, "<= 60 s at 3,000,000 customers (issue 21)"),
    Stage(
        "churn evaluate",
        _evaluate,
        "model vs rule vs oracle: ROC/PR AUC, top 1/5%, lead weeks, calibration",
    ),
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


def _oracle(truth: Path, horizon: int) -> dict[dt.date, pd.Series] | None:
    """The generator's churn propensity by as-of date (customer_id -> propensity), None when
    the ground truth has none (an output of an older generator) or has it for another horizon
    than the model's."""
    path = truth.with_name(ORACLE)
    if not path.exists():
        return None
    meta = pq.read_schema(path).metadata or {}
    if int(meta.get(b"horizon_trading_days", horizon)) != horizon:
        return None  # the oracle answers another question than the model's
    table = pd.read_parquet(path, columns=["as_of_date", "customer_id", "propensity"])
    return {
        pd.Timestamp(day).date(): pd.Series(
            part["propensity"].to_numpy(np.float64), index=part["customer_id"].to_numpy()
        )
        for day, part in table.groupby("as_of_date", sort=True)
    }


def rule_params(settings: Any) -> tuple[float, float]:
    """`potential_churn`'s thresholds as the home's alert definitions set them (issue 20
    revisited the defaults: an outflow over 0.5 of the assets, under 5 trades a month)."""
    from brokerlens.alerts.loader import load_definitions  # noqa: PLC0415

    found = [d for d in load_definitions(settings) if d.id == "potential_churn"]
    params = found[0].params if found else {}
    return params.get("min_outflow_share", 0.5), params.get("max_trades_per_month", 5)


def _rule(
    features: pd.DataFrame, month: dict[str, int], params: tuple[float, float] = (0.5, 5)
) -> tuple[np.ndarray, np.ndarray]:
    """`potential_churn` with the given thresholds (fires) and as a ranking (score: the
    firing customers first, each group by the transfer-out share)."""
    min_share, max_trades = params
    assets = features["assets_20"].to_numpy(np.float64)
    out = features["out_20"].to_numpy(np.float64)
    trades = np.array([month.get(c, 0) for c in features.index])
    fires = (assets > 0) & (out > min_share * assets) & (trades < max_trades)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.nan_to_num(np.clip(out / assets, 0, 1), nan=0.0, posinf=1.0)
    return fires, fires + 0.5 * share


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    if not 0 < y.sum() < len(y):
        return None
    return round(float(roc_auc_score(y, score)), 4)


def _ap(y: np.ndarray, score: np.ndarray) -> float | None:
    if not 0 < y.sum() < len(y):
        return None
    return round(float(average_precision_score(y, score)), 4)


def expected_calibration_error(y: np.ndarray, prob: np.ndarray, bins: int = BINS) -> float:
    """ECE over `bins` equal-count bins: rows sorted by probability and cut into equal parts,
    |mean probability - share positive| of each weighted by its share of the rows."""
    if not len(y):
        return float("nan")
    order = np.argsort(prob, kind="stable")
    total = 0.0
    for part in np.array_split(order, bins):
        if len(part):
            total += len(part) / len(y) * abs(float(prob[part].mean()) - float(y[part].mean()))
    return total


def _measures(
    ys: list[np.ndarray], scores: list[np.ndarray], causes: list[np.ndarray]
) -> dict[str, Any]:
    """ROC and PR AUC, precision and recall in the top shares of each date; by cause too."""
    y, p, cause = np.concatenate(ys), np.concatenate(scores), np.concatenate(causes)
    out: dict[str, Any] = {"roc_auc": _auc(y, p), "pr_auc": _ap(y, p)}
    tops = {}
    for share in SHARES:
        key = f"top_{round(share * 100)}pct"
        tops[key] = np.concatenate([top_mask(s, share) for s in scores])
        flagged = tops[key]
        out[f"precision_{key}"] = round(float(y[flagged].mean()), 4)
        out[f"recall_{key}"] = round(float(y[flagged].sum() / max(y.sum(), 1)), 4)
    by_cause: dict[str, Any] = {}
    for name in CHURN_CAUSES:
        mine = y & (cause == name)
        keep = ~y | mine  # the other causes' churners are left out
        entry: dict[str, Any] = {
            "churn_in_horizon": int(mine.sum()),
            "roc_auc": _auc(mine[keep], p[keep]),
            "pr_auc": _ap(mine[keep], p[keep]),
        }
        for key, flagged in tops.items():
            entry[f"recall_{key}"] = (
                round(float(flagged[mine].sum() / mine.sum()), 4) if mine.any() else None
            )
        by_cause[name] = entry
    out["by_cause"] = by_cause
    return out


def evaluate(home: Path, truth: Path) -> dict[str, Any]:
    """The bench's figures for the newest stored model of `home`; `truth` is the ground
    truth's customers.parquet (its churn_propensity.parquet is read beside it)."""
    settings = load_settings(home=home)
    models = churn_models(settings)
    model = models.read_model()
    booster = lgb.Booster(model_str=models.read_booster_text(model.version))
    config = ChurnConfig.model_validate(model.config)
    horizon, share = config.target.horizon_days, config.model.top_share
    thresholds = rule_params(settings)
    gt = pd.read_parquet(truth, columns=["customer_id", "churn_date", "churn_cause"])
    gt = gt[gt["churn_date"].notna()]
    truth_day = dict(zip(gt["customer_id"], pd.to_datetime(gt["churn_date"]).dt.date, strict=True))
    truth_cause = dict(zip(gt["customer_id"], gt["churn_cause"], strict=True))
    oracle = _oracle(truth, horizon)
    test_dates = [dt.date.fromisoformat(d) for d in model.split["test"]]
    out: dict[str, Any] = {
        "rule_thresholds": list(thresholds),
        "model_version": model.version,
        "horizon_days": horizon,
        "top_share": share,
        "model_test_dates": model.split["test"],
        "oracle": oracle is not None,
        "per_date": {},
    }
    ys: list[np.ndarray] = []
    causes: list[np.ndarray] = []
    probs: list[np.ndarray] = []
    scores: dict[str, list[np.ndarray]] = {name: [] for name in SCORERS}
    fired: list[np.ndarray] = []
    flags: dict[str, dict[str, list[dt.date]]] = {name: {} for name in SCORERS}
    with ChurnData(settings, config) as data:
        labels = data.labels()
        days = data.days
        first, last = data.index(test_dates[0]), data.index(test_dates[-1])
        if oracle is not None:
            weekly = [t for t in range(first, len(days)) if days[t] in oracle]
        else:
            weekly = list(range(first, len(days), WEEK))
        test = [t for t in weekly if t <= last]
        for t in weekly:
            day = days[t]
            feats = data.features(day)
            table = score_features(feats, labels, t, model, booster, day, reasons=False)
            frame = table.select(["customer_id", "probability", "raw_score"]).to_pandas()
            churned = frame["customer_id"].map(truth_day)
            gone = np.array([d is not None and d == d and d <= day for d in churned])
            frame = frame[~gone]
            ids = frame["customer_id"]
            prob = frame["probability"].to_numpy(np.float64)
            f = feats.to_pandas().set_index("customer_id").reindex(ids)
            rule_fires, rule_score = _rule(f, _last_month_trades(data, day), thresholds)
            today: dict[str, np.ndarray | None] = {
                "model": prob + 1e-9 * frame["raw_score"].to_numpy(np.float64),
                "rule": rule_score,
                "oracle": oracle[day].reindex(ids).fillna(0.0).to_numpy()
                if oracle is not None
                else None,
            }
            for name, score in today.items():
                if score is None:
                    continue
                flagged = rule_fires if name == "rule" else top_mask(score, share)
                for c in ids[flagged]:
                    flags[name].setdefault(c, []).append(day)
            if t not in test:
                continue
            end = days[min(t + horizon, len(days) - 1)]
            churn = [truth_day.get(c) for c in ids]
            y = np.array([d is not None and day < d <= end for d in churn])
            cause = np.array(
                [truth_cause.get(c) if hit else "" for c, hit in zip(ids, y, strict=True)]
            )
            ys.append(y)
            causes.append(cause)
            probs.append(prob)
            fired.append(rule_fires)
            for name, score in today.items():
                if score is not None:
                    scores[name].append(score)
            out["per_date"][day.isoformat()] = {
                "customers": len(y),
                "churn_in_horizon": int(y.sum()),
                "realised_rate": round(float(y.mean()), 5),
                "mean_probability": round(float(prob.mean()), 5),
                "oracle_mean": round(float(today["oracle"].mean()), 5)
                if today["oracle"] is not None
                else None,
                "roc_auc": _auc(y, today["model"]),  # type: ignore[arg-type]
                "rule_fired": int(rule_fires.sum()),
            }
    y, rule = np.concatenate(ys), np.concatenate(fired)
    prob = np.concatenate(probs)
    out["test"] = {
        "dates": [days[t].isoformat() for t in test],
        "rows": len(y),
        "churn_in_horizon": int(y.sum()),
        "base_rate": round(float(y.mean()), 5),
        "mean_probability": round(float(prob.mean()), 5),
        "oracle_mean": round(float(np.concatenate(scores["oracle"]).mean()), 5)
        if scores["oracle"]
        else None,
        "rule_fired": int(rule.sum()),
        "rule_precision": round(float(y[rule].mean()), 4) if rule.any() else None,
        "rule_recall": round(float(y[rule].sum() / max(y.sum(), 1)), 4),
    }
    # the model at the rule's own alert count: the same number of calls, ranked by the model
    same_count = np.concatenate(
        [top_mask(s, max(r.sum(), 1) / len(s)) for s, r in zip(scores["model"], fired, strict=True)]
    )
    rule_precision = out["test"]["rule_precision"]
    out["test"]["model_precision_at_rule_count"] = round(float(y[same_count].mean()), 4)
    out["test"]["lift_vs_rule"] = (
        round(float(y[same_count].mean()) / rule_precision, 2) if rule_precision else None
    )
    out["scorers"] = {
        name: _measures(ys, scores[name], causes) if scores[name] else None for name in SCORERS
    }
    out["calibration"] = {
        "bins": f"{BINS} equal-count",
        "ece_model": round(expected_calibration_error(y, prob), 5),
        "ece_oracle": round(expected_calibration_error(y, np.concatenate(scores["oracle"])), 5)
        if scores["oracle"]
        else None,
    }
    out["lead_time"] = {
        name: _lead_time(truth_day, truth_cause, flags[name], days, first, horizon)
        if flags[name] or name != "oracle" or oracle is not None
        else None
        for name in SCORERS
    }
    return out


def _lead_time(
    truth_day: dict[str, dt.date],
    truth_cause: dict[str, str],
    flags: dict[str, list[dt.date]],
    days: list[dt.date],
    first: int,
    horizon: int,
) -> dict[str, Any]:
    """Weeks from the first flag within the H trading days before each churn to the churn,
    over the churns whose whole window the weekly scorings saw; overall and by cause."""
    index = {d: i for i, d in enumerate(days)}
    weeks: dict[str, list[float]] = {name: [] for name in ("all", *CHURN_CAUSES)}
    eligible = dict.fromkeys(weeks, 0)
    for customer, churn_day in truth_day.items():
        i = index.get(churn_day)
        if i is None or i - horizon < first:
            continue  # before the weekly scorings could have seen the whole horizon
        groups = ("all", truth_cause.get(customer) or "")
        window_start = days[i - horizon]
        early = [d for d in flags.get(customer, []) if window_start <= d < churn_day]
        for g in groups:
            if g in eligible:
                eligible[g] += 1
                if early:
                    weeks[g].append((churn_day - min(early)).days / 7)
    out = _lead_figures(weeks["all"], eligible["all"])
    out["by_cause"] = {c: _lead_figures(weeks[c], eligible[c]) for c in CHURN_CAUSES}
    return out


def _lead_figures(weeks: list[float], eligible: int) -> dict[str, Any]:
    arr = np.array(weeks)
    quantile = {
        q: round(float(np.quantile(arr, q)), 2) if len(arr) else None for q in (0.1, 0.5, 0.9)
    }
    return {
        "churners_evaluated": eligible,
        "flagged_before_churn": len(weeks),
        "share_flagged": round(len(weeks) / eligible, 4) if eligible else None,
        "median_weeks": quantile[0.5],
        "p10_weeks": quantile[0.1],
        "p90_weeks": quantile[0.9],
    }


def summary(figures: dict[str, Any]) -> str:
    t, sc, lead = figures["test"], figures["scorers"], figures["lead_time"]

    def one(name: str) -> str:
        m, lt = sc.get(name), lead.get(name)
        if not m:
            return f"{name} -"
        return (
            f"{name} ROC {m['roc_auc']} PR {m['pr_auc']} P@5% {m['precision_top_5pct']} "
            f"lead {lt['median_weeks'] if lt else None} wk"
        )

    return (
        f"churn v{figures['model_version']} on {len(t['dates'])} dates (base {t['base_rate']}): "
        + "; ".join(one(name) for name in SCORERS)
        + f"; ECE {figures['calibration']['ece_model']}"
    )


def _line(
    measure: str, figures: dict[str, Any], pick: Any, target: str = "", met: Any = None
) -> QualityLine:
    values = [pick(name) for name in SCORERS]
    model, rule, oracle = values
    return QualityLine(
        AREA, measure, model, rule, oracle, target, met(model, oracle) if met else None
    )


def quality_lines(figures: dict[str, Any]) -> list[QualityLine]:
    """The churn lines of the model-quality table: value = the model, baseline = the
    `potential_churn` rule, oracle = the generator's propensity; issue 20's targets."""
    sc, lead = figures["scorers"], figures["lead_time"]

    def measure(key: str, cause: str | None = None) -> Any:
        def pick(name: str) -> float | None:
            m = sc.get(name)
            if not m:
                return None
            return m[key] if cause is None else m["by_cause"][cause][key]

        return pick

    def lead_of(key: str, cause: str | None = None) -> Any:
        def pick(name: str) -> float | None:
            lt = lead.get(name)
            if not lt:
                return None
            return lt[key] if cause is None else lt["by_cause"][cause][key]

        return pick

    def near_auc(model: float | None, oracle: float | None) -> bool | None:
        return None if model is None or oracle is None else model >= oracle - 0.03

    def pr_share(model: float | None, oracle: float | None) -> bool | None:
        return None if model is None or oracle is None else model >= 0.7 * oracle

    def lead_near(model: float | None, oracle: float | None) -> bool | None:
        return None if model is None or oracle is None else abs(model - oracle) <= 1.0

    lines = [
        _line("ROC AUC", figures, measure("roc_auc"), ">= oracle - 0.03", near_auc),
        _line("PR AUC", figures, measure("pr_auc"), ">= 0.7 x oracle", pr_share),
    ]
    for key in ("1", "5"):
        lines.append(_line(f"precision top {key}%", figures, measure(f"precision_top_{key}pct")))
        lines.append(_line(f"recall top {key}%", figures, measure(f"recall_top_{key}pct")))
    lines += [
        _line(
            "lead weeks, median", figures, lead_of("median_weeks"), "within 1 week of oracle",
            lead_near,
        ),
        _line("lead weeks, 10%", figures, lead_of("p10_weeks")),
        _line("lead weeks, 90%", figures, lead_of("p90_weeks")),
        _line("churners flagged before churn", figures, lead_of("share_flagged")),
    ]  # fmt: skip
    for cause in CHURN_CAUSES:
        lines.append(_line(f"ROC AUC, {cause}", figures, measure("roc_auc", cause)))
        lines.append(_line(f"PR AUC, {cause}", figures, measure("pr_auc", cause)))
        lines.append(_line(f"lead weeks median, {cause}", figures, lead_of("median_weeks", cause)))
    cal = figures["calibration"]
    lines.append(
        QualityLine(
            AREA,
            f"calibration error (ECE, {cal['bins']} bins)",
            cal["ece_model"],
            None,
            cal["ece_oracle"],
            "<= 0.02",
            at_most(cal["ece_model"], 0.02),
        )
    )
    t = figures["test"]
    # one measure name on every seed, so that the table puts the seeds side by side
    lines.append(QualityLine(AREA, "realised churn rate (test rows)", t["base_rate"]))
    lines.append(
        QualityLine(AREA, "mean probability", t["mean_probability"], None, t.get("oracle_mean"))
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    description = __doc__.splitlines()[0] if __doc__ else None
    return evaluator_main(description, evaluate, summary, argv)


if __name__ == "__main__":
    raise SystemExit(main())

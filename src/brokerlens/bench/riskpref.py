"""Bench suite `riskpref`: the behavioural risk preference model on generated data.

The generated days are loaded, the last two complete quarters inside them are fitted
(`brokerlens riskpref fit`), then the stored levels are measured against the generator's
ground truth (`_ground_truth/customers.parquet`, outside the date folders; only this
evaluation reads it, the pipeline never does):
- stability between the two quarters: adjusted Rand index of the cluster assignments, and the
  share of customers keeping their level;
- agreement of each quarter's clusters with the true archetypes (adjusted Rand index), over
  everyone scored and over the fit sample;
- Spearman rank correlation of the levels (最高 .. 最低 reversed) with the true risk appetite.
Two quarters need about 130+ trading days from a quarter start, e.g.
`brokerlens bench --suite riskpref --customers 20000 --days 130 --start 2025-01-02`.
The figures are the evaluation stage's last line (and its log); run as
`python -m brokerlens.bench.riskpref --home HOME --truth FILE` it prints them as JSON.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brokerlens.bench.harness import (
    BenchPlan,
    Stage,
    StageCommand,
    cli,
    evaluator_main,
    generate_stage,
    register_stage,
)
from brokerlens.bench.quality_lines import QualityLine, at_least, at_most
from brokerlens.config import load_settings
from brokerlens.market.calendar import calendar_bounds, trading_days
from brokerlens.riskpref.quarter import Quarter
from brokerlens.riskpref.service import riskpref_models

TRUTH = Path("_ground_truth") / "customers.parquet"


def bench_quarters(plan: BenchPlan) -> list[str]:
    """The last two quarters whose first and last trading days are among the generated days."""
    days = trading_days(plan.start, calendar_bounds()[1])[: plan.days]
    if not days:
        return []
    loaded = set(days)
    found = []
    q = Quarter.of(days[0])
    while q.start <= days[-1]:
        inside = trading_days(q.start, q.end)
        if inside and inside[0] in loaded and inside[-1] in loaded:
            found.append(str(q))
        q = Quarter(q.year + q.number // 4, q.number % 4 + 1)
    return found[-2:]


def _fit(index: int) -> StageCommand:
    def command(plan: BenchPlan) -> list[str]:
        quarters = bench_quarters(plan)
        if len(quarters) < 2:
            message = (
                "the riskpref bench needs two complete quarters: generate about 130+ trading "
                "days from a quarter's start (e.g. --days 130 --start 2025-01-02)"
            )
            return [sys.executable, "-c", "import sys; sys.exit(sys.argv[1])", message]
        return cli(plan, "riskpref", "fit", "--quarter", quarters[index], "--seed", str(plan.seed))

    return command


def _evaluate(plan: BenchPlan) -> list[str]:
    home = str(plan.workdir / "home")
    truth = str(plan.inbox_dir / TRUTH)
    return [sys.executable, "-m", "brokerlens.bench.riskpref", "--home", home, "--truth", truth]


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("riskpref fit (first quarter)", _fit(0)),
    Stage("riskpref fit (second quarter)", _fit(1)),
    Stage("riskpref evaluate", _evaluate, "kappa >= 0.7, level ARI >= 0.8, mismatch P/R"),
):
    register_stage("riskpref", stage)


MIN_GAP = 2  # risk_mismatch's default: behaviour at least this many levels above the class


def _assessed(home: Path, as_of: str) -> pd.DataFrame:
    """Each customer's assessed class rank (C1..C5 -> 1..5) valid on `as_of`, as suitability
    reads it (latest by assess_date as delivered by then, still valid). The lowest category's
    triggers are not applied: it sits in C1 anyway for nearly everyone it touches."""
    from brokerlens.warehouse import run_query  # noqa: PLC0415  (heavy: loaded when first used)

    day = dt.date.fromisoformat(as_of)
    result = run_query(
        load_settings(home=home),
        "SELECT customer_id, risk_class FROM (SELECT customer_id, risk_class, expire_date, "
        "row_number() OVER (PARTITION BY customer_id ORDER BY assess_date DESC, "
        "assessment_id DESC) AS n FROM risk_assessments_history "
        f"WHERE valid_from <= DATE '{day}' AND (valid_to IS NULL OR valid_to > DATE '{day}') "
        f"AND assess_date <= DATE '{day}') AS r WHERE n = 1 AND expire_date >= DATE '{day}'",
        limit=None,
    )
    frame = pd.DataFrame(result.rows, columns=result.columns)
    frame["class_rank"] = frame["risk_class"].str[1].astype(int)
    return frame[["customer_id", "class_rank"]]


def _agreement(rank: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Quadratic-weighted kappa, exact agreement and within one level of ranks 1..5."""
    from sklearn.metrics import cohen_kappa_score  # noqa: PLC0415  (heavy: loaded when first used)

    return {
        "kappa": round(float(cohen_kappa_score(rank, truth, weights="quadratic")), 4),
        "exact": round(float(np.mean(rank == truth)), 4),
        "within_one": round(float(np.mean(abs(rank - truth) <= 1)), 4),
    }


def _mismatch(rank: pd.Series, klass: pd.Series, truth: pd.Series) -> dict[str, float | int]:
    """risk_mismatch (behaviour rank - class rank >= MIN_GAP) against the truth's gap."""
    flagged = (rank - klass) >= MIN_GAP
    actual = (truth - klass) >= MIN_GAP
    hits = int((flagged & actual).sum())
    return {
        "flagged": int(flagged.sum()),
        "flagged_share": round(float(flagged.mean()), 4),
        "actual": int(actual.sum()),
        "precision": round(hits / int(flagged.sum()), 4) if flagged.any() else float("nan"),
        "recall": round(hits / int(actual.sum()), 4) if actual.any() else float("nan"),
    }


def evaluate(home: Path, truth: Path) -> dict[str, Any]:
    """The figures of the bench over the last two stored quarters of `home`: the levels of the
    absolute scale against the true appetite, beside two baselines on the same customers (seed
    002's cluster levels, and the assessed class itself), stability, and risk_mismatch."""
    from scipy.stats import spearmanr  # noqa: PLC0415  (heavy: loaded when first used)
    from sklearn.metrics import adjusted_rand_score  # noqa: PLC0415  (heavy: loaded when first used)

    models = riskpref_models(load_settings(home=home))
    quarters = models.quarters()[-2:]
    gt = pd.read_parquet(truth, columns=["customer_id", "archetype", "true_risk_appetite"])
    out: dict[str, Any] = {"quarters": [str(q) for q in quarters], "per_quarter": {}}
    frames = []
    for q in quarters:
        model = models.read_model(q)
        lv = models.read_levels(q).to_pandas().merge(gt, on="customer_id", how="inner")
        frames.append(lv)
        truth_rank = lv["true_risk_appetite"]
        rank = 6 - lv["score"]
        fit = lv[lv["in_fit"]]
        rho = spearmanr(rank, truth_rank).statistic
        assessed = lv.merge(_assessed(home, model.as_of), on="customer_id", how="inner")
        figures: dict[str, Any] = {
            "version": model.version,
            "k": model.product.k,
            "components": len(model.product.components),
            "scored": len(lv),
            "fit_sample": model.fit_sample,
            "level_shares": {
                level: round(float(np.mean(lv["level"] == level)), 4)
                for level in ("最高", "较高", "中等", "较低", "最低")
            },
            "levels": _agreement(rank, truth_rank),
            "crosstab": pd.crosstab(truth_rank, rank).to_dict(),
            "archetype_ari": round(float(adjusted_rand_score(lv["archetype"], lv["cluster"])), 4),
            "archetype_ari_fit": round(
                float(adjusted_rand_score(fit["archetype"], fit["cluster"])), 4
            ),
            "spearman_appetite": round(float(rho), 4),
            "assessed": len(assessed),
            "mismatch": _mismatch(
                6 - assessed["score"], assessed["class_rank"], assessed["true_risk_appetite"]
            ),
            "k_scores": {s.k: s.silhouette for s in model.product.k_scores},
        }
        if "cluster_adjusted" in lv:  # the baseline: seed 002's levels from the clusters
            base = 6 - lv["cluster_adjusted"]
            figures["baseline_clusters"] = _agreement(base, truth_rank)
            figures["baseline_clusters_mismatch"] = _mismatch(
                6 - assessed["cluster_adjusted"],
                assessed["class_rank"],
                assessed["true_risk_appetite"],
            )
        figures["baseline_assessed"] = _agreement(
            assessed["class_rank"], assessed["true_risk_appetite"]
        )
        out["per_quarter"][str(q)] = figures
    if len(frames) == 2:
        both = frames[0].merge(frames[1], on="customer_id", suffixes=("_a", "_b"))
        # the generator's appetite never changes: every customer counts as unchanged
        same = both[both["true_risk_appetite_a"] == both["true_risk_appetite_b"]]
        out["stability"] = {
            "customers": len(same),
            "level_ari": round(float(adjusted_rand_score(same["score_a"], same["score_b"])), 4),
            "cluster_ari": round(
                float(adjusted_rand_score(same["cluster_a"], same["cluster_b"])), 4
            ),
            "same_level": round(float(np.mean(same["level_a"] == same["level_b"])), 4),
            "level_within_one": round(
                float(np.mean(abs(same["score_a"] - same["score_b"]) <= 1)), 4
            ),
        }
        if "cluster_adjusted_a" in same:
            out["stability"]["baseline_clusters_level_ari"] = round(
                float(adjusted_rand_score(same["cluster_adjusted_a"], same["cluster_adjusted_b"])),
                4,
            )
    return out


def quality_lines(figures: dict[str, Any]) -> list[QualityLine]:
    """The riskpref lines of the model-quality table: the newest quarter's agreement and
    risk_mismatch, and stability between the two quarters."""
    if not figures["quarters"]:
        return []
    last = figures["per_quarter"][figures["quarters"][-1]]
    lv, base = last["levels"], last.get("baseline_clusters", {})
    mm, base_mm = last["mismatch"], last.get("baseline_clusters_mismatch", {})
    stab = figures.get("stability", {})
    area = "riskpref"
    allowed = max(0.1, mm["actual"] / max(last["assessed"], 1))  # the truth's own share
    return [
        QualityLine(area, "quadratic kappa, level vs true appetite", lv["kappa"],
                    base.get("kappa"), None, ">= 0.7", at_least(lv["kappa"], 0.7)),
        QualityLine(area, "exact agreement", lv["exact"], base.get("exact"), None, ">= 0.5",
                    at_least(lv["exact"], 0.5)),
        QualityLine(area, "within one level", lv["within_one"], base.get("within_one"), None,
                    ">= 0.9", at_least(lv["within_one"], 0.9)),
        QualityLine(area, "quarter-to-quarter level ARI", stab.get("level_ari"),
                    stab.get("baseline_clusters_level_ari"), None, ">= 0.8",
                    at_least(stab.get("level_ari"), 0.8)),
        QualityLine(area, "risk_mismatch precision", mm["precision"], base_mm.get("precision"),
                    None, ">= 0.8", at_least(mm["precision"], 0.8)),
        QualityLine(area, "risk_mismatch recall", mm["recall"], base_mm.get("recall"), None,
                    ">= 0.6", at_least(mm["recall"], 0.6)),
        QualityLine(area, "risk_mismatch share of the assessed", mm["flagged_share"],
                    base_mm.get("flagged_share"), None, "< 0.1 unless the truth says more",
                    at_most(mm["flagged_share"], allowed)),
        QualityLine(area, "largest level's share", max(last["level_shares"].values()), None,
                    None, "not concentrated in one", None),
    ]  # fmt: skip


def summary(figures: dict[str, Any]) -> str:
    last = figures["per_quarter"][figures["quarters"][-1]] if figures["quarters"] else {}
    stab = figures.get("stability", {})
    levels, mm = last.get("levels", {}), last.get("mismatch", {})
    return (
        f"riskpref {'/'.join(figures['quarters'])}: kappa {levels.get('kappa')} exact "
        f"{levels.get('exact')} within one {levels.get('within_one')}; level ARI "
        f"{stab.get('level_ari')}; risk_mismatch precision {mm.get('precision')} recall "
        f"{mm.get('recall')} ({mm.get('flagged_share')} flagged); Spearman "
        f"{last.get('spearman_appetite')}"
    )


def main(argv: list[str] | None = None) -> int:
    description = __doc__.splitlines()[0] if __doc__ else None
    return evaluator_main(description, evaluate, summary, argv)


if __name__ == "__main__":
    raise SystemExit(main())

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
    Stage("riskpref evaluate", _evaluate, "stability, archetype ARI, Spearman vs appetite"),
):
    register_stage("riskpref", stage)


def evaluate(home: Path, truth: Path) -> dict[str, Any]:
    """The figures of the bench over the last two stored quarters of `home`."""
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
        fit = lv[lv["in_fit"]]
        rho = spearmanr(6 - lv["score"], lv["true_risk_appetite"]).statistic
        rho_fit = spearmanr(6 - fit["score"], fit["true_risk_appetite"]).statistic
        out["per_quarter"][str(q)] = {
            "version": model.version,
            "k": model.product.k,
            "components": len(model.product.components),
            "scored": len(lv),
            "fit_sample": model.fit_sample,
            "archetype_ari": round(float(adjusted_rand_score(lv["archetype"], lv["cluster"])), 4),
            "archetype_ari_fit": round(
                float(adjusted_rand_score(fit["archetype"], fit["cluster"])), 4
            ),
            "spearman_appetite": round(float(rho), 4),
            "spearman_appetite_fit": round(float(rho_fit), 4),
            "k_scores": {s.k: s.silhouette for s in model.product.k_scores},
        }
    if len(frames) == 2:
        both = frames[0].merge(frames[1], on="customer_id", suffixes=("_a", "_b"))
        out["stability"] = {
            "customers": len(both),
            "cluster_ari": round(
                float(adjusted_rand_score(both["cluster_a"], both["cluster_b"])), 4
            ),
            "same_level": round(float(np.mean(both["level_a"] == both["level_b"])), 4),
            "level_within_one": round(
                float(np.mean(abs(both["score_a"] - both["score_b"]) <= 1)), 4
            ),
        }
    return out


def summary(figures: dict[str, Any]) -> str:
    last = figures["per_quarter"][figures["quarters"][-1]] if figures["quarters"] else {}
    stab = figures.get("stability", {})
    return (
        f"riskpref {'/'.join(figures['quarters'])}: stability ARI {stab.get('cluster_ari')} "
        f"same level {stab.get('same_level')}; archetype ARI {last.get('archetype_ari')} "
        f"(fit {last.get('archetype_ari_fit')}); Spearman {last.get('spearman_appetite')}; "
        f"k {last.get('k')}"
    )


def main(argv: list[str] | None = None) -> int:
    description = __doc__.splitlines()[0] if __doc__ else None
    return evaluator_main(description, evaluate, summary, argv)


if __name__ == "__main__":
    raise SystemExit(main())

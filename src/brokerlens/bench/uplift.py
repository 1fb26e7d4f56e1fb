"""Bench suite `uplift`: a campaign's uplift measured the way a brokerage would, against the
generator's truth (issue 17).

The brokerage is generated and only the dates up to T (the last `WINDOW` dates held back) are
loaded, run and published. Head office then launches a campaign over the target customers of
the product with the most of them (goal: buying it; window: the held-back dates), the seeded
split keeps a holdout, and the treatment group goes back to the generator as its actions file
(`generate --actions`: the campaign reached them). The same brokerage is generated again with
it (every date before the window byte-identical), the window's dates are loaded, run and
published, and the campaign's report (treatment rate - holdout rate, with its 95% interval) is
put beside the oracle's uplift: the mean over the treatment group of the truth's
p_product_with - p_product_without (`_ground_truth/effects.parquet`, docs/generator-effects.md).

`python -m brokerlens.bench.uplift STEP --workdir W` runs one of the steps the stages call.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from brokerlens.access import served_snapshot
from brokerlens.access.campaigns import (
    CampaignInput,
    campaign_report,
    create_campaign,
    launch_campaign,
)
from brokerlens.auth import get_user, principal_of
from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage
from brokerlens.bench.serve_probe import BENCH_USER, ensure_bench_user
from brokerlens.config import load_settings
from brokerlens.console import console
from brokerlens.store import open_store
from brokerlens.store.marketing_schema import campaign_members
from brokerlens.warehouse.served import kept_file, parquet_source

WINDOW = 10  # trading days held back: the campaign's window (the generator's BUY_DAYS)
STATE = "uplift.json"


def _dates(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.iterdir() if p.is_dir() and p.name[:2] == "20")


def hold_back(workdir: Path) -> None:
    """Move the last WINDOW date folders of the inbox aside (loaded after the campaign)."""
    held = workdir / "held"
    held.mkdir(exist_ok=True)
    dates = _dates(workdir / "inbox")
    for folder in dates[-WINDOW:]:
        folder.rename(held / folder.name)
    window = [d.name for d in _dates(held)]
    state = {"as_of": dates[-WINDOW - 1].name, "window": window}
    (workdir / STATE).write_text(json.dumps(state), encoding="utf-8")


def launch(workdir: Path) -> None:
    """Head office's campaign over the biggest product target list; the actions file."""
    home = workdir / "home"
    state = json.loads((workdir / STATE).read_text(encoding="utf-8"))
    settings = load_settings(home=home)
    db = open_store(settings)
    ensure_bench_user(home)
    principal = principal_of(get_user(db, BENCH_USER))
    snapshot = served_snapshot(db)
    targets = kept_file(settings, "targets", snapshot.as_of_date)
    if targets is None:
        raise SystemExit("no product target lists as of the served date: run first")
    found = (
        duckdb.connect()
        .execute(
            f"SELECT product_id, count(*) AS n FROM {parquet_source(targets)} "
            "GROUP BY product_id ORDER BY n DESC, product_id LIMIT 1"
        )
        .fetchone()
    )
    assert found is not None
    product = str(found[0])
    start, end = (dt.date.fromisoformat(d) for d in (state["window"][0], state["window"][-1]))
    campaign = create_campaign(
        db,
        settings,
        principal,
        CampaignInput(
            name=f"bench uplift: {product}",
            goal="product_purchase",
            window_start=start,
            window_end=end,
            product_id=product,
            channel="sms",
            seed=17,
        ),
    )
    launched = launch_campaign(db, settings, principal, campaign.campaign_id)
    with db.connect() as connection:
        treated = connection.execute(
            campaign_members.select()
            .with_only_columns(campaign_members.c.customer_id)
            .where(
                campaign_members.c.campaign_id == launched.campaign_id,
                campaign_members.c.grp == "treatment",
            )
            .order_by(campaign_members.c.customer_id)
        ).scalars()
        with (workdir / "actions.csv").open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["customer_id", "date", "action", "product_id"])
            for customer_id in treated:
                writer.writerow([customer_id, start.isoformat(), "campaign", product])
    state.update(
        campaign_id=launched.campaign_id,
        product_id=product,
        treatment=launched.treatment,
        holdout=launched.holdout,
    )
    (workdir / STATE).write_text(json.dumps(state), encoding="utf-8")
    console.print(
        f"campaign {launched.campaign_id} on {product}: {launched.treatment:,} treated, "
        f"{launched.holdout:,} held out",
        markup=False,
    )


def keep_window(workdir: Path) -> None:
    """The regenerated inbox's window dates only (earlier ones are byte-identical, loaded)."""
    state = json.loads((workdir / STATE).read_text(encoding="utf-8"))
    for folder in _dates(workdir / "again"):
        if folder.name not in state["window"]:
            shutil.rmtree(folder)


def evaluate(workdir: Path) -> None:
    home = workdir / "home"
    state = json.loads((workdir / STATE).read_text(encoding="utf-8"))
    settings = load_settings(home=home)
    db = open_store(settings)
    principal = principal_of(get_user(db, BENCH_USER))
    report = campaign_report(db, settings, principal, int(state["campaign_id"]))
    effects = pq.read_table(workdir / "again" / "_ground_truth" / "effects.parquet").to_pylist()
    pushed = [
        e["p_product_with"] - e["p_product_without"]
        for e in effects
        if e["source"] == "actions" and e["applied"] and e["p_product_with"] is not None
    ]
    total = report.total
    figures = {
        **state,
        "treatment_members": total.t_members,
        "treatment_converted": total.t_converted,
        "holdout_members": total.h_members,
        "holdout_converted": total.h_converted,
        "treatment_rate": total.effect.treatment_rate,
        "holdout_rate": total.effect.holdout_rate,
        "measured_uplift": total.effect.uplift,
        "ci95": [total.effect.low, total.effect.high],
        "oracle_uplift": sum(pushed) / len(pushed) if pushed else None,
        "oracle_rows": len(pushed),
    }
    (workdir / "uplift-report.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    console.print(json.dumps(figures, ensure_ascii=False, indent=1), markup=False)

    def pts(x: float | None) -> str:
        return "n/a" if x is None else f"{x * 100:.2f}"

    console.print(
        f"uplift {pts(total.effect.uplift)} pts (95% CI {pts(total.effect.low)} to "
        f"{pts(total.effect.high)}), oracle {pts(figures['oracle_uplift'])} pts; "
        f"holdout rate {pts(total.effect.holdout_rate)}%",
        markup=False,
    )


STEPS: dict[str, Callable[[Path], None]] = {
    "hold-back": hold_back,
    "launch": launch,
    "keep-window": keep_window,
    "evaluate": evaluate,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.uplift")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args(argv)
    STEPS[args.step](args.workdir)
    return 0


def _step(name: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        return [
            sys.executable,
            "-m",
            "brokerlens.bench.uplift",
            name,
            "--workdir",
            str(plan.workdir),
        ]

    return command


def _regenerate(plan: BenchPlan) -> list[str]:
    return cli(
        plan,
        "generate",
        "--out", str(plan.workdir / "again"),
        "--customers", str(plan.customers),
        "--start", plan.start.isoformat(),
        "--days", str(plan.days),
        "--seed", str(plan.seed),
        "--format", plan.fmt,
        "--actions", str(plan.workdir / "actions.csv"),
    )  # fmt: skip


def _ingest(folder: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        return cli(plan, "ingest", str(plan.workdir / folder))

    return command


for stage in (
    generate_stage,
    Stage("hold back the window", _step("hold-back")),
    Stage("ingest up to T", _ingest("inbox"), ok_exit_codes=(0, 1)),
    Stage("run and publish T", lambda plan: cli(plan, "run")),
    Stage("campaign launch", _step("launch")),
    Stage("generate again with the actions", _regenerate),
    Stage("keep the window's dates", _step("keep-window")),
    Stage("ingest the window", _ingest("again"), ok_exit_codes=(0, 1)),
    Stage("run and publish the window's end", lambda plan: cli(plan, "run")),
    Stage("uplift against the oracle", _step("evaluate"), "measured vs oracle uplift"),
):
    register_stage("uplift", stage)


if __name__ == "__main__":
    raise SystemExit(main())

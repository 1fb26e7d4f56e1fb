"""`brokerlens generate`: a synthetic brokerage delivering the feed contract day by day.

Layout of an output folder:
- `<out>/<YYYY-MM-DD>/<feed>.csv|parquet` and `_manifest.json` per SSE trading day. The first date
  holds full snapshots of all nine reference feeds; later dates hold only new or changed
  reference rows. daily_assets, positions, quotes, index_quotes and product_nav come every day;
  other fact feeds only on days with rows (corporate_actions on ex-dates; a complaint when it
  opens and again on each status change, with the same complaint_id). The first date also
  holds `product_nav_backfill`: each product's NAV since launch, at most five years back
  (products.py; the backfill feed of contract/feeds.py).
- `<out>/_ground_truth/customers.parquet`, `bad_rows.parquet`, `product_propensity.parquet`
  (the oracle of purchases, ground_truth.py), `churn_propensity.parquet` (the oracle of churn)
  and `effects.parquet` (what contacts and the
  `--actions` file did, effects.py; docs/generator-effects.md): never part of a delivery.
  With `--actions`, every date before the first action is identical to a run without it.
- `<out>/_generator.json`: the options of the run (marks the folder as generator output); `end`
  is the last date written, `generated_end` the last date of the first run once continued.
- `<out>/_generator_state/simulation.pkl`: the simulation's state after the last date
  (checkpoint.py), read by `brokerlens generate --continue` (continuation.py) to write the next
  business dates as the same run would have gone on; never a feed.

Conventions: empty field = null; money in yuan with 2 decimals, prices with 4; positions are
valued at the day's close; daily_assets stock_value = stock positions, fund_value = etf, lof,
closed_fund, bond_value = bond, convertible, repo, other_value = warrants, product_value = OTC
product holdings at NAV. available_cash = cash less IPO subscriptions awaiting allotment.
"""

from __future__ import annotations

import json
import time

from brokerlens.console import progress_over
from brokerlens.generate import checkpoint, ground_truth
from brokerlens.generate.continuation import ContinueOptions, continue_generation
from brokerlens.generate.deliver import Delivery, GenerateSummary
from brokerlens.generate.options import MARKER, GenerateOptions
from brokerlens.generate.simulate import Simulation

__all__ = [
    "ContinueOptions",
    "GenerateOptions",
    "GenerateSummary",
    "continue_generation",
    "generate",
]


def generate(options: GenerateOptions) -> GenerateSummary:
    """Generate the brokerage into options.out; see GenerateOptions for the parameters."""
    began = time.perf_counter()
    days = options.trading_days()
    actions = options.load_actions(days, options.customers)
    options.prepare_out()
    encoding = options.encoding.lower()
    sim = Simulation(options.customers, days, options.seed, actions)
    summary = GenerateSummary(
        out=str(options.out), dates=len(days), actions=len(actions) if actions else 0
    )
    delivery = Delivery(
        options.out,
        options.format,
        encoding,
        options.bad_rows,
        options.seed,
        summary,
        ground_truth.new_sink(options.out),
    )
    for day in progress_over(sim.run(), len(days), "generating"):
        delivery.write(day)
    delivery.close()
    ground_truth.write_customers(sim, options.out)
    ground_truth.write_org_events(sim, options.out)
    ground_truth.write_bad_rows(delivery.bad, options.out)
    checkpoint.save(sim, options.out)
    (options.out / MARKER).write_text(
        json.dumps(
            {
                "generator": "brokerlens generate",
                "customers": options.customers,
                "start": days[0].isoformat(),
                "end": days[-1].isoformat(),
                "seed": options.seed,
                "bad_rows": options.bad_rows,
                "format": options.format,
                "encoding": encoding,
                "actions": None
                if actions is None
                else {"file": str(options.actions), "rows": len(actions), "sha256": actions.digest},
            },
            indent=2,
        )
    )
    summary.seconds = round(time.perf_counter() - began, 2)
    return summary

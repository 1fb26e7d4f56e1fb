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
- `<out>/_generator.json`: the options of the run (marks the folder as generator output).

Conventions: empty field = null; money in yuan with 2 decimals, prices with 4; positions are
valued at the day's close; daily_assets stock_value = stock positions, fund_value = etf, lof,
closed_fund, bond_value = bond, convertible, repo, other_value = warrants, product_value = OTC
product holdings at NAV. available_cash = cash less IPO subscriptions awaiting allotment.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import pyarrow as pa

from brokerlens.console import progress_over
from brokerlens.contract.feeds import LOAD_ORDER
from brokerlens.generate import badrows, ground_truth
from brokerlens.generate.options import MARKER, GenerateOptions
from brokerlens.generate.rand import Streams
from brokerlens.generate.simulate import Simulation
from brokerlens.generate.writer import DateWriter

__all__ = ["GenerateOptions", "GenerateSummary", "generate"]


@dataclass
class GenerateSummary:
    out: str
    dates: int
    rows: dict[str, int] = field(default_factory=dict)
    bad_rows: int = 0
    seconds: float = 0.0
    effects: int = 0  # contact and action effects applied (_ground_truth/effects.parquet)
    actions: int = 0  # rows of the --actions file


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
    bad: list[pa.Table] = []
    streams = Streams(options.seed)
    writer = DateWriter(options.format, encoding)
    oracle = ground_truth.PropensityWriter(options.out)
    applied = ground_truth.effects_writer(options.out)
    churn_oracle = ground_truth.churn_propensity_writer(options.out)
    for day in progress_over(sim.run(), len(days), "generating"):
        if day.propensity is not None:
            oracle.write(day.propensity)
        if day.churn_propensity is not None:
            churn_oracle.write(day.churn_propensity)
        if day.effects is not None:
            applied.write(day.effects)
            summary.effects += day.effects.num_rows
        writer.begin(options.out / day.date.isoformat(), day.date.isoformat())
        for name in LOAD_ORDER:
            item = day.tables.pop(name, None)
            if item is None:
                continue
            table = item if isinstance(item, pa.Table) else item()
            if options.bad_rows > 0 and table.num_rows:
                table, found = badrows.inject(
                    name,
                    table,
                    options.bad_rows,
                    streams.get("bad", day.t, LOAD_ORDER.index(name)),
                    csv=options.format == "csv",
                    biz_date=day.date,
                )
                if found is not None:
                    bad.append(found)
                    summary.bad_rows += found.num_rows
            summary.rows[name] = summary.rows.get(name, 0) + table.num_rows
            writer.add(name, table)
            del table, item  # the writer holds the only reference now
        writer.end()
    writer.close()
    oracle.close()
    applied.close()
    churn_oracle.close()
    ground_truth.write_customers(sim, options.out)
    ground_truth.write_org_events(sim, options.out)
    ground_truth.write_bad_rows(bad, options.out)
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

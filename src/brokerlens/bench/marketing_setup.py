"""`python -m brokerlens.bench.marketing_setup --home HOME --members N`: the bench's campaign
over about N customers (issue 17): a saved segment "total assets at least X", X the assets of the
N-th richest customer on the served snapshot, and a draft product-purchase campaign over it,
created by the bench's head-office user through the service layer (audited like any user's).
The campaign id goes to `<workdir>/campaign.json` for the launch and report stages."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import duckdb

from brokerlens.access import served_snapshot
from brokerlens.access.campaigns import CampaignInput, create_campaign
from brokerlens.access.columnar import columnar_file
from brokerlens.access.conditions import Condition
from brokerlens.access.segments import create_segment
from brokerlens.auth import get_user, principal_of
from brokerlens.bench.serve_probe import BENCH_USER, ensure_bench_user
from brokerlens.config import load_settings
from brokerlens.console import console
from brokerlens.store import open_store
from brokerlens.warehouse.served import parquet_source

BENCH_CAMPAIGN_FILE = "campaign.json"
ASSETS = "total_assets_t"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.marketing_setup")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--members", type=int, default=500_000)
    args = parser.parse_args(argv)
    settings = load_settings(home=args.home)
    db = open_store(settings)
    ensure_bench_user(args.home)
    principal = principal_of(get_user(db, BENCH_USER))
    snapshot = served_snapshot(db)
    path = columnar_file(snapshot)
    if path is None:
        raise SystemExit("the served snapshot has no columnar copy: publish first")
    source = parquet_source(path)
    threshold = (
        duckdb.connect()
        .execute(
            f"SELECT {ASSETS} FROM {source} ORDER BY {ASSETS} DESC NULLS LAST "
            f"LIMIT 1 OFFSET {max(args.members - 1, 0)}"
        )
        .fetchone()
    )
    value = float(threshold[0]) if threshold and threshold[0] is not None else 0.0
    segment = create_segment(
        db,
        principal,
        f"bench: total assets >= {value:,.2f}",
        [Condition(field=ASSETS, op="ge", value=value)],
        settings=settings,
    )
    start = snapshot.as_of_date + dt.timedelta(days=1)
    campaign = create_campaign(
        db,
        settings,
        principal,
        CampaignInput(
            name="bench campaign",
            goal="product_purchase",
            window_start=start,
            window_end=start + dt.timedelta(days=30),
            segment_id=segment.segment_id,
        ),
    )
    out = args.home.parent / BENCH_CAMPAIGN_FILE
    out.write_text(json.dumps({"campaign_id": campaign.campaign_id}), encoding="utf-8")
    console.print(
        f"campaign {campaign.campaign_id}: segment {segment.segment_id}, assets >= {value:,.2f}",
        markup=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

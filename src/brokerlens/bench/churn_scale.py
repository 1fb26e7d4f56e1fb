"""Probe: the churn scoring of the `churn` run step timed at N customers (issue 21's target:
the churn scoring step at 3,000,000 customers in <= 60 s).

Why it tiles: a churn model cannot be fitted on a generated 3,000,000-customer home here (it
needs months of history at that size). So the probe takes a small home with a fitted model,
builds the churn features of a loaded date (default the newest) as the `churn features` run step
does (`prepare_scoring`, into a scratch folder beside the home, removed afterwards), and tiles
those rows to N customers: copy k of a customer is `<id>~k` (copy 0 keeps the real id), with the
same feature values, so the model sees realistic inputs. The labels are tiled alike, so the
customers already known to have churned are left out as often as in the real table. Then
`score_features` (what the `churn` step calls: features in, probabilities, ranks and the top
ranks' reasons out) is timed alone on the N rows: wall and CPU seconds, peak RSS during the
call, rows scored and explained. The untiled table is scored first (the warm-up) and the first
copy must score exactly as it does: same input, same output.

    python -m brokerlens.bench.churn_scale --home HOME --customers 3000000 [--as-of DATE]

prints one JSON line; exit 1 when the first copy's scores differ from the untiled table's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from brokerlens.churn.config import ChurnConfig
from brokerlens.churn.service import churn_models, explained_rows, prepare_scoring, score_features
from brokerlens.config import Settings, load_settings
from brokerlens.engine import open_engine
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.warehouse.sources import LakeFiles

ID = "customer_id"
MB = 1 << 20


def tile(table: pa.Table, n: int, column: str = ID) -> pa.Table:
    """`n` rows: `table`'s rows over and over; copy k's `column` gets the suffix "~k" (copy 0
    keeps its own), so the ids stay unique when they were."""
    if not table.num_rows:
        raise ValueError("nothing to tile: the table has no rows")
    i = np.arange(n, dtype=np.int64)
    copy = i // table.num_rows
    out = table.take(pa.array(i % table.num_rows))
    ids = out.column(column)
    suffixed = pc.binary_join_element_wise(ids, pc.cast(pa.array(copy), pa.string()), "~")
    ids = pc.if_else(pa.array(copy == 0), ids, suffixed)
    return out.set_column(out.schema.get_field_index(column), column, ids)


def features_of(settings: Settings, as_of: dt.date | None, scratch: Path) -> tuple[dt.date, int]:
    """The `churn features` run step's work for `as_of` (None: the newest loaded date), on an
    engine opened as `brokerlens run` opens it, written into `scratch`: (T, T's index)."""
    layout = LakeLayout(settings.lake_dir)
    lake = LakeFiles(layout, read_catalog(layout))
    days = sorted(lake.days)
    if not days:
        raise SystemExit(f"the home {settings.home} has no loaded dates")
    day = as_of or days[-1]
    if day not in lake.days:
        raise SystemExit(f"{day} is not a loaded date ({days[0]} to {days[-1]})")
    engine = open_engine("duckdb", settings)
    try:
        lake.register_all(engine)
        note = prepare_scoring(
            settings, day, engine, scratch / "churn_features.parquet", scratch / "labels.parquet"
        )
    finally:
        engine.close()
    if not (scratch / "churn_features.parquet").exists():
        raise SystemExit(f"{settings.home}: {note}")
    return day, days.index(day)


def _rss_mb(key: str) -> float | None:
    """VmRSS or VmHWM (the peak since the last reset) of this process, Linux only."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux >= 4.0): the peak of one call."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def probe(home: Path, customers: int, as_of: dt.date | None = None) -> dict[str, Any]:
    settings = load_settings(home=home)
    models = churn_models(settings)
    model = models.read_model()  # NotFound with the hint to fit when there is none
    booster = lgb.Booster(model_str=models.read_booster_text(model.version))
    params = ChurnConfig.model_validate(model.config).model
    with tempfile.TemporaryDirectory(prefix="churn-scale-", dir=home.resolve().parent) as tmp:
        scratch = Path(tmp)
        day, t = features_of(settings, as_of, scratch)
        features = pq.read_table(scratch / "churn_features.parquet")
        labels = pq.read_table(scratch / "labels.parquet")
    copies = -(-customers // features.num_rows)
    big = tile(features, customers)
    big_labels = tile(labels, labels.num_rows * copies) if labels.num_rows else labels
    original = score_features(features, labels, t, model, booster, day)  # the warm-up too
    rss_before = _rss_mb("VmRSS")
    peak_reset = _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    scored = score_features(big, big_labels, t, model, booster, day)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _rss_mb("VmHWM") if peak_reset else None
    if peak is None:  # the process's lifetime peak (ru_maxrss: KiB on Linux)
        peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    m = min(original.num_rows, scored.num_rows)
    same = all(
        original.column(c).slice(0, m).equals(scored.column(c).slice(0, m))
        for c in (ID, "probability", "raw_score")
    )
    explained = int(pc.sum(pc.not_equal(scored.column("reasons_en"), "")).as_py() or 0)
    return {
        "as_of": day.isoformat(),
        "model_version": model.version,
        "home_customers": features.num_rows,
        "copies": copies,
        "customers": big.num_rows,
        "scored": scored.num_rows,
        "explained": explained,
        "explained_expected": explained_rows(
            scored.num_rows, params.reasons_share, params.reasons_max_rows
        ),
        "reasons_share": params.reasons_share,
        "reasons_max_rows": params.reasons_max_rows,
        "threads": params.threads,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
        "peak_rss_of": "the scoring call" if peak_reset else "the process",
        "first_copy_same": same,
        "first_copy_rows": m,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.churn_scale")
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--customers", required=True, type=int)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    figures = probe(args.home, args.customers, args.as_of)
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0 if figures["first_copy_same"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

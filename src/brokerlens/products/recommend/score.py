"""Every customer scored against every product, gated, the top k kept with reasons.

Chunks of customers x the whole shelf: the model's logit per pair, then the suitability gate
(after scoring, before anything is kept): a pair the gate stops is never ranked. What the gate
removed is counted per reason over all scored pairs and over the pairs that would otherwise have
made a customer's top k. The kept rows go to a scratch Parquet file with reason codes; the SQL
`rec_output.sql` words the reasons and writes the two sorted files.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.products.recommend.features import (
    FEATURES,
    REASON_OF,
    ease_scores,
    pair_features,
)
from brokerlens.products.recommend.model import RecModel
from brokerlens.products.recommend.reasons import reason_lists, suitability, word
from brokerlens.products.recommend.snapshot import Snapshot

# (customer rows) -> (len(rows), products) uint16 gate bits, 0 = may be shown
GateFn = Callable[[np.ndarray], np.ndarray]
ROW_GROUP = 65_536  # rows per group: a customer's rows are found by the groups' statistics
# Chunks scored at once: the two cores of the machine the targets are set for (the run's steps
# go one after another); each thread holds a chunk's features (see `chunk` in the config).
WORKERS = 2
REASONS_SHOWN = 2  # model reasons per item; the suitability sentence comes after them
RANKED_SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("customer_id", pa.string()),
        ("product_id", pa.string()),
        ("rank", pa.int32()),
        ("score", pa.float64()),
        ("reasons", pa.list_(pa.string())),
    ]
)


@dataclass
class GateTally:
    """What the gate removed: pairs per reason, over all pairs and among each top k."""

    reasons: tuple[str, ...]
    removed: dict[str, int] = field(default_factory=dict)
    removed_from_top: dict[str, int] = field(default_factory=dict)
    pairs: int = 0
    allowed: int = 0  # pairs the gate lets through (what any ranking may choose from)
    shown: int = 0
    customers_without: int = 0


def chunks(n: int, size: int) -> Iterator[np.ndarray]:
    for lo in range(0, n, size):
        yield np.arange(lo, min(lo + size, n))


def top_k(z: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k largest values, best first (ties: lower index first)."""
    k = min(k, z.shape[1])
    if k == 0:
        return np.zeros((z.shape[0], 0), np.int64)
    part = np.argpartition(-z, k - 1, axis=1)[:, :k] if k < z.shape[1] else None
    if part is None:
        part = np.tile(np.arange(z.shape[1]), (z.shape[0], 1))
    part.sort(axis=1)
    order = np.argsort(-np.take_along_axis(z, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _reasons(
    model: RecModel, snap: Snapshot, x: np.ndarray, ci: np.ndarray, pj: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """The REASONS_SHOWN strongest positive reasons of each kept pair (x: features x pairs)."""
    contrib = model.contributions(x)
    f = {name: i for i, name in enumerate(FEATURES)}
    # a feature gives its reason only where it holds for the pair (a loyalty the customer has)
    present = np.ones_like(contrib, dtype=bool)
    for name in ("same_type", "same_manager", "held", *(f"mat_{g}" for g in range(3))):
        present[f[name]] = x[f[name]] > 0
    for g in range(3):
        present[f[f"idle_{g}"]] = x[f[f"idle_{g}"]] > 0
    present[f["chase"]] = x[f["chase"]] >= 0.2  # the top 30% of its category
    present[f["cat_share"]] = x[f["cat_share"]] >= 0.5
    present[f["branch_push"]] = x[f["branch_push"]] >= 0.2
    explainable = np.array([REASON_OF[name] is not None for name in FEATURES])
    contrib = np.where(present & explainable[:, None] & (contrib > 0), contrib, -np.inf)
    order = np.argsort(-contrib, axis=0, kind="stable")
    shelf = snap.shelf
    reason_of = np.array([REASON_OF[name] for name in FEATURES], dtype=object)
    managers = np.array([*shelf.managers, None], dtype=object)
    # every reason's value for every pair, then the one each slot names
    by_reason = {
        "same_type": snap.type_count[ci, shelf.type_idx[pj]].astype(np.float64),
        "chase": 0.5 - shelf.trail_pct[pj],
        "cat_share": shelf.category[pj].astype(np.float64),
        "maturing": snap.maturing[ci],
        "cash": snap.cash[ci],
    }
    cols = np.arange(len(ci))
    codes: list[np.ndarray] = []
    values: list[np.ndarray] = []
    texts: list[np.ndarray] = []
    for slot in range(REASONS_SHOWN):
        fi = order[slot]
        ok = np.isfinite(contrib[fi, cols])
        code = np.where(ok, reason_of[fi], None)
        value = np.full(len(ci), np.nan)
        for reason, v in by_reason.items():
            value = np.where(code == reason, v, value)
        text = np.where(code == "same_manager", managers[shelf.manager_idx[pj]], None)
        codes.append(np.asarray(code, dtype=object))
        values.append(np.asarray(value, dtype=np.float64))
        texts.append(np.asarray(text, dtype=object))
    return codes, values, texts


@dataclass
class _Chunk:
    """One chunk's kept rows and its share of the tally (merged in chunk order)."""

    batch: pa.Table
    pairs: int
    allowed: int
    shown: int
    without: int
    removed: np.ndarray  # (reasons,) pairs removed per reason
    removed_from_top: np.ndarray


def _bit_counts(bits: np.ndarray, n: int) -> np.ndarray:
    return np.array([np.count_nonzero(bits & np.uint16(1 << i)) for i in range(n)], np.int64)


def score_all(
    snap: Snapshot,
    model: RecModel,
    ease_b: np.ndarray,
    gate: GateFn,
    reasons: tuple[str, ...],
    professional: np.ndarray,
    out: Path,
    *,
    k: int,
    chunk: int,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> GateTally:
    """Write the kept top k of every customer to `out` (RANKED_SCHEMA), by customer and rank as
    the chunks go; return the tally. Chunks are scored on `workers` threads (NumPy and Arrow
    release the GIL for most of the work) and written in order, so the file is the same."""
    tally = GateTally(reasons)
    workers = max(1, WORKERS if workers is None else workers)
    shelf = snap.shelf
    out.parent.mkdir(parents=True, exist_ok=True)
    klass_names = np.array([None, "C1", "C2", "C3", "C4", "C5"], dtype=object)
    risk_names = np.array([f"R{v}" for v in shelf.risk], dtype=object)

    def score(rows: np.ndarray) -> _Chunk:
        x = pair_features(snap, rows, ease_scores(snap, rows, ease_b))
        z = model.logits(x)
        bits = gate(rows)
        ungated = top_k(z, k)
        gated = np.where(bits == 0, z, -np.inf)
        best = top_k(gated, k)
        keep = np.isfinite(np.take_along_axis(gated, best, axis=1))
        r, slot = np.nonzero(keep)
        ci, pj = rows[r], best[r, slot]
        codes, values, texts = _reasons(model, snap, x[:, r, pj], ci, pj)
        sentences = [word(*slot_) for slot_ in zip(codes, values, texts, strict=True)]
        sentences.append(suitability(risk_names[pj], klass_names[snap.klass[ci]], professional[ci]))
        batch = pa.table(
            {
                "as_of_date": pa.array([snap.as_of] * len(ci), pa.date32()),
                "customer_id": pa.array(snap.customer_ids[ci].tolist(), pa.string()),
                "product_id": pa.array(shelf.ids[pj].tolist(), pa.string()),
                "rank": pa.array(slot + 1, pa.int32()),
                "score": pa.array(1.0 / (1.0 + np.exp(-z[r, pj].astype(np.float64)))),
                "reasons": reason_lists(sentences),
            },
            schema=RANKED_SCHEMA,
        )
        return _Chunk(
            batch,
            pairs=bits.size,
            allowed=int(np.count_nonzero(bits == 0)),
            shown=len(ci),
            without=int((~keep.any(axis=1)).sum()),
            removed=_bit_counts(bits, len(reasons)),
            removed_from_top=_bit_counts(np.take_along_axis(bits, ungated, axis=1), len(reasons)),
        )

    removed = np.zeros(len(reasons), np.int64)
    removed_from_top = np.zeros(len(reasons), np.int64)
    with (
        pq.ParquetWriter(out, RANKED_SCHEMA, compression="zstd") as writer,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        done = 0
        pending: deque[tuple[np.ndarray, Future[_Chunk]]] = deque()
        todo = chunks(len(snap), chunk)
        # at most `workers` chunks in flight: memory stays a few chunks' features
        for rows in itertools.islice(todo, workers):
            pending.append((rows, pool.submit(score, rows)))
        while pending:
            rows, future = pending.popleft()
            part = future.result()
            following = next(todo, None)
            if following is not None:
                pending.append((following, pool.submit(score, following)))
            tally.pairs += part.pairs
            tally.allowed += part.allowed
            tally.shown += part.shown
            tally.customers_without += part.without
            removed += part.removed
            removed_from_top += part.removed_from_top
            writer.write_table(part.batch, row_group_size=ROW_GROUP)
            done += len(rows)
            if progress is not None:
                progress(done, len(snap))
    tally.removed = {name: int(removed[i]) for i, name in enumerate(reasons)}
    tally.removed_from_top = {name: int(removed_from_top[i]) for i, name in enumerate(reasons)}
    return tally

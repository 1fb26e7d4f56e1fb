"""The honest measure: recommend as of T from data up to T, count purchases in the next h days.

Four rankings pass the same suitability gate and are scored on the same customers (those who
bought at least one product in (T, T + h]): popularity (buyers over the lookback), popularity
within the customer's risk class, the model (fitted on windows that end by T) and the oracle (the
generator's own purchase propensity as of T, `_ground_truth/product_propensity.parquet`).
hit@k: share of those customers with a purchase among their top k; recall@k: purchased products
found in the top k over those purchased; NDCG@k with binary relevance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from brokerlens.products.recommend.config import ModelConfig
from brokerlens.products.recommend.features import ease_scores, pair_features
from brokerlens.products.recommend.model import RecModel, ease_weights
from brokerlens.products.recommend.score import GateFn, chunks, top_k
from brokerlens.products.recommend.snapshot import Snapshot

RANKINGS = ("popularity", "popularity_in_class", "model", "oracle")


@dataclass(frozen=True)
class RankingScore:
    ranking: str
    customers: int
    hit: float
    recall: float
    ndcg: float
    # the same over the purchases the gate would let a list show (a customer who bought only
    # unsuitable products, after a warning and a confirmation, cannot be hit by any ranking)
    suitable_customers: int = 0
    suitable_hit: float = 0.0
    suitable_recall: float = 0.0
    suitable_ndcg: float = 0.0


@dataclass(frozen=True)
class Evaluation:
    as_of: dt.date
    through: dt.date  # the last day purchases are counted
    buyers: int
    purchases: int
    unsuitable_purchases: int  # bought pairs the gate would never show
    rows: list[RankingScore]

    def row(self, ranking: str) -> RankingScore | None:
        return next((r for r in self.rows if r.ranking == ranking), None)


def oracle_matrix(snap: Snapshot, oracle: pa.Table) -> sparse.csr_matrix:
    """The oracle's propensity of T as (customers, products); pairs it does not list are 0."""
    ids = pa.array(snap.customer_ids.tolist(), pa.string())
    ci = pc.index_in(oracle.column("customer_id"), value_set=ids).fill_null(-1)
    pj = pc.index_in(
        oracle.column("product_id"), value_set=pa.array(snap.shelf.ids.tolist(), pa.string())
    ).fill_null(-1)
    r = ci.to_numpy(zero_copy_only=False).astype(np.int64)
    c = pj.to_numpy(zero_copy_only=False).astype(np.int64)
    v = oracle.column("propensity").to_numpy(zero_copy_only=False).astype(np.float64)
    ok = (r >= 0) & (c >= 0)
    return sparse.csr_matrix((v[ok], (r[ok], c[ok])), shape=(len(snap), len(snap.shelf)))


def _measure(
    top: np.ndarray, valid: np.ndarray, truth: np.ndarray, k: int
) -> tuple[float, float, float]:
    """Sums over the rows of hit, recall and NDCG (truth: rows x products, bool)."""
    got = np.take_along_axis(truth, top, axis=1) & valid
    n_true = truth.sum(axis=1)
    hit = float((got.any(axis=1)).sum())
    recall = float((got.sum(axis=1) / np.maximum(n_true, 1)).sum())
    discount = 1.0 / np.log2(np.arange(2, top.shape[1] + 2))
    dcg = (got * discount[None, :]).sum(axis=1)
    ideal = np.cumsum(discount)[np.minimum(n_true, k) - 1]
    ndcg = float((dcg / np.where(n_true > 0, ideal, 1.0)).sum())
    return hit, recall, ndcg


def evaluate(
    snap: Snapshot,
    labels: sparse.csr_matrix,
    model: RecModel,
    gate: GateFn,
    oracle: pa.Table | None,
    config: ModelConfig,
    through: dt.date,
) -> Evaluation:
    k = config.top_k
    buyers = np.flatnonzero(np.diff(labels.indptr) > 0)
    ease_b = ease_weights(snap.seen, config.ease_lambda)
    prop = oracle_matrix(snap, oracle) if oracle is not None else None
    sums = {name: np.zeros(3) for name in RANKINGS}
    suitable_sums = {name: np.zeros(3) for name in RANKINGS}
    suitable_buyers = 0
    unsuitable = 0
    for part in chunks(len(buyers), config.chunk):
        rows = buyers[part]
        truth = labels[rows].toarray() > 0
        bits = gate(rows)
        unsuitable += int((truth & (bits != 0)).sum())
        fair = truth & (bits == 0)
        some = fair.any(axis=1)
        suitable_buyers += int(some.sum())
        scores = {
            "popularity": np.broadcast_to(np.log1p(snap.pop)[None, :], truth.shape),
            "popularity_in_class": snap.pop_class[snap.klass[rows]]
            + 1e-9 * np.log1p(snap.pop)[None, :],  # ties: the brokerage-wide order
            "model": model.logits(pair_features(snap, rows, ease_scores(snap, rows, ease_b))),
        }
        if prop is not None:
            scores["oracle"] = prop[rows].toarray()
        for name, s in scores.items():
            masked = np.where(bits == 0, s, -np.inf)
            top = top_k(masked, k)
            valid = np.isfinite(np.take_along_axis(masked, top, axis=1))
            sums[name] += _measure(top, valid, truth, k)
            suitable_sums[name] += _measure(top[some], valid[some], fair[some], k)
    n = max(len(buyers), 1)
    m = max(suitable_buyers, 1)
    rows_out = []
    for name in RANKINGS:
        if name == "oracle" and prop is None:
            continue
        hit, recall, ndcg = (float(v) for v in sums[name] / n)
        s_hit, s_recall, s_ndcg = (float(v) for v in suitable_sums[name] / m)
        rows_out.append(
            RankingScore(
                name, len(buyers), hit, recall, ndcg, suitable_buyers, s_hit, s_recall, s_ndcg
            )
        )
    return Evaluation(
        as_of=snap.as_of,
        through=through,
        buyers=len(buyers),
        purchases=int(labels.nnz),
        unsuitable_purchases=unsuitable,
        rows=rows_out,
    )

"""The pair features: for a chunk of customers x every product, a (features, customers,
products) float32 array.

One collaborative-filtering score (EASE over what customers bought or hold) and the content
features that real fund buyers follow: popularity (brokerage-wide and in the customer's risk
class), loyalty to a type and a manager, return chasing, the branch's push, the risk gap between
product and class, and money to invest (cash, maturing products). Each feature a reason can be
given for names its reason in `REASON_OF`.
"""

from __future__ import annotations

import numpy as np

from brokerlens.products.recommend.snapshot import CATEGORIES, Snapshot

FEATURES = (
    "ease",  # what customers who bought or hold the same products also bought
    "pop",  # log buyers over the lookback, brokerage-wide
    "pop_class",  # share of the buyers of the customer's risk class
    "same_type",  # the customer bought or holds products of this type
    "same_manager",  # ... of this manager
    "chase",  # the product's recent return, percentile in its category (-0.5..0.5)
    "risk_above",  # levels the product's risk is above the customer's class
    "risk_below",  # levels it is more than one below
    "branch_push",  # share of the branch's recent buyers of this category
    "held",  # holds it now (adding to a position)
    "cash_ok",  # half the available cash covers the minimum subscription
    "cat_share",  # share of the customer's purchases in the product's category
    "mat_0",  # money maturing soon x the product's category (one feature per category)
    "mat_1",
    "mat_2",
    "idle_0",  # idle cash (over half the assets, >= 100,000) x the product's category
    "idle_1",
    "idle_2",
    "activity",  # log purchases over the lookback (ranks customers, not products)
)
# the reason a feature's contribution gives (None: not a reason shown to a broker)
REASON_OF: dict[str, str | None] = {
    "ease": "ease",
    "pop": "pop",
    "pop_class": "pop_class",
    "same_type": "same_type",
    "same_manager": "same_manager",
    "chase": "chase",
    "risk_above": None,
    "risk_below": None,
    "branch_push": "branch_push",
    "held": "held",
    "cash_ok": None,
    "cat_share": "cat_share",
    "mat_0": "maturing",
    "mat_1": "maturing",
    "mat_2": "maturing",
    "idle_0": "cash",
    "idle_1": "cash",
    "idle_2": "cash",
    "activity": None,
}
IDLE_MIN = 100_000.0  # yuan of available cash that count as idle money


def ease_scores(snap: Snapshot, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(len(rows), products): each customer's seen row times EASE's item weights."""
    seen = snap.seen[rows]
    return np.asarray(seen @ weights, dtype=np.float32)


def pair_features(snap: Snapshot, rows: np.ndarray, ease: np.ndarray) -> np.ndarray:
    """(len(FEATURES), len(rows), products) float32 for the customers `rows` of the snapshot."""
    shelf = snap.shelf
    n, m = len(rows), len(shelf)
    out = np.zeros((len(FEATURES), n, m), np.float32)
    f = {name: i for i, name in enumerate(FEATURES)}
    klass = snap.klass[rows]
    klass = np.where(klass == 0, 3, klass)  # no assessment: read as the middle class
    out[f["ease"]] = ease
    out[f["pop"]] = np.log1p(snap.pop)[None, :]
    out[f["pop_class"]] = snap.pop_class[snap.klass[rows]]
    out[f["same_type"]] = snap.type_count[rows][:, shelf.type_idx] > 0
    has_mgr = shelf.manager_idx >= 0
    seen_mgr = snap.manager_seen[rows].toarray() > 0
    out[f["same_manager"]][:, has_mgr] = seen_mgr[:, shelf.manager_idx[has_mgr]]
    out[f["chase"]] = shelf.trail_pct[None, :]
    gap = shelf.risk[None, :] - klass[:, None]
    out[f["risk_above"]] = np.maximum(gap, 0)
    out[f["risk_below"]] = np.maximum(-gap - 1, 0)
    out[f["branch_push"]] = snap.branch_share[snap.branch_idx[rows].clip(0)]
    out[f["held"]] = snap.held[rows].toarray()
    cash = snap.cash[rows]
    out[f["cash_ok"]] = cash[:, None] * 0.5 >= shelf.min_amount[None, :]
    buys = snap.cat_buys[rows]
    share = buys / np.maximum(buys.sum(axis=1, keepdims=True), 1.0)
    out[f["cat_share"]] = share[:, shelf.category]
    maturing = snap.maturing[rows] > 0
    idle = (cash > 0.5 * np.maximum(snap.assets[rows], 1.0)) & (cash >= IDLE_MIN)
    for g in range(CATEGORIES):
        in_g = (shelf.category == g)[None, :]
        out[f[f"mat_{g}"]] = maturing[:, None] & in_g
        out[f[f"idle_{g}"]] = idle[:, None] & in_g
    out[f["activity"]] = np.log1p(buys.sum(axis=1))[:, None]
    return out

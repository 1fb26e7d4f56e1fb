"""What sets each cluster apart, and its score 1 (highest risk preference) .. 5 (lowest).

A customer's risk points (5 riskiest .. 1): their shares of market value in disjoint classes,
weighted by each class's risk (seed 002 table 4 read as a scale: ST and warrants highest,
ChiNext and equity funds next, A shares, B shares and exchange funds in the middle, IPO
subscription low, bonds, bond and money funds lowest); market value outside the classes (other
OTC products) counts as the middle, and a customer holding only cash scores lowest. A cluster's
score comes from its members' mean points. The timing and style sub-models then adjust each
customer's score by the rank of their group (seed 002: timing -2/-1/0/0, style -2/-2/-1/0/+1,
most aggressive group first). Every number here is a default a brokerage may change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brokerlens.riskpref.features import CLASSES

# Risk points of a class, 5 = riskiest (the direction of the catalog's holdings_risk_score).
CLASS_RISK = {
    "st": 5.0,
    "warrant": 5.0,
    "chinext": 4.0,
    "equity_fund": 4.0,
    "a_other": 3.0,  # A shares outside ChiNext and ST
    "b_share": 3.0,
    "exchange_fund": 3.0,
    "ipo": 2.0,
    "bond": 1.0,
    "bond_fund": 1.0,
    "money_fund": 1.0,
}
OTHER_RISK = 3.0  # market value outside the classes (other OTC products): unknown, the middle
CASH_RISK = 1.0  # no market value at all: cash only
TIMING_ADJUST = (-2, -1, 0, 0)  # by rank of the timing group, most aggressive first
STYLE_ADJUST = (-2, -2, -1, 0, 1)  # by rank of the style group, most aggressive first
STAND_OUT_SHARE = 0.05  # a class is named when its mean share is at least this ...
STAND_OUT_LIFT = 1.5  # ... and at least this many times the population's
MOSTLY_SHARE = 0.3  # a class this large is named whatever the population holds


@dataclass
class ClusterProfile:
    cluster: int  # 1-based
    size: int  # customers of the fit sample
    share: float  # of the fit sample
    score: int  # 1 highest .. 5 lowest risk preference, before the sub-models
    risk_points: float
    name: str
    description: str
    means: dict[str, float]  # mean of every product feature


def class_shares(means: dict[str, float], suffix: str = "_assets") -> dict[str, float]:
    """Disjoint shares from the mean `*_assets` (or `*_mv`) features."""
    shares = {c: means[f"{c}{suffix}"] for c in CLASSES if c != "a_share"}
    overlap = shares["chinext"] + shares["st"]
    shares["a_other"] = max(means[f"a_share{suffix}"] - overlap, 0.0)
    return shares


def risk_points(means: dict[str, float]) -> float:
    """1 (lowest risk) .. 5 of one customer's (or a mean) mix of market value: the classes'
    risk weighted by their shares, the rest of the market value at OTHER_RISK; cash only (no
    market value, no IPO subscription) -> CASH_RISK."""
    shares = class_shares(means, "_mv")
    held = sum(shares.values())
    if held <= 1e-9 and means.get("ipo_assets", 0.0) <= 1e-9 and means.get("mv_held", 0.0) <= 0:
        return CASH_RISK
    weighted = sum(s * CLASS_RISK[c] for c, s in shares.items())
    if held >= 1.0:
        return weighted / held
    return weighted + (1.0 - held) * OTHER_RISK


def row_points(x: np.ndarray, features: list[str], mv_held: np.ndarray) -> np.ndarray:
    """risk_points of every row of the product feature matrix."""
    out = np.empty(len(x))
    for i, values in enumerate(x):
        means = dict(zip(features, values.tolist(), strict=True))
        means["mv_held"] = float(mv_held[i])
        out[i] = risk_points(means)
    return out


def score_of(points: float) -> int:
    """Risk points 1..5 (5 riskiest) -> score 1 (highest preference) .. 5."""
    return int(min(5, max(1, 6 - int(np.floor(points + 0.5)))))


def _phrase(feature: str, value: float) -> str:
    pct = f"{round(value * 100):d}%"
    if feature == "ipo_assets":
        return f"约{pct}资产用于新股申购"
    if feature == "warrant_trade_share":
        return f"约{pct}交易量为权证"
    return f"约{pct}资产为{CLASSES[feature.removesuffix('_assets')]}"


def describe(means: dict[str, float], population: dict[str, float]) -> tuple[str, str]:
    """(name, description) of a cluster from its means against the population's: what it
    mostly holds (a class of at least MOSTLY_SHARE) and what it holds far more of than the
    population does, largest first, at most three; named after the first that stands out."""
    candidates = [f"{c}_assets" for c in CLASSES] + ["warrant_trade_share"]
    shown = [
        f
        for f in candidates
        if means[f] >= STAND_OUT_SHARE
        and (means[f] >= MOSTLY_SHARE or means[f] >= STAND_OUT_LIFT * population[f])
    ]
    shown.sort(key=lambda f: -means[f])
    cash = means.get("cash_assets", 1.0 - sum(class_shares(means).values()))
    if not shown:
        held = sorted(candidates, key=lambda f: -means[f])
        if cash >= 0.5 or means[held[0]] < STAND_OUT_SHARE:
            return "现金为主", f"约{round(max(cash, 0) * 100):d}%资产为现金及其他,少有投资"
        shown = [f for f in held[:2] if means[f] >= STAND_OUT_SHARE]
    top = shown[:3]
    apart = [f for f in top if means[f] >= STAND_OUT_LIFT * population[f]]
    first = (apart or top)[0]
    label = "权证交易" if first == "warrant_trade_share" else CLASSES[first.removesuffix("_assets")]
    parts = [_phrase(f, means[f]) for f in top]
    if cash >= 0.3:
        parts.append(f"约{round(cash * 100):d}%为现金及其他")
    return f"偏好{label}", "平均" + ",".join(parts)


def profiles(
    x: np.ndarray, features: list[str], points: np.ndarray, labels: np.ndarray, k: int
) -> list[ClusterProfile]:
    """Every cluster's profile from the fit sample's raw product features, risk points and
    assignments; the cluster's score comes from its members' mean risk points."""
    population = dict(zip(features, x.mean(axis=0).tolist(), strict=True))
    out = []
    for j in range(k):
        rows = x[labels == j]
        means = dict(
            zip(
                features,
                (rows.mean(axis=0) if len(rows) else np.zeros(len(features))).tolist(),
                strict=True,
            )
        )
        mean_points = float(points[labels == j].mean()) if len(rows) else CASH_RISK
        name, text = describe(means, population)
        out.append(
            ClusterProfile(
                cluster=j + 1,
                size=len(rows),
                share=round(len(rows) / max(len(x), 1), 6),
                score=score_of(mean_points),
                risk_points=round(mean_points, 6),
                name=name,
                description=text,
                means={f: round(v, 6) for f, v in means.items()},
            )
        )
    return out


def group_ranks(centroids: list[list[float]]) -> list[int]:
    """Rank (0 = most aggressive) of each sub-model group: the mean of its standardised centroid."""
    level = [float(np.mean(c)) for c in centroids]
    order = sorted(range(len(level)), key=lambda j: (-level[j], j))
    ranks = [0] * len(level)
    for rank, j in enumerate(order):
        ranks[j] = rank
    return ranks


def adjustments(centroids: list[list[float]], by_rank: tuple[int, ...]) -> list[int]:
    return [by_rank[r] for r in group_ranks(centroids)]

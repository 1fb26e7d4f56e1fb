"""The uplift of a campaign: treatment conversion rate minus holdout conversion rate, with a 95%
confidence interval for the difference of two independent proportions (Wald, unpooled):

    d = p_t - p_h,  se = sqrt(p_t (1 - p_t) / n_t + p_h (1 - p_h) / n_h),  d +- 1.96 se

The holdout never hears of the campaign, so d estimates what the campaign added. A group with
no members has no rate: the uplift and its interval are then unknown (None), never 0. With both
rates 0 or 1 the interval collapses to d (se 0); the page shows the counts beside it."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Uplift:
    treatment_rate: float | None
    holdout_rate: float | None
    uplift: float | None  # treatment rate - holdout rate (a share, 0.012 = 1.2 个百分点)
    low: float | None
    high: float | None


def rate(converted: int, members: int) -> float | None:
    return converted / members if members else None


def uplift(t_converted: int, t_members: int, h_converted: int, h_members: int) -> Uplift:
    p_t = rate(t_converted, t_members)
    p_h = rate(h_converted, h_members)
    if p_t is None or p_h is None:
        return Uplift(p_t, p_h, None, None, None)
    d = p_t - p_h
    se = math.sqrt(p_t * (1 - p_t) / t_members + p_h * (1 - p_h) / h_members)
    return Uplift(p_t, p_h, d, d - Z95 * se, d + Z95 * se)

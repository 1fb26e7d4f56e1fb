"""The absolute scale of the behavioural risk preference (issue 20): points from what a customer
holds and how they trade, cut into the five levels at fixed points.

Seed 002's clusters stay (what a group of customers is like, and its name); they no longer set
a level. A level is each customer's own: the value-weighted R grade of what they held over the
quarter (cash as R1), plus points for very high or very low turnover, margin leverage and a deep
drawdown sat through; `scale.yaml` holds every number, and each level says why in words.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped, shipped_settings

HINT = "fix the risk preference scale (riskpref/scale.yaml)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Grades(_Strict):
    warrant: int = Field(default=5, ge=1, le=5)
    st: int = Field(default=5, ge=1, le=5)
    growth: int = Field(default=4, ge=1, le=5)
    stock: int = Field(default=3, ge=1, le=5)
    fund: int = Field(default=3, ge=1, le=5)
    convertible: int = Field(default=3, ge=1, le=5)
    bond: int = Field(default=2, ge=1, le=5)
    repo: int = Field(default=1, ge=1, le=5)
    ipo: int = Field(default=2, ge=1, le=5)

    def params(self) -> dict[str, int]:
        """The SQL parameters (`:grade_<name>`) of riskpref_features.sql."""
        return {f"grade_{name}": value for name, value in self.model_dump().items()}


class Band(_Strict):
    """Points for a measure at or above `at_least`, or below `below` (exactly one of them)."""

    at_least: float | None = None
    below: float | None = None
    points: float = Field(ge=-3, le=3)
    zh: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_bound(self) -> Band:
        if (self.at_least is None) == (self.below is None):
            raise ValueError("a band needs exactly one of at_least or below")
        return self


class Scale(_Strict):
    grades: Grades = Field(default_factory=Grades)
    turnover: list[Band] = Field(default_factory=list)
    leverage: list[Band] = Field(default_factory=list)
    drawdown: list[Band] = Field(default_factory=list)
    cuts: list[float] = Field(default_factory=lambda: [1.6, 2.3, 3.15, 4.2])
    min_assets: float = Field(default=1000, ge=0)
    # at least this share of the assets invested, the held grade counts in full; below it the
    # points fall towards R1 (cash) in proportion
    fully_invested: float = Field(default=0.5, gt=0, le=1)

    @field_validator("cuts")
    @classmethod
    def _cuts(cls, value: list[float]) -> list[float]:
        if len(value) != 4 or any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError("cuts are four increasing points (最低|较低|中等|较高|最高)")
        return value


def default_scale() -> Scale:
    return shipped_settings(Scale, "brokerlens.riskpref", "scale.yaml", HINT)


def scale_path(settings: Settings) -> Path:
    return settings.home / "riskpref" / "scale.yaml"


def load_scale(settings: Settings | None = None) -> Scale:
    """The installation's scale if it has a file, else the shipped one."""
    installed = scale_path(settings) if settings is not None else None
    return installed_or_shipped(Scale, installed, "brokerlens.riskpref", "scale.yaml", HINT)


@dataclass
class Placed:
    """Every customer's place on the scale (arrays in feature-table order)."""

    points: np.ndarray  # float, about 1 .. 6
    score: np.ndarray  # 1 (最高) .. 5 (最低), the level's score as seed 002 numbers it
    why: list[str]  # the level's reasons in words


def _band_points(
    values: np.ndarray, bands: list[Band], applies: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """Points of the first band each value falls in (bands in order), and which band (-1)."""
    points = np.zeros(len(values))
    which = np.full(len(values), -1)
    for i, band in enumerate(bands):
        if band.at_least is not None:
            hit = values >= band.at_least
        else:
            assert band.below is not None
            hit = values < band.below
        hit &= applies & (which < 0)
        points[hit] = band.points
        which[hit] = i
    return points, which.tolist()


def _pct(value: float) -> str:
    return f"{round(value * 100):d}%"


def place(
    scale: Scale,
    *,
    assets: np.ndarray,
    invested: np.ndarray,
    held_grade: np.ndarray,
    turnover: np.ndarray,
    leverage: np.ndarray,
    margin_share: np.ndarray,
    drawdown: np.ndarray,
    exchange_share: np.ndarray | None = None,
) -> Placed:
    """Points, level score and reasons of every customer. `invested` is the share of assets
    in market value (0..1), `held_grade` NaN where nothing was held, `exchange_share` the part
    of what is held on the exchange (a band `below` a turnover, "hardly trades", applies only
    where that is at least half: OTC products are not traded on the exchange)."""
    n = len(assets)
    scored = assets >= scale.min_assets
    grade = np.where(np.isnan(held_grade), 1.0, held_grade)
    inv = np.where(np.isnan(held_grade), 0.0, np.clip(invested, 0.0, 1.0))
    base = 1.0 + (grade - 1.0) * np.minimum(inv / scale.fully_invested, 1.0)
    active = scored & (inv > 0.05)
    on_exchange = np.ones(n, bool) if exchange_share is None else exchange_share >= 0.5
    t_pts, t_band = _band_points(turnover, scale.turnover, active)
    low = np.array([b >= 0 and scale.turnover[b].below is not None for b in t_band], bool)
    off = low & ~on_exchange
    t_pts[off] = 0.0
    t_band = [-1 if o else b for o, b in zip(off.tolist(), t_band, strict=True)]
    lever = np.maximum(leverage, np.where(margin_share > 0.05, 1.0, 0.0))
    l_pts, l_band = _band_points(lever, scale.leverage, active)
    d_pts, d_band = _band_points(drawdown, scale.drawdown, active)
    points = np.where(scored, base + t_pts + l_pts + d_pts, 1.0)
    rank = np.searchsorted(np.asarray(scale.cuts), points, side="right")  # 0 最低 .. 4 最高
    score = (5 - rank).astype(np.int64)
    why = []
    for i in range(n):
        if not scored[i]:
            why.append(f"季度日均资产不足{scale.min_assets:,.0f}元,按现金计")
            continue
        if inv[i] <= 0.05:
            parts = [f"约{_pct(1 - inv[i])}资产为现金,少有投资"]
        elif inv[i] < scale.fully_invested:
            parts = [f"持仓平均风险等级R{grade[i]:.1f},仅约{_pct(inv[i])}资产在投,以现金为主"]
        else:
            parts = [f"持仓平均风险等级R{grade[i]:.1f},约{_pct(inv[i])}资产在投"]
        for which, bands, value in (
            (t_band[i], scale.turnover, f"年化换手{turnover[i]:.1f}倍"),
            (l_band[i], scale.leverage, ""),
            (d_band[i], scale.drawdown, f"最大回撤{_pct(drawdown[i])}"),
        ):
            if which >= 0:
                band = bands[which]
                sign = "+" if band.points > 0 else ""
                detail = f"({value})" if value else ""
                parts.append(f"{band.zh}{detail}{sign}{band.points:g}分")
        parts.append(f"合计{points[i]:.2f}分")
        why.append(";".join(parts))
    return Placed(points=points, score=score, why=why)

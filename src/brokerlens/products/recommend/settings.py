"""The recommender's settings: the `model:` section of products/recommendation.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ModelConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    top_k: int = Field(10, ge=1, le=50)  # products shown per customer
    horizon_days: int = Field(20, ge=1)  # trading days a purchase counts after T (the label)
    lookback_days: int = Field(250, ge=1)  # trading days of purchases the filter reads
    trail_days: int = Field(60, ge=1)  # trading days of returns that flows chase (~3 months)
    recent_days: int = Field(20, ge=1)  # trading days of a branch's sales: what it pushes
    ease_lambda: float = Field(20.0, gt=0)  # EASE's L2 penalty (~100 products: a small one)
    windows: int = Field(4, ge=1)  # past as-of dates, horizon_days apart, the blend learns on
    fit_customers: int = Field(60_000, ge=100)  # customers sampled per window for the fit
    negative_share: float = Field(0.25, gt=0, le=1)  # share of non-buyers kept (re-weighted)
    refit_days: int = Field(7, ge=0)  # the run refits a model older than this (calendar days)
    chunk: int = Field(25_000, ge=100)  # customers scored at a time (x products x features)
    seed: int = 16

"""Per-customer state carried from day to day (bounded memory: no history is kept)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from brokerlens.generate.book import Book


@dataclass
class State:
    n: int
    n_secs: int
    n_products: int
    cash: np.ndarray = field(init=False)
    frozen: np.ndarray = field(init=False)  # IPO subscriptions awaiting allotment
    liab: np.ndarray = field(init=False)
    netflow: np.ndarray = field(init=False)  # cumulative transfers in - out, cents
    assets: np.ndarray = field(init=False)  # last total_assets
    last_contact: np.ndarray = field(init=False)  # day number
    neglected: np.ndarray = field(init=False)
    closed: np.ndarray = field(init=False)  # hard-churned (no rows after the close day)
    book: Book = field(init=False)
    pbook: Book = field(init=False)  # product units in 1/100 units
    # churn
    ch_stage: np.ndarray = field(init=False)  # 0 none, 1 signalled, 2 churned
    ch_kind: np.ndarray = field(init=False)  # 1 hard, 2 soft
    ch_cause: np.ndarray = field(init=False)
    ch_hard: np.ndarray = field(init=False)  # 1 closed, 2 transferred_out, 3 designation_cancelled
    ch_signal_t: np.ndarray = field(init=False)
    ch_churn_t: np.ndarray = field(init=False)
    rescued_t: np.ndarray = field(init=False)  # day index a churn under way was called off, -1
    hazard: np.ndarray = field(init=False)  # chance of a signal at the last churn check
    at_risk: np.ndarray = field(init=False)  # underperforming the index at the last check
    snap_assets: list[np.ndarray] = field(default_factory=list)
    snap_flow: list[np.ndarray] = field(default_factory=list)
    snap_index: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = self.n
        z = np.zeros(n, np.int64)
        self.cash, self.frozen, self.liab = z.copy(), z.copy(), z.copy()
        self.netflow, self.assets = z.copy(), z.copy()
        self.last_contact = z.copy()
        self.neglected = np.zeros(n, bool)
        self.closed = np.zeros(n, bool)
        self.book = Book(self.n_secs)
        self.pbook = Book(self.n_products)
        self.ch_stage, self.ch_kind, self.ch_cause = z.copy(), z.copy(), z.copy()
        self.ch_hard = z.copy()
        self.ch_signal_t = np.full(n, -1, np.int64)
        self.ch_churn_t = np.full(n, 1 << 40, np.int64)
        self.rescued_t = np.full(n, -1, np.int64)
        self.hazard = np.zeros(n, np.float32)
        self.at_risk = np.zeros(n, bool)

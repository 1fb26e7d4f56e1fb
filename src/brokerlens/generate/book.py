"""A holdings book: flat arrays sorted by (customer, item), updated in bulk."""

from __future__ import annotations

import numpy as np


class Book:
    """Rows of (customer, item) with a quantity and a cost in cents, kept sorted by key."""

    def __init__(self, n_items: int) -> None:
        self.n_items = n_items
        self.cust = np.zeros(0, np.int64)
        self.item = np.zeros(0, np.int64)
        self.qty = np.zeros(0, np.int64)
        self.cost = np.zeros(0, np.int64)

    def __len__(self) -> int:
        return len(self.cust)

    @property
    def key(self) -> np.ndarray:
        return self.cust * self.n_items + self.item

    def add(self, cust: np.ndarray, item: np.ndarray, qty: np.ndarray, cost: np.ndarray) -> None:
        """Add quantities and costs; new (customer, item) pairs become new rows."""
        if len(cust) == 0:
            return
        keys = cust.astype(np.int64) * self.n_items + item
        uk, inv = np.unique(keys, return_inverse=True)
        q = np.bincount(inv, weights=qty, minlength=len(uk)).round().astype(np.int64)
        c = np.bincount(inv, weights=cost, minlength=len(uk)).round().astype(np.int64)
        own = self.key
        pos = np.searchsorted(own, uk)
        found = (
            (pos < len(own)) & (own[np.minimum(pos, max(len(own) - 1, 0))] == uk)
            if len(own)
            else np.zeros(len(uk), bool)
        )
        self.qty[pos[found]] += q[found]
        self.cost[pos[found]] += c[found]
        new = ~found
        if new.any():
            allk = np.concatenate([own, uk[new]])
            order = np.argsort(allk, kind="stable")
            self.cust = (allk // self.n_items)[order]
            self.item = (allk % self.n_items)[order]
            self.qty = np.concatenate([self.qty, q[new]])[order]
            self.cost = np.concatenate([self.cost, c[new]])[order]

    def drop_empty(self) -> None:
        keep = self.qty > 0
        if not keep.all():
            self.cust, self.item = self.cust[keep], self.item[keep]
            self.qty, self.cost = self.qty[keep], self.cost[keep]

    def drop_customers(self, cust: np.ndarray) -> None:
        gone = np.isin(self.cust, cust)
        self.qty[gone] = 0
        self.drop_empty()

    def ranges(self, n_cust: int) -> tuple[np.ndarray, np.ndarray]:
        """Per customer: first row and row count."""
        start = np.searchsorted(self.cust, np.arange(n_cust))
        end = np.searchsorted(self.cust, np.arange(n_cust), side="right")
        return start, end - start

    def pick(
        self, rng: np.random.Generator, cust: np.ndarray, start: np.ndarray, count: np.ndarray
    ) -> np.ndarray:
        """One random row of each given customer (customers must hold something)."""
        return start[cust] + (rng.random(len(cust)) * count[cust]).astype(np.int64)

"""Deterministic random streams: one PCG64 generator per named purpose (and day)."""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """Derives independent, reproducible generators from one seed and a stream name."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def get(self, name: str, *extra: int) -> np.random.Generator:
        words = [self.seed & 0xFFFFFFFF, self.seed >> 32, zlib.crc32(name.encode()), *extra]
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))

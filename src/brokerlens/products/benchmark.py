"""A product's `benchmark` text as weighted indexes the feeds carry, or None.

Fund contracts name benchmarks as "沪深300指数收益率×80%+中债综合指数收益率×20%": parts joined by
"+", each an index name, optionally "收益率", optionally "×<weight>%" (a single part without a
weight is 100%). A benchmark counts only when every part names an index the settings map to an
index in `index_quotes` and the weights add up to 100%; a deposit rate or an index the feeds do
not carry (中债综合指数 ...) gives None, and the product's excess return and tracking error are
NULL. The composite is rebalanced daily: its return on a day is the weighted sum of its parts'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pyarrow as pa

_PART = re.compile(r"^(?P<name>.+?)(?:收益率)?(?:\s*[×xX*]\s*(?P<weight>\d+(?:\.\d+)?)\s*%)?$")


def parse_benchmark(text: str | None, indexes: Mapping[str, str]) -> list[tuple[str, float]] | None:
    """[(index_id, weight 0..1)] for a benchmark the feeds carry, else None."""
    if not text or not text.strip():
        return None
    raw = [p.strip() for p in re.split(r"[+＋]", text.strip())]
    parts: list[tuple[str, float]] = []
    for piece in raw:
        match = _PART.match(piece)
        if not piece or match is None:
            return None
        index_id = indexes.get(match.group("name").strip())
        if index_id is None:
            return None
        weight = match.group("weight")
        if weight is None and len(raw) > 1:
            return None
        parts.append((index_id, 1.0 if weight is None else float(weight) / 100))
    if abs(sum(w for _, w in parts) - 1.0) > 1e-9:
        return None
    merged: dict[str, float] = {}
    for index_id, weight in parts:
        merged[index_id] = merged.get(index_id, 0.0) + weight
    return sorted(merged.items())


def benchmark_parts(texts: Iterable[str | None], indexes: Mapping[str, str]) -> pa.Table:
    """(benchmark, index_id, weight) for every distinct benchmark text that resolves."""
    rows = [
        (text, index_id, weight)
        for text in sorted({t for t in texts if t})
        for index_id, weight in parse_benchmark(text, indexes) or []
    ]
    return pa.table(
        {
            "benchmark": pa.array([r[0] for r in rows], pa.string()),
            "index_id": pa.array([r[1] for r in rows], pa.string()),
            "weight": pa.array([r[2] for r in rows], pa.float64()),
        }
    )

"""The bucket short form, expanded into ordinary rules (the same mechanism as every other rule).

Each bucket becomes one self-contained rule `lo <= x < hi`, so a rule read alone (in `show` or
in `why`) states its whole range; a NULL indicator matches none and falls to the default.
"""

from __future__ import annotations

from itertools import pairwise

from brokerlens.classify.model import Buckets, Classification, Rule


def numeral(bound: float) -> str:
    """A bound as a plain SQL numeral: integral values without a decimal point."""
    return str(int(bound)) if bound.is_integer() else repr(bound)


def bucket_rules(buckets: Buckets) -> list[Rule]:
    x, bounds = buckets.indicator, [numeral(b) for b in buckets.bounds]
    conditions = [f"{x} < {bounds[0]}"]
    conditions += [f"{x} >= {lo} AND {x} < {hi}" for lo, hi in pairwise(bounds)]
    conditions.append(f"{x} >= {bounds[-1]}")
    english: list[str | None] = (
        [*buckets.labels_en] if buckets.labels_en else [None] * len(buckets.labels)
    )
    return [
        Rule(when=when, value=label, value_en=label_en)
        for when, label, label_en in zip(conditions, buckets.labels, english, strict=True)
    ]


def rules_of(classification: Classification) -> list[Rule]:
    """A classification's rules in evaluation order, buckets expanded."""
    if classification.buckets is not None:
        return bucket_rules(classification.buckets)
    return list(classification.rules)

"""Behavioural risk preference (seed 002): quarterly clusters of what customers hold and how
they trade, scored 1 (highest risk preference) .. 5 (lowest) as five levels 最高 .. 最低.

Data flows down this package: `quarter` (the windows) -> `features` (DuckDB over the lake) ->
`model` (standardise, PCA, k-means, sub-models) -> `profile` (descriptions and scores) ->
`kept` (versioned files under the warehouse) -> `service` (what the CLI and bench call).
The pipeline never reads the generator's ground truth; only `evaluate` (the bench) does.
"""

from brokerlens.riskpref.quarter import Quarter, parse_quarter

LEVELS = ("最高", "较高", "中等", "较低", "最低")  # score 1 .. 5

__all__ = ["LEVELS", "Quarter", "parse_quarter"]

"""Churn early warning (issue 6 section 2): who is likely to leave within H trading days.

Data flows down this package: `config` (labels, target, model settings; churn.yaml) -> `data`
(DuckDB over the lake and the warehouse's customer_day: labels and point-in-time features,
`sql/`) -> `model` (LightGBM, time-based split, calibration, metrics) -> `reasons` (feature
contributions in words, zh and en) -> `store` (versioned models, scores per as-of date) ->
`service` (what the CLI, `brokerlens run`, the API and the bench call). The pipeline never
reads the generator's ground truth; only the bench's evaluation does.
"""

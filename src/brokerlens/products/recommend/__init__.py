"""Suitability-gated product recommendation (issue 16 section 3), both directions.

- `snapshot`: what the recommender reads of the lake as of a date (customers, the shelf, who
  bought and holds what), as arrays;
- `features`: the pair features (a collaborative-filtering score and content features);
- `model`: EASE over purchases and holdings blended with the content features by a logistic
  regression, fitted on past windows (labels: purchases in the next 20 trading days), kept per
  version;
- `score`: every customer scored against the shelf in chunks, the suitability gate
  (`recommend.gate`) applied after scoring, the top 10 kept with their reasons;
- `evaluate`: the time-split evaluation against popularity baselines and the generator's oracle.
"""

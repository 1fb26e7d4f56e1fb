"""The product centre (issue 16): product evaluation as of T and suitability-gated
recommendations, each a registered run step over the lake."""

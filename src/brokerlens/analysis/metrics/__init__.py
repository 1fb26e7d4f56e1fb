"""The metrics layer (issue 22 part 1): business metrics defined once (`metrics.yaml`, and an
installation's `<home>/metrics/metrics.yaml`), computed by the run step "business metrics" as
of T for the day, the month and the year to date and their comparison periods, per org unit
and staff member and cut by tier, open channel, customer type, age band and product type."""

from brokerlens.analysis.metrics.catalog import (
    BASE_COLUMNS,
    DIMENSIONS,
    Metric,
    Metrics,
    builtin_metrics,
    load_metrics,
)

__all__ = ["BASE_COLUMNS", "DIMENSIONS", "Metric", "Metrics", "builtin_metrics", "load_metrics"]

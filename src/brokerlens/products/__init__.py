"""The product centre (issue 16): product evaluation as of T and suitability-gated
recommendations, each a registered run step over the lake."""

# The leading columns of `product_metrics`, in order (the SQL may add more after them): what the
# product pages read and `brokerlens sql` shows. Ratios are decimals (0.05 = 5%).
METRIC_COLUMNS = (
    "as_of_date",
    "product_id",
    "product_type",
    "risk_level",
    "nav_date",
    "history_days",
    "return_1m",
    "return_3m",
    "return_6m",
    "return_1y",
    "return_ytd",
    "return_since_launch",
    "volatility_1y",
    "downside_deviation_1y",
    "max_drawdown",
    "drawdown_recovery_days",
    "sharpe_1y",
    "sortino_1y",
    "calmar_1y",
    "excess_return_1y",
    "tracking_error_1y",
    "type_rank",
    "type_count",
    "type_quartile",
    "stars",
)

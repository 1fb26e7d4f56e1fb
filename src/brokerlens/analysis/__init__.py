"""Business analysis (经营分析, issue 22): the metrics layer, the customer analyses and the
kept reports. Above the domains it reads (brokers, compliance, products, suitability ...),
below `publish` and `pipeline`, which runs its steps."""

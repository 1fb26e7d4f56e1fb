"""Brokers and their business (issue 19): the broker tree and the organisation over time, the
relationship ledger and handovers, income and commission sharing, KPI schemes, staff profiles
and broker risk monitoring. Each part is a sub-package with its own run step, SQL files and
store tables; `brokers.steps` registers their steps."""

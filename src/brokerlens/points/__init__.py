"""Customer points (积分, issue 23 section 1): earning rules over the daily facts, the run step
that awards them as of T, and the ledger's arithmetic (lots drawn oldest first, lapsing at their
expiry).

Rules: the shipped `rules.yaml` plus an installation's `<home>/points/rules.yaml` (one loader,
one check). `brokerlens run` writes `<warehouse>/points/awards/<T>.parquet` and its summary per
branch; redemptions, adjustments, the catalogue and orders live in the store
(`store/points_schema.py`) and are served by `brokerlens.access.points`.
"""

from brokerlens.points.errors import PointsRuleError
from brokerlens.points.fifo import Balance, Credit, Debit, expires_on, settle
from brokerlens.points.model import KINDS, PointsRule
from brokerlens.points.rules import RuleSet, load_rules, parse_rules

__all__ = [
    "KINDS",
    "Balance",
    "Credit",
    "Debit",
    "PointsRule",
    "PointsRuleError",
    "RuleSet",
    "expires_on",
    "load_rules",
    "parse_rules",
    "settle",
]

"""The batch report of current holdings above the holder's class, by branch."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from suitability_lake import T

from brokerlens.config import Settings
from brokerlens.suitability.lake import customer_facts, lake_connection
from brokerlens.suitability.questionnaire import shipped_definitions
from brokerlens.suitability.report import holdings_above_class
from brokerlens.suitability.rules import default_rules


def test_holdings_above_class_by_branch(suitability_lake: Settings) -> None:
    rules = default_rules()
    with lake_connection(suitability_lake) as conn:
        facts = customer_facts(conn, T, shipped_definitions())
        report = holdings_above_class(conn, T, facts, rules)
    listed = {(h.customer_id, h.item_id): h for h in report.holdings}
    # CMID (C4) holds R4 (fine) and R5 (above); CBAD (C3) holds R4; COLD (C5, expired) is within
    # its class; CPRO is professional; CLOW holds only R1
    assert set(listed) == {("CMID", "P_PRIV"), ("CBAD", "P_EQ")}
    assert listed["CMID", "P_PRIV"].reason == "C4 可匹配至 R4, 持有 R5"
    assert listed["CMID", "P_PRIV"].market_value == 1_000_000
    by_branch = {b.branch_id: (b.customers, b.holdings, b.market_value) for b in report.branches()}
    assert by_branch == {"B1": (1, 1, 1_000_000), "B2": (1, 1, 5_000)}


def test_the_reason_says_why_each_holding_is_listed(suitability_lake: Settings) -> None:
    """The words of the report's reason column (worked out by the report's SQL) for a holder
    whose assessment expired, one in the lowest category, and one without an assessment."""
    rules = default_rules()
    with lake_connection(suitability_lake) as conn:
        facts = customer_facts(conn, T, shipped_definitions())
        mid = facts["CMID"]
        assert mid.assessment is not None
        expired = replace(mid.assessment, expire_date=T - dt.timedelta(days=3))
        changed = {
            **facts,
            "CMID": replace(mid, assessment=expired),
            "CBAD": replace(facts["CBAD"], lowest_reasons=("年龄",)),
            "COLD": replace(facts["COLD"], assessment=None),
        }
        report = holdings_above_class(conn, T, changed, rules)
    reasons = {(h.customer_id, h.item_id): h.reason for h in report.holdings}
    day = T - dt.timedelta(days=3)
    assert reasons["CMID", "P_PRIV"] == f"C4 可匹配至 R4, 持有 R5 (测评已于 {day} 过期)"
    assert reasons["CBAD", "P_EQ"] == "C3 最低类别, 只可 R1, 持有 R4"
    unassessed = {r for (c, _), r in reasons.items() if c == "COLD"}
    assert unassessed and all(r.startswith("无风险测评, 持有 R") for r in unassessed)

"""The batch report of current holdings above the holder's class, by branch."""

from __future__ import annotations

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

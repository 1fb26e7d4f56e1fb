"""Re-scoring finds a planted disagreement and lists it; validity per customer and branch; the
shipped questionnaires re-score what the generator delivers."""

from __future__ import annotations

import datetime as dt

from suitability_lake import T

from brokerlens.config import Settings
from brokerlens.suitability.lake import lake_connection, resolve_as_of
from brokerlens.suitability.questionnaire import shipped_definitions
from brokerlens.suitability.rescore import add_months, rescore, rescore_row
from support.brokerage import Brokerage

DEFS = shipped_definitions()


def test_planted_disagreements_are_listed_not_fixed(suitability_lake: Settings) -> None:
    with lake_connection(suitability_lake) as conn:
        report = rescore(conn, T, DEFS)
    assert report.assessments == 8
    found = {(f.customer_id, f.kind): f for f in report.findings}
    assert set(found) == {
        ("CBAD", "score"),
        ("CBAD", "expire_date"),
        ("CLOW", "lowest_category"),
    }
    score = found["CBAD", "score"]
    assert (score.delivered, score.rescored, score.branch_id) == ("55", "40", "B2")
    assert found["CBAD", "expire_date"].rescored == "2026-06-03"
    assert (
        found["CLOW", "lowest_category"].detail
        == "最低类别 (只可购买 R1): q7=A 不能承受任何投资损失"
    )
    assert report.counts() == {"score": 1, "lowest_category": 1, "expire_date": 1}


def test_unknown_version_and_unscorable_answers_are_findings(suitability_lake: Settings) -> None:
    with lake_connection(suitability_lake) as conn:
        report = rescore(conn, T, {"V2021.2": DEFS["V2021.2"]})
    unknown = [f for f in report.findings if f.kind == "unknown_version"]
    assert len(unknown) == 6  # all but COLD and CSOON (V2021.2)
    assert unknown[0].detail == "无此问卷版本的定义 (已知: V2021.2)"
    bad = {
        "assessment_id": "Q9", "customer_id": "C9", "branch_id": "B1", "birth_date": None,
        "assess_date": T, "questionnaire_version": "V2024.1", "answers": '{"q1": "A"}',
        "score": 10.0, "risk_class": "C1", "horizon": "short", "expire_date": None,
    }  # fmt: skip
    (finding,) = rescore_row(bad, DEFS)
    assert (finding.kind, finding.detail) == ("unscorable", "question q2 (income) is not answered")


def test_validity_per_customer_and_branch(suitability_lake: Settings) -> None:
    with lake_connection(suitability_lake) as conn:
        report = rescore(conn, T, DEFS, expiring_days=30)
    state = {v.customer_id: v for v in report.validity}
    assert state["COLD"].state == "expired" and state["COLD"].days_left == -6
    assert state["CSOON"].state == "expiring" and state["CSOON"].days_left == 13
    assert state["CNONE"].state == "missing"
    assert state["CMID"].state == "valid"
    b2 = next(b for b in report.branches() if b.branch_id == "B2")
    assert (b2.customers, b2.valid, b2.expiring, b2.expired, b2.missing) == (4, 1, 1, 1, 1)
    with lake_connection(suitability_lake) as conn:
        narrow = rescore(conn, T, DEFS, expiring_days=10)
    assert {v.customer_id: v.state for v in narrow.validity}["CSOON"] == "valid"


def test_add_months_runs_past_the_month_end_like_the_source() -> None:
    assert add_months(dt.date(2024, 2, 29), 24) == dt.date(2026, 3, 1)
    assert add_months(dt.date(2024, 6, 3), 24) == dt.date(2026, 6, 3)


def test_shipped_questionnaires_rescore_the_generated_brokerage(small_brokerage: Brokerage) -> None:
    with lake_connection(small_brokerage.settings) as conn:
        report = rescore(conn, resolve_as_of(conn, None), DEFS)
    assert report.assessments > 500
    # scores, classes, horizons and expiry all agree; only the lowest category is the source's gap
    assert set(report.counts()) <= {"lowest_category"}
    assert all(f.delivered != "C1" for f in report.findings)

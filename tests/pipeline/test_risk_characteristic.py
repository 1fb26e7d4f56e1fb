"""The composite risk characteristic (issue 5 section 4) through `run_pipeline`, by hand.

The lake holds the 6 SSE trading days 2025-03-27 .. 2025-04-03; EARLY = 2025-03-28 (2025Q1 has
not ended), T = 2025-04-03 (2025Q1 ended on 03-31, 2025Q2 has not). Quarterly risk preference
levels are written by hand as riskpref stores them (`<warehouse>/riskpref/<quarter>/v<N>/`):
- 2024Q4 v1: everyone score 4 (较低, rank 2) - the newest model ended by EARLY;
- 2025Q1 v1: everyone score 3 (中等) - superseded by v2, never read;
- 2025Q1 v2: the levels below - the newest model ended by T;
- 2025Q2 v1: everyone score 1 (最高) - its quarter ends after T, never read.

Customers (risk assessments, the class valid while expire_date >= the as-of date):
- CAGG: C2, Q1 score 2 (较高, rank 4): gap 2 -> 行为激进于测评.
- CNEAR: C3, score 2: gap 1 -> 一致.  CCALM: C5, score 5 (最低, rank 1): gap -4 -> 一致.
- CNOLVL: C3, not scored by any model -> 无行为模型.
- CNOASM: no assessment, score 1 -> 无有效测评.
- CEXP: C1 expiring 2025-03-31, score 3: valid as of EARLY, expired as of T -> 无有效测评.
- CRENEW: C1 (2023-05-06) then C4 assessed and delivered on 2025-04-01; score 1 (最高, rank 5):
  as of T C4, gap 1 -> 一致; as of EARLY still C1 (and rank 2 of 2024Q4: gap 1).
- The lowest category (V2021.2: answer q7=A, or under 18 when assessed) is the regulatory class
  C1 whatever was delivered: CLOWQ (delivered C3, q7=A, score 2: gap 3 -> 行为激进于测评),
  CYOUNG (delivered C2, 17 on the assessment day, score 4: gap 1); CADULT (C2, 18 that very day,
  score 4: gap 0) and CNEAR (q7=B) are not in it.

Before any model is stored the pipeline still runs, and every customer gets 无行为模型 (that rule
is checked before the one for a missing assessment).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brokerlens.classify import explain
from brokerlens.config import Settings, load_settings
from brokerlens.ingest import ingest_inbox
from brokerlens.market.calendar import trading_days
from brokerlens.pipeline.run import run_pipeline
from brokerlens.suitability.questionnaire import shipped_definitions
from brokerlens.warehouse.layout import WarehouseLayout
from support.handbuilt import HandInbox, read_by_customer, row

DAYS = trading_days(dt.date(2025, 3, 27), dt.date(2025, 4, 3))
EARLY, T = dt.date(2025, 3, 28), DAYS[-1]
RENEWED = dt.date(2025, 4, 1)
CUSTOMERS = ["CAGG", "CNEAR", "CCALM", "CNOLVL", "CNOASM", "CEXP", "CRENEW"]
LOWEST = ["CLOWQ", "CYOUNG", "CADULT"]
Q1_SCORES = {"CAGG": 2, "CNEAR": 2, "CCALM": 5, "CNOASM": 1, "CEXP": 3, "CRENEW": 1}
Q1_SCORES |= {"CLOWQ": 2, "CYOUNG": 4, "CADULT": 4}
BIRTHS = {"CYOUNG": "2006-06-04", "CADULT": "2006-06-03"}


def _answers(q7: str) -> dict[str, str]:
    """A complete V2021.2 answer sheet (the last option of each question) with q7 given."""
    definition = shipped_definitions()["V2021.2"]
    return {q.id: q.options[-1].id for q in definition.questions} | {"q7": q7}


LEVELS = {1: "最高", 2: "较高", 3: "中等", 4: "较低", 5: "最低"}
AGGRESSIVE, SAME, NO_MODEL, NO_ASSESSMENT = "行为激进于测评", "一致", "无行为模型", "无有效测评"


def _assessment(
    aid: str, cid: str, day: str, klass: str, expire: str, answers: dict[str, str] | None = None
) -> dict[str, str]:
    return row(
        "risk_assessments",
        assessment_id=aid,
        customer_id=cid,
        assess_date=day,
        questionnaire_version="V2021.2",
        answers=json.dumps(answers or {}),
        score={"C1": 10, "C2": 30, "C3": 50, "C4": 70, "C5": 90}[klass],
        risk_class=klass,
        horizon="medium",
        varieties=json.dumps(["bond_fund"]),
        expire_date=expire,
    )


def build_inbox() -> HandInbox:
    box = HandInbox(DAYS)
    first = DAYS[0]
    box.add(
        first,
        "org_units",
        row("org_units", unit_id="HQ", unit_type="hq", name="总部", city="上海"),
        row("org_units", unit_id="B1", parent_id="HQ", unit_type="branch", name="营业部"),
    )
    customers = [
        row(
            "customers",
            customer_id=cid,
            name=cid,
            customer_type="individual",
            id_type="id_card",
            id_no=f"3101011990010100{i:02d}",
            branch_id="B1",
            open_date="2020-03-04",
            open_channel="app",
            investor_class="ordinary",
            status="normal",
            birth_date=BIRTHS.get(cid, "1980-01-02"),
        )
        for i, cid in enumerate(CUSTOMERS + LOWEST)
    ]
    box.add(first, "customers", *customers)
    box.add(
        first,
        "risk_assessments",
        _assessment("RA1", "CAGG", "2024-06-03", "C2", "2026-06-03"),
        _assessment("RA2", "CNEAR", "2024-06-03", "C3", "2026-06-03", _answers("B")),
        _assessment("RA3", "CCALM", "2024-06-03", "C5", "2026-06-03"),
        _assessment("RA4", "CNOLVL", "2024-06-03", "C3", "2026-06-03"),
        _assessment("RA5", "CEXP", "2023-03-31", "C1", "2025-03-31"),
        _assessment("RA6", "CRENEW", "2023-05-06", "C1", "2025-05-06"),
        _assessment("RA8", "CLOWQ", "2024-06-03", "C3", "2026-06-03", _answers("A")),
        _assessment("RA9", "CYOUNG", "2024-06-03", "C2", "2026-06-03", _answers("B")),
        _assessment("RA10", "CADULT", "2024-06-03", "C2", "2026-06-03", _answers("B")),
    )
    box.add(
        RENEWED, "risk_assessments", _assessment("RA7", "CRENEW", "2025-04-01", "C4", "2027-04-01")
    )
    for day in DAYS:
        for cid in CUSTOMERS + LOWEST:
            box.assets(day, cid, cash=10_000)
    return box


def write_levels(settings: Settings, quarter: str, version: int, scores: dict[str, int]) -> None:
    """A levels.parquet as riskpref's store writes it (the columns the pipeline reads, and more)."""
    folder = settings.warehouse_dir / "riskpref" / quarter / f"v{version}"
    folder.mkdir(parents=True)
    ids = sorted(scores)
    table = pa.table(
        {
            "customer_id": pa.array(ids, pa.string()),
            "quarter": pa.array([quarter] * len(ids), pa.string()),
            "version": pa.array([version] * len(ids), pa.int32()),
            "score": pa.array([scores[c] for c in ids], pa.int32()),
            "level": pa.array([LEVELS[scores[c]] for c in ids], pa.string()),
        }
    )
    pq.write_table(table, folder / "levels.parquet")
    (folder / "model.json").write_text("{}", "utf-8")


@dataclass
class Runs:
    settings: Settings
    no_model: dict[str, dict[str, Any]]  # profile as of T before any model is stored
    early: dict[str, dict[str, Any]]  # profile as of EARLY, with the models
    late: dict[str, dict[str, Any]]  # profile as of T, with the models


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("risk_characteristic")
    settings = load_settings(home=root / "home")
    report = ingest_inbox(settings, build_inbox().write(root / "inbox"))
    assert report.exit_code == 0, [x.reason for x in report.dates if x.reason]
    store = WarehouseLayout(settings.warehouse_dir)
    run_pipeline(settings, as_of=T)
    no_model = read_by_customer(store.profile_file(T))
    write_levels(settings, "2024Q4", 1, dict.fromkeys(CUSTOMERS[:3] + CUSTOMERS[4:], 4))
    write_levels(settings, "2025Q1", 1, dict.fromkeys(Q1_SCORES, 3))
    write_levels(settings, "2025Q1", 2, Q1_SCORES)
    write_levels(settings, "2025Q2", 1, dict.fromkeys(CUSTOMERS, 1))
    run_pipeline(settings, as_of=EARLY)
    run_pipeline(settings, as_of=T)
    return Runs(
        settings,
        no_model,
        read_by_customer(store.profile_file(EARLY)),
        read_by_customer(store.profile_file(T)),
    )


def _values(row: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("regulatory_class", "regulatory_class_rank", "behaviour_level", "behaviour_risk_rank")
    return (*(row[k] for k in keys), row["behaviour_level_gap"], row["risk_mismatch"])


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        ("CAGG", ("C2", 2, "较高", 4, 2, AGGRESSIVE)),
        ("CNEAR", ("C3", 3, "较高", 4, 1, SAME)),
        ("CCALM", ("C5", 5, "最低", 1, -4, SAME)),
        ("CNOLVL", ("C3", 3, None, None, None, NO_MODEL)),
        ("CNOASM", (None, None, "最高", 5, None, NO_ASSESSMENT)),
        ("CEXP", (None, None, "中等", 3, None, NO_ASSESSMENT)),
        ("CRENEW", ("C4", 4, "最高", 5, 1, SAME)),
    ],
)
def test_as_of_t_the_newest_model_of_an_ended_quarter(
    runs: Runs, customer: str, expected: tuple[Any, ...]
) -> None:
    assert _values(runs.late[customer]) == expected


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        ("CAGG", ("C2", 2, "较低", 2, 0, SAME)),
        ("CNOLVL", ("C3", 3, None, None, None, NO_MODEL)),
        ("CEXP", ("C1", 1, "较低", 2, 1, SAME)),  # not yet expired on EARLY
        ("CRENEW", ("C1", 1, "较低", 2, 1, SAME)),  # the C4 assessment comes later
    ],
)
def test_a_quarter_ending_after_the_as_of_date_is_never_used(
    runs: Runs, customer: str, expected: tuple[Any, ...]
) -> None:
    assert _values(runs.early[customer]) == expected


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        ("CLOWQ", ("C1", 1, 1, 3, AGGRESSIVE)),
        ("CYOUNG", ("C1", 1, 1, 1, SAME)),
        ("CADULT", ("C2", 2, 0, 0, SAME)),
        ("CNEAR", ("C3", 3, 0, 1, SAME)),
        ("CNOASM", (None, None, None, None, NO_ASSESSMENT)),
    ],
)
def test_the_lowest_category_is_c1(runs: Runs, customer: str, expected: tuple[Any, ...]) -> None:
    got = runs.late[customer]
    keys = (
        "regulatory_class",
        "regulatory_class_rank",
        "regulatory_lowest_category",
        "behaviour_level_gap",
    )
    assert (*(got[k] for k in keys), got["risk_mismatch"]) == expected


def test_the_lowest_category_agrees_with_suitability(runs: Runs) -> None:
    from brokerlens.suitability.lake import customer_facts, lake_connection

    with lake_connection(runs.settings) as conn:
        facts = customer_facts(conn, T, shipped_definitions())
    for customer, got in runs.late.items():
        if got["regulatory_class"] is not None:
            assert got["regulatory_lowest_category"] == bool(facts[customer].lowest_reasons), (
                customer
            )


def test_without_any_stored_model_the_pipeline_runs_and_says_so(runs: Runs) -> None:
    assert set(runs.no_model) == set(CUSTOMERS + LOWEST)
    for customer, got in runs.no_model.items():
        assert got["behaviour_level"] is None and got["behaviour_risk_rank"] is None, customer
        assert got["risk_mismatch"] == NO_MODEL, customer
    assert runs.no_model["CAGG"]["regulatory_class_rank"] == 2


def test_why_explains_the_mismatch(runs: Runs) -> None:
    [why] = explain(runs.settings, "CAGG", "risk_mismatch", T)
    assert (why.value, why.matched_rule) == (AGGRESSIVE, 1)
    assert "behaviour_level_gap = 2 >= 2 ✓" in why.render()
    [why] = explain(runs.settings, "CNOLVL", "risk_mismatch", T)
    assert (why.value, why.matched_rule) == (NO_MODEL, 2)


def test_the_model_is_chosen_by_quarter_end_then_version(runs: Runs, tmp_path: Path) -> None:
    from brokerlens.riskpref.levels import levels_file_as_of

    root = runs.settings.warehouse_dir
    warehouse = WarehouseLayout(root)
    assert levels_file_as_of(warehouse, dt.date(2024, 12, 30)) is None
    assert levels_file_as_of(warehouse, dt.date(2024, 12, 31)) == (
        root / "riskpref" / "2024Q4" / "v1" / "levels.parquet"
    )
    assert levels_file_as_of(warehouse, T) == root / "riskpref/2025Q1/v2/levels.parquet"
    assert levels_file_as_of(WarehouseLayout(tmp_path), T) is None


def test_published_and_filtered_by_the_list(runs: Runs, tmp_path: Path) -> None:
    from brokerlens.access import Condition, CustomerQuery, list_customers, served_snapshot
    from brokerlens.access.snapshot import clear_cache
    from brokerlens.auth.principal import Principal, Role
    from brokerlens.publish import publish
    from brokerlens.store import dispose_engines, open_store

    settings = load_settings(
        home=runs.settings.home, database_url=f"sqlite:///{tmp_path / 'store.db'}"
    )
    publish(settings, as_of=T)
    clear_cache()
    try:
        db = open_store(settings)
        kinds = {c.name: c.kind for c in served_snapshot(db).columns}
        assert kinds["risk_mismatch"] == "classification"
        assert kinds["behaviour_level_gap"] == "indicator"
        hq = Principal(1, "hq", "HQ", Role.HQ_MARKETING)
        flagged = Condition(field="risk_mismatch", op="eq", value=AGGRESSIVE)
        page = list_customers(db, hq, CustomerQuery(conditions=[flagged]))
        assert [r["customer_id"] for r in page.rows] == ["CAGG", "CLOWQ"]
    finally:
        clear_cache()
        dispose_engines()

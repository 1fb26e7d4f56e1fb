"""The KPI metric `training_completion` (issue 23): the "kpi scores" step reads the store's
required training assignments and scores each staff member on the share of the courses and
exams due by the period's end that they completed or passed by then; a team lead on their team's;
the drill-down's rows are the items, linked to their pages."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from brokerlens.access.training import (
    CourseInput,
    complete_course,
    create_course,
    set_course_status,
)
from brokerlens.access.training_attempts import start_attempt, submit_attempt
from brokerlens.access.training_bank import create_question
from brokerlens.access.training_exams import ExamInput, create_exam, set_exam_status
from brokerlens.auth.principal import Principal, Role
from brokerlens.brokers.training.questions import QuestionInput
from brokerlens.config import Settings, load_settings
from brokerlens.pipeline.single import run_single_step
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.schema import staff
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.query import run_query
from support.brokerage import Brokerage

MONTH = dt.date(2025, 3, 1)
WHEN = dt.datetime(2025, 3, 10, 2, 0, tzinfo=dt.UTC)
HQ = Principal(user_id=1, username="hq", display_name="总部", role=Role.HQ_MARKETING)


def _broker(staff_id: str) -> Principal:
    return Principal(user_id=2, username=staff_id, display_name="经纪人", role=Role.BROKER,
                     staff_id=staff_id)  # fmt: skip


@pytest.fixture(scope="module")
def team(
    small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, list[str], str]:
    """The small brokerage scored with one team's required training in the store: one broker
    passed the exam and studied the course, one only studied the course, the rest nothing."""
    home = tmp_path_factory.mktemp("training_kpi") / "home"
    shutil.copytree(small_brokerage.settings.home, home)
    settings = load_settings(home=home)
    for step in ("customer_day", "relationship ledger"):
        run_single_step(settings, step)
    found = run_query(settings, "SELECT staff_id, name, unit_id, position, manager_id FROM staff")
    staff_rows = [dict(zip(found.columns, row, strict=True)) for row in found.rows]
    db = open_store(settings)
    with db.begin() as connection:  # the organisation as a publish would put it
        connection.execute(staff.insert(), [
            {k: r[k] for k in ("staff_id", "name", "unit_id", "position", "manager_id")}
            for r in staff_rows
        ])  # fmt: skip
    teams: dict[str, list[str]] = {}
    for r in staff_rows:
        if r["position"] == "broker":
            teams.setdefault(r["unit_id"], []).append(r["staff_id"])
    lead = min(  # the lead of the biggest team (at least two brokers)
        (r for r in staff_rows if r["position"] == "team_lead"),
        key=lambda r: (-len(teams.get(r["unit_id"], [])), r["staff_id"]),
    )
    members = sorted(teams[lead["unit_id"]])
    assert len(members) >= 2, teams
    question = create_question(
        db, HQ, QuestionInput("true_false", "必修题", "合规", "对"), now=WHEN
    )
    entry = ExamInput("必修考试", question_ids=[question.question_id], required=True,
                      audience_positions=["broker"])  # fmt: skip
    exam = create_exam(db, HQ, entry, now=WHEN)
    set_exam_status(db, HQ, exam.exam_id, "published", now=WHEN)
    course = create_course(db, HQ, CourseInput("必修课程", required=True,
                           audience_positions=["broker"]), now=WHEN)  # fmt: skip
    set_course_status(db, HQ, course.course_id, "published", now=WHEN)
    first, second = _broker(members[0]), _broker(members[1])
    attempt = start_attempt(db, first, exam.exam_id, now=WHEN)
    submit_attempt(db, first, attempt.attempt_id, {str(question.question_id): ["T"]}, now=WHEN)
    for who in (first, second):
        complete_course(db, who, course.course_id, now=WHEN)
    dispose_engines()
    run_single_step(settings, "kpi scores")
    return settings, members, str(lead["staff_id"])


def test_each_broker_is_scored_on_the_training_they_finished(
    team: tuple[Settings, list[str], str],
) -> None:
    settings, members, lead = team
    values = {
        r["staff_id"]: r["value"]
        for r in pq.read_table(
            WarehouseLayout(settings.warehouse_dir).kpi_values_file(MONTH)
        ).to_pylist()
        if r["metric"] == "training_completion"
    }
    assert values[members[0]] == Decimal(1)  # both items done
    assert values[members[1]] == Decimal("0.5")  # the course only
    assert all(values[m] == 0 for m in members[2:])
    # the team lead (no training of their own) is scored on the team's: 3 of 2 x n
    assert values[lead] == (Decimal(3) / Decimal(2 * len(members))).quantize(Decimal("0.000001"))
    others = [v for s, v in values.items() if s not in members and s != lead]
    assert others and all(v is None or v == 0 for v in others)  # advisors: no item; brokers: 0


def test_the_drill_down_lists_the_items_not_customers(
    team: tuple[Settings, list[str], str],
) -> None:
    from brokerlens.access.kpi import metric_customers

    settings, members, _ = team
    db = open_store(settings)
    drill = metric_customers(db, settings, HQ, members[1], "training_completion", month=MONTH)
    assert sorted((r.customer_id.split(":")[0], r.credited) for r in drill.rows) == [
        ("course", 1),
        ("exam", 0),
    ]
    assert drill.hidden == 0 and drill.value == Decimal("0.5")
    dispose_engines()

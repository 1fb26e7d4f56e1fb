"""Training and exams through the service layer on the hand-built store (tests/access/
builders.py), on SQLite and PostgreSQL: a broker takes a published exam and it is graded,
passing completes its course and issues a certificate; the time limit (late submissions graded
on what was saved by the deadline, attempts never submitted closed as at the limit); random
papers reproducible by seed; managers limited to their units; results, figures and lapses cut
to the reader's staff scope; every change audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access.training import (
    CourseInput,
    MaterialInput,
    complete_course,
    create_course,
    get_course,
    my_training,
    set_course_status,
    update_course,
)
from brokerlens.access.training_attempts import (
    GRACE,
    get_attempt,
    save_answers,
    start_attempt,
    submit_attempt,
)
from brokerlens.access.training_bank import create_question, import_questions, update_question
from brokerlens.access.training_exams import (
    ExamInput,
    create_exam,
    paper_for,
    set_exam_status,
    update_exam,
)
from brokerlens.access.training_reach import TrainingRejected
from brokerlens.access.training_results import (
    completion_figures,
    exam_results,
    qualification_lapses,
)
from brokerlens.brokers.training.assembly import BankTooSmall, DrawRule
from brokerlens.brokers.training.questions import QuestionInput
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.store.schema import audit_log, staff
from brokerlens.store.training_schema import training_attempts, training_exams

T0 = dt.datetime(2025, 3, 14, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing


def _questions(world: World) -> list[int]:
    hq = world.who("hq")
    made = [
        create_question(
            world.engine,
            hq,
            QuestionInput("single", "客户风险等级 C1 可买的最高产品等级？", "合规", "A",
                          ["R1", "R2", "R3"]),
            now=T0,
        ),
        create_question(
            world.engine,
            hq,
            QuestionInput("multiple", "适当性管理包括？", "合规", "AB", ["了解客户", "了解产品",
                          "承诺收益"]),
            now=T0,
        ),
        create_question(
            world.engine, hq, QuestionInput("true_false", "可以代客理财。", "合规", "错"), now=T0
        ),
    ]  # fmt: skip
    return [q.question_id for q in made]


def _published_exam(world: World, ids: list[int], **more: Any) -> int:
    hq = world.who("hq")
    entry = ExamInput(
        title="合规年度考试",
        question_ids=ids,
        time_limit_minutes=20,
        pass_mark=60,
        certificate_name="合规培训合格证",
        certificate_months=12,
        **more,
    )
    exam = create_exam(world.engine, hq, entry, now=T0)
    set_exam_status(world.engine, hq, exam.exam_id, "published", now=T0)
    return exam.exam_id


def _actions(world: World, username: str) -> list[str]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log.c.action)
                .where(audit_log.c.username == username)
                .order_by(audit_log.c.audit_id)
            ).scalars()
        )


def test_a_broker_takes_an_exam_and_passing_completes_the_course_and_certifies(
    world: World,
) -> None:
    hq, broker = world.who("hq"), world.who("broker")
    ids = _questions(world)
    exam_id = _published_exam(world, ids, max_attempts=2)
    course = create_course(
        world.engine,
        hq,
        CourseInput(
            "适当性管理培训",
            audience_positions=["broker", "team_lead"],
            required=True,
            exam_id=exam_id,
            materials=[
                MaterialInput("text", "要点", body="了解客户、了解产品、适当匹配"),
                MaterialInput("link", "监管原文", url="https://www.csrc.gov.cn/"),
                MaterialInput("article", "知识库：适当性", article_id=42),
            ],
        ),
        now=T0,
    )
    set_course_status(world.engine, hq, course.course_id, "published", now=T0)
    seen = get_course(world.engine, broker, course.course_id, now=T0)
    assert [x.href for x in seen.materials] == [None, "https://www.csrc.gov.cn/", "/kb/articles/42"]
    with pytest.raises(Conflict, match="passing its exam"):
        complete_course(world.engine, broker, course.course_id, now=T0)
    with pytest.raises(NotFound):  # an advisor is not in the course's audience
        get_course(world.engine, world.who("advisor"), course.course_id, now=T0)

    attempt = start_attempt(world.engine, broker, exam_id, now=T0)
    assert attempt.open and attempt.seconds_left == 20 * 60 and attempt.max_score == 3
    assert all(q.right is None and not q.shown for q in attempt.questions)
    again = start_attempt(world.engine, broker, exam_id, now=T0 + dt.timedelta(minutes=1))
    assert again.attempt_id == attempt.attempt_id  # the open attempt is given back
    one, two, three = (str(i) for i in ids)
    # the multiple choice half right: all-or-nothing, 2 of 3 = 66.67% passes the 60% mark
    answers = {one: ["A"], two: ["A"], three: ["F"]}
    done = submit_attempt(
        world.engine, broker, attempt.attempt_id, answers, now=T0 + dt.timedelta(minutes=5)
    )
    assert (done.status, done.score, done.passed, str(done.percent)) == (
        "submitted",
        2,
        True,
        "66.67",
    )
    assert [q.right for q in done.questions] == [True, False, True]
    assert all(q.shown for q in done.questions)  # passed: the answers are shown
    assert done.certificate is not None and done.certificate.name == "合规培训合格证"
    assert (done.certificate.issued_on, done.certificate.expires_on) == (
        dt.date(2025, 3, 14),
        dt.date(2026, 3, 14),
    )
    with pytest.raises(Conflict):
        submit_attempt(world.engine, broker, attempt.attempt_id, answers, now=T0)
    mine = my_training(world.engine, broker, now=T0 + dt.timedelta(minutes=6))
    assert [c.completed_at is not None for c in mine.courses] == [True]
    (exam,) = mine.exams
    assert (exam.attempts, exam.attempts_left, exam.passed, exam.best_score) == (1, 1, True, 2)
    assert [c.name for c in mine.certificates] == ["合规培训合格证"]
    assert _actions(world, "broker") == ["training_exam_start", "training_exam_submit"]
    assert _actions(world, "hq")[:4] == ["training_question_create"] * 3 + ["training_exam_create"]
    later = create_course(world.engine, hq, CourseInput("补充课程", exam_id=exam_id), now=T0)
    set_course_status(world.engine, hq, later.course_id, "published", now=T0)
    assert get_course(world.engine, broker, later.course_id, now=T0).completed_at is not None
    with pytest.raises(NotFound):  # another broker cannot read it
        get_attempt(world.engine, world.who("broker2"), attempt.attempt_id, now=T0)
    seen = get_attempt(world.engine, world.who("branch"), attempt.attempt_id, now=T0)
    assert seen.questions[1].chosen == ("A",) and seen.questions[1].question.answer == ("A", "B")


def test_the_time_limit_grades_late_and_forgotten_attempts_as_at_the_limit(world: World) -> None:
    broker, broker2 = world.who("broker"), world.who("broker2")
    ids = _questions(world)
    exam_id = _published_exam(world, ids)
    one, two, three = (str(i) for i in ids)
    attempt = start_attempt(world.engine, broker, exam_id, now=T0)
    deadline = T0 + dt.timedelta(minutes=20)
    save_answers(
        world.engine,
        broker,
        attempt.attempt_id,
        {one: ["A"]},
        now=deadline - dt.timedelta(minutes=1),
    )
    # all right, but arriving after the limit and its grace: graded on what was saved then
    late = submit_attempt(
        world.engine, broker, attempt.attempt_id, {one: ["A"], two: ["A", "B"], three: ["F"]},
        now=deadline + GRACE + dt.timedelta(seconds=1),
    )  # fmt: skip
    assert (late.status, late.score, late.passed) == ("late", 1, False)
    assert late.certificate is None
    # within the grace the answers it carries count
    other = start_attempt(world.engine, broker2, exam_id, now=T0)
    with pytest.raises(TrainingRejected, match="answers"):
        save_answers(world.engine, broker2, other.attempt_id, {"999999": ["A"]}, now=T0)
    in_time = submit_attempt(
        world.engine, broker2, other.attempt_id, {one: ["A"], two: ["B", "A"], three: ["F"]},
        now=deadline + GRACE,
    )  # fmt: skip
    assert (in_time.status, in_time.score, in_time.passed) == ("submitted", 3, True)
    # never submitted: closed when next read, on the answers saved by the deadline
    lead = world.who("lead")
    forgot = start_attempt(world.engine, lead, exam_id, now=T0)
    save_answers(world.engine, lead, forgot.attempt_id, {one: ["A"], three: ["F"]}, now=T0)
    with pytest.raises(Conflict, match="time limit"):
        save_answers(
            world.engine,
            lead,
            forgot.attempt_id,
            {two: ["A", "B"]},
            now=deadline + dt.timedelta(hours=1),
        )
    mine = my_training(world.engine, lead, now=deadline + dt.timedelta(hours=2))
    assert mine.exams[0].passed and mine.exams[0].best_score == 2
    with world.engine.connect() as connection:
        row = (
            connection.execute(
                sa.select(training_attempts).where(
                    training_attempts.c.attempt_id == forgot.attempt_id
                )
            )
            .mappings()
            .one()
        )
    assert row["status"] == "timeout" and row["score"] == 2
    assert "training_exam_timeout" in _actions(world, "lead")


def test_a_random_paper_is_drawn_by_the_attempt_s_seed(world: World) -> None:
    hq, broker = world.who("hq"), world.who("broker")
    text = "kind,category,stem,A,B,answer\n" + "".join(
        f"single,{'合规' if n % 2 else '产品'},第{n}题,对,错,A\n" for n in range(1, 21)
    )
    imported = import_questions(world.engine, hq, text.encode(), "bank.csv", now=T0)
    assert imported.count == 20 and imported.categories == {"合规": 10, "产品": 10}
    entry = ExamInput(
        title="随机抽题", mode="random", draw=[DrawRule("合规", 4), DrawRule("产品", 2)]
    )
    exam = create_exam(world.engine, hq, entry, now=T0)
    with pytest.raises(BankTooSmall):
        update = dataclasses.replace(entry, draw=[DrawRule("产品", 11)])
        set_exam_status(
            world.engine,
            hq,
            update_exam(world.engine, hq, exam.exam_id, update).exam_id,
            "published",
        )
    update_exam(world.engine, hq, exam.exam_id, entry)
    set_exam_status(world.engine, hq, exam.exam_id, "published", now=T0)
    attempt = start_attempt(world.engine, broker, exam.exam_id, now=T0)
    drawn = [q.question.question_id for q in attempt.questions]
    assert (
        len(drawn) == 6
        and [q.question.category for q in attempt.questions] == ["合规"] * 4 + ["产品"] * 2
    )
    with world.engine.connect() as connection:
        exam_row = (
            connection.execute(
                sa.select(training_exams).where(training_exams.c.exam_id == exam.exam_id)
            )
            .mappings()
            .one()
        )
        again = [q.question_id for q in paper_for(connection, exam_row, attempt.seed)]
        other = [q.question_id for q in paper_for(connection, exam_row, attempt.seed + 1)]
    assert again == drawn and other != drawn
    with pytest.raises(Conflict, match="has been sat"):
        update_exam(world.engine, hq, exam.exam_id, entry)


def test_managers_manage_their_units_only(world: World) -> None:
    branch, hq = world.who("branch"), world.who("hq")
    own = create_course(
        world.engine, branch, CourseInput("营业部晨会", audience_unit_id="T1"), now=T0
    )
    assert own.owner_unit_id == "B1"
    with pytest.raises(TrainingRejected) as refused:
        create_course(world.engine, branch, CourseInput("越权", audience_unit_id="B3"), now=T0)
    assert refused.value.field == "audience_unit_id"
    with pytest.raises(TrainingRejected):  # the whole brokerage is head office's to address
        create_course(world.engine, branch, CourseInput("全公司"), now=T0)
    theirs = create_course(world.engine, hq, CourseInput("总部课程"), now=T0)
    with pytest.raises(Forbidden, match="head office"):
        update_course(world.engine, branch, theirs.course_id, CourseInput("改名"), now=T0)
    update_course(world.engine, hq, own.course_id, CourseInput("总部可改", audience_unit_id="B1"))
    with pytest.raises(Forbidden, match="manage_training"):
        create_course(world.engine, world.who("broker"), CourseInput("经纪人"), now=T0)
    question = create_question(
        world.engine, hq, QuestionInput("true_false", "总部题目", "合规", "对"), now=T0
    )
    with pytest.raises(Forbidden):
        update_question(world.engine, branch, question.question_id, active=False)
    with pytest.raises(TrainingRejected) as bad:
        create_course(
            world.engine, hq,
            CourseInput("链接", materials=[MaterialInput("link", "x", url="javascript:alert(1)")]),
        )  # fmt: skip
    assert bad.value.field == "materials"


def test_results_figures_and_lapses_follow_the_staff_scope(world: World) -> None:
    hq = world.who("hq")
    ids = _questions(world)
    exam_id = _published_exam(world, ids, required=True, audience_positions=["broker"])
    for who, answers in (("broker", ["A"]), ("broker2", ["B"])):
        attempt = start_attempt(world.engine, world.who(who), exam_id, now=T0)
        submit_attempt(world.engine, world.who(who), attempt.attempt_id, {str(ids[0]): answers,
                       str(ids[2]): ["F"]}, now=T0 + dt.timedelta(minutes=3))  # fmt: skip
    everyone = {r.staff_id: r for r in exam_results(world.engine, hq, exam_id=exam_id, now=T0)}
    assert set(everyone) == {"S1", "S2", "S3", "S4"}  # the brokers, sat or not
    assert (everyone["S1"].passed, everyone["S2"].passed, everyone["S3"].attempts) == (
        True,
        False,
        0,
    )
    branch = exam_results(world.engine, world.who("branch"), exam_id=exam_id, now=T0)
    assert {r.staff_id for r in branch} == {"S1", "S2", "S3"}  # S4 is in another branch
    assert {r.staff_id for r in exam_results(world.engine, world.who("region2"), now=T0)} == {"S4"}
    assert {r.staff_id for r in exam_results(world.engine, world.who("broker2"), now=T0)} == {"S2"}
    with pytest.raises(Forbidden):
        exam_results(world.engine, world.who("admin"), now=T0)
    figures = completion_figures(world.engine, hq, level="branch", now=T0)
    by_unit = {r.unit_id: r for r in figures.rows}
    b1 = by_unit["B1"]
    assert (b1.exams_assigned, b1.exams_sat, b1.exams_passed) == (3, 2, 1)
    assert str(b1.pass_rate) == "0.5000" and str(b1.exam_completion) == "0.3333"
    teams = completion_figures(world.engine, world.who("branch"), level="team", now=T0)
    assert [r.unit_id for r in teams.rows] == ["T1", "T2"]
    assert "training_results_view" in _actions(world, "branch")

    # lapses: nobody in the hand-built feed has a SAC number; give two of them one
    with world.engine.begin() as connection:
        connection.execute(
            staff.update().where(staff.c.staff_id.in_(["S2", "L1"])).values(sac_cert_no="S1234")
        )
    report = qualification_lapses(world.engine, world.who("branch"), now=T0)
    no_cert = {r.staff_id for r in report.rows if r.reason == "no_sac_cert"}
    assert no_cert == {"S1", "A1", "S3"}
    # S1's certificate (12 months) expires within 30 days a year on; expired a day after
    later = T0 + dt.timedelta(days=340)
    soon = [r for r in qualification_lapses(world.engine, hq, now=later).rows if r.certificate]
    assert [(r.staff_id, r.reason, r.days_left) for r in soon] == [("S1", "cert_expiring", 25)]
    gone = qualification_lapses(world.engine, hq, now=T0 + dt.timedelta(days=366)).rows
    assert [(r.staff_id, r.reason) for r in gone if r.certificate] == [("S1", "cert_expired")]
    assert {
        r.staff_id for r in qualification_lapses(world.engine, world.who("region2"), now=T0).rows
    } == {"S4"}

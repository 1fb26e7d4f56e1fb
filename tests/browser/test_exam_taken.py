"""An exam taken in a real browser (issue 23 section 3): head office has published an exam of
three questions (single, multiple, true/false) granting a certificate; the broker opens 培训考试
from the navigation, starts the exam, sees the countdown run, answers (each answer saved as it
is given), hands in and sees the paper graded, passed, with the certificate. A second exam whose
time runs out submits itself at zero and is graded on the answers given."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from brokerlens.access.training_bank import create_question
from brokerlens.access.training_exams import ExamInput, create_exam, set_exam_status
from brokerlens.auth.principal import Role
from brokerlens.auth.users import get_user, principal_of
from brokerlens.brokers.training.questions import QuestionInput
from brokerlens.config import load_settings
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.training_schema import training_attempts
from browser.test_workbench import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTIONS = [
    QuestionInput("single", "浏览器题一：C1 可买的最高等级？", "浏览器", "A", ["R1", "R3", "R5"]),
    QuestionInput("multiple", "浏览器题二：适当性管理包括？", "浏览器", "AB",
                  ["了解客户", "了解产品", "承诺收益"]),
    QuestionInput("true_false", "浏览器题三：可以替客户保管交易密码。", "浏览器", "错"),
]  # fmt: skip


def _exams(served: Any) -> tuple[int, int]:
    """Two published exams of the same three questions: a 15-minute one and a 1-minute one."""
    db = open_store(load_settings(home=served.home))
    hq = principal_of(get_user(db, served.users[str(Role.HQ_MARKETING)][0]))
    ids = [create_question(db, hq, q).question_id for q in QUESTIONS]
    made = []
    for title, minutes in (("浏览器合规考试", 15), ("浏览器限时考试", 1)):
        entry = ExamInput(title, question_ids=ids, time_limit_minutes=minutes, pass_mark=60,
                          certificate_name="浏览器合规证书", certificate_months=12)  # fmt: skip
        exam = create_exam(db, hq, entry)
        set_exam_status(db, hq, exam.exam_id, "published")
        made.append(exam.exam_id)
    dispose_engines()
    return made[0], made[1]


def _answer(page: Any) -> None:
    questions = page.locator(".tr-question")
    questions.nth(0).locator("input[value=A]").check()
    questions.nth(1).locator("input[value=A]").check()
    questions.nth(1).locator("input[value=B]").check()
    questions.nth(2).locator("input[value=F]").check()


def test_a_broker_takes_an_exam_and_sees_it_graded(page: Any, served: Any) -> None:
    exam_id, timed_id = _exams(served)
    sign_in(page, served, Role.BROKER)
    page.click("#nav-training")
    page.wait_for_url(re.compile(r".*/training$"))
    row = page.locator(f"#tr-exams tr[data-exam='{exam_id}']")
    assert "浏览器合规考试" in row.inner_text() and "未参加" in row.inner_text()
    row.locator("a.btn").click()
    page.wait_for_url(re.compile(rf".*/training/exams/{exam_id}$"))
    page.click("#tr-start")
    page.wait_for_url(re.compile(r".*/training/attempts/\d+$"))
    clock = page.locator("#tr-countdown")
    first = clock.inner_text()
    assert re.fullmatch(r"1[45]:\d\d", first), first
    expect(clock).not_to_have_text(first)  # it runs
    _answer(page)
    page.locator("#tr-saved").wait_for()  # the answers were saved as they were given
    page.click("#tr-submit")
    page.wait_for_selector("#tr-result")
    assert page.get_attribute("#tr-result", "data-passed") == "true"
    assert page.inner_text("#tr-verdict") == "已通过"
    assert page.inner_text("#tr-score") == "3 / 3"
    assert "浏览器合规证书" in page.inner_text("#tr-certificate")
    assert page.locator("#tr-review [data-right=true]").count() == 3
    page.click("text=返回培训考试")
    row = page.locator(f"#tr-exams tr[data-exam='{exam_id}']")
    assert "已通过" in row.inner_text()
    assert "浏览器合规证书" in page.inner_text("#my-certificates")

    # the time runs out: the page hands the paper in by itself
    page.goto(f"{served.base_url}/training/exams/{timed_id}")
    page.click("#tr-start")
    page.wait_for_url(re.compile(r".*/training/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    page.locator(".tr-question").nth(0).locator("input[value=A]").check()
    page.locator("#tr-saved").wait_for()
    db = open_store(load_settings(home=served.home))
    with db.begin() as connection:  # three seconds left
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
        connection.execute(
            sa.update(training_attempts)
            .where(training_attempts.c.attempt_id == attempt_id)
            .values(deadline_at=soon)
        )
    dispose_engines()
    page.reload()
    assert page.locator(".tr-question").nth(0).locator("input[value=A]").is_checked()
    page.wait_for_selector("#tr-result", timeout=15000)
    assert page.get_attribute("#tr-result", "data-status") == "submitted"
    assert page.inner_text("#tr-score") == "1 / 3"
    assert page.inner_text("#tr-verdict") == "未通过"

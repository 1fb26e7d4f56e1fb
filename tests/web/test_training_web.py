"""培训考试 over the published small brokerage (issue 23 section 3): head office builds a bank
(one question at a time and from a CSV file, a bad line named), an exam and a course; a broker
sees them on /training, takes the exam through the API and the pages, and is graded; results
and lapses follow the staff scope; every page reads in Chinese; bad input is a 4xx naming the
field, never a 500."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

from brokerlens.store import dispose_engines, open_store
from brokerlens.store.schema import audit_log, staff, users
from support.page_text import problems
from web.conftest import Published, SignedIn

CSV = (
    "题型,分类,难度,题干,A,B,C,答案,解析\n"
    "单选,网页测试,易,开立融资融券账户前须满足的资产要求是？,五十万元,十万元,一万元,A,\n"
    "多选,网页测试,中,适当性匹配需了解客户的哪些情况？,风险承受能力,投资期限,籍贯,AB,\n"
    "判断,网页测试,难,营业部员工可以向客户承诺收益。,,,,错,禁止承诺收益\n"
)


@pytest.fixture(scope="module")
def signed(published: Published) -> Iterator[Callable[[str], SignedIn]]:
    """One signed-in client per role for the whole module (a sign-in costs an argon2 hash)."""
    from brokerlens.web.app import create_app

    made: dict[str, SignedIn] = {}
    clients: list[TestClient] = []

    def get(role: str) -> SignedIn:
        if role not in made:
            client = TestClient(create_app(published.settings), follow_redirects=False)
            client.__enter__()
            clients.append(client)
            username, password = published.users[role]
            answer = client.post("/api/login", json={"username": username, "password": password})
            assert answer.status_code == 200, answer.text
            made[role] = SignedIn(client, answer.json()["csrf_token"], username)
        return made[role]

    yield get
    for client in clients:
        client.__exit__(None, None, None)
    dispose_engines()


def _staff_of(published: Published, role: str) -> str:
    username = published.users[role][0]
    with open_store(published.settings).connect() as connection:
        found = connection.execute(
            sa.select(users.c.staff_id).where(users.c.username == username)
        ).scalar()
    assert found
    return str(found)


def _exam(hq: SignedIn, **more: Any) -> tuple[int, list[int]]:
    imported = hq.client.post(
        "/api/training/questions/import",
        params={"name": "网页题库.csv"},
        content=CSV.encode(),
        headers={**hq.headers(), "content-type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    first, last = imported.json()["first_id"], imported.json()["last_id"]
    ids = list(range(first, last + 1))
    body = {
        "title": "网页合规考试",
        "question_ids": ids,
        "time_limit_minutes": 15,
        "pass_mark": 60,
        "certificate_name": "网页合规证书",
        "certificate_months": 24,
        **more,
    }
    made = hq.client.post("/api/training/exams", json=body, headers=hq.headers())
    assert made.status_code == 201, made.text
    exam_id = made.json()["exam_id"]
    published = hq.client.post(
        f"/api/training/exams/{exam_id}/status", json={"status": "published"}, headers=hq.headers()
    )
    assert published.status_code == 200 and published.json()["status"] == "published"
    return exam_id, ids


def test_a_broker_takes_an_exam_through_the_api_and_the_pages(
    signed: Callable[[str], SignedIn], published: Published
) -> None:
    hq, broker = signed("hq_marketing"), signed("broker")
    exam_id, ids = _exam(hq)
    course = hq.client.post(
        "/api/training/courses",
        json={"title": "网页合规课程", "required": True, "exam_id": exam_id,
              "materials": [{"kind": "article", "title": "知识库：两融", "article_id": 7},
                            {"kind": "text", "title": "要点", "body": "不得承诺收益"}]},
        headers=hq.headers(),
    )  # fmt: skip
    assert course.status_code == 201, course.text
    course_id = course.json()["course_id"]
    assert course.json()["materials"][0]["href"] == "/kb/articles/7"
    hq.client.post(f"/api/training/courses/{course_id}/status", json={"status": "published"},
                   headers=hq.headers())  # fmt: skip

    mine = broker.client.get("/api/training/me").json()
    assert mine["staff_id"] == _staff_of(published, "broker")
    assert exam_id in [x["exam"]["exam_id"] for x in mine["exams"]]
    page = broker.client.get("/training")
    assert (
        page.status_code == 200 and "网页合规考试" in page.text and 'id="nav-training"' in page.text
    )
    assert not problems(page.text), problems(page.text)
    course_page = broker.client.get(f"/training/courses/{course_id}")
    assert 'href="/kb/articles/7"' in course_page.text and not problems(course_page.text)

    started = broker.client.post(
        f"/api/training/exams/{exam_id}/attempts", headers=broker.headers()
    )
    assert started.status_code == 201, started.text
    attempt = started.json()
    assert attempt["status"] == "in_progress" and attempt["seconds_left"] == 15 * 60
    assert all(q["answer"] is None for q in attempt["questions"])  # no answer leaks
    paper = broker.client.get(f"/training/attempts/{attempt['attempt_id']}")
    assert 'id="tr-countdown"' in paper.text and "/static/training.js" in paper.text
    assert not problems(paper.text), problems(paper.text)
    one, two, three = (str(i) for i in ids)
    saved = broker.client.put(
        f"/api/training/attempts/{attempt['attempt_id']}/answers",
        json={"answers": {one: ["A"], two: ["A"]}}, headers=broker.headers(),
    )  # fmt: skip
    assert saved.status_code == 200 and saved.json()["questions"][0]["chosen"] == ["A"]
    bad = broker.client.put(
        f"/api/training/attempts/{attempt['attempt_id']}/answers",
        json={"answers": {one: ["Z"]}}, headers=broker.headers(),
    )  # fmt: skip
    assert bad.status_code == 422 and "answers" in bad.json()["error"]
    done = broker.client.post(
        f"/api/training/attempts/{attempt['attempt_id']}/submit",
        json={"answers": {one: ["A"], two: ["A", "B"], three: ["F"]}}, headers=broker.headers(),
    )  # fmt: skip
    assert done.status_code == 200, done.text
    graded = done.json()
    assert (graded["status"], graded["score"], graded["passed"]) == ("submitted", 3, True)
    assert graded["certificate"]["name"] == "网页合规证书"
    assert [q["answer"] for q in graded["questions"]] == [["A"], ["A", "B"], ["F"]]
    again = broker.client.post(f"/api/training/attempts/{attempt['attempt_id']}/submit",
                               json={}, headers=broker.headers())  # fmt: skip
    assert again.status_code == 409
    result = broker.client.get(f"/training/attempts/{attempt['attempt_id']}")
    assert 'data-passed="true"' in result.text and "网页合规证书" in result.text
    assert not problems(result.text), problems(result.text)
    mine = broker.client.get("/api/training/me").json()
    assert course_id in [c["course_id"] for c in mine["courses"] if c["completed_at"]]
    # another broker cannot read the attempt; the broker's branch manager can
    assert signed("advisor").client.get(
        f"/api/training/attempts/{attempt['attempt_id']}").status_code == 404  # fmt: skip
    manager = signed("branch_manager")
    seen = manager.client.get(f"/api/training/attempts/{attempt['attempt_id']}")
    assert seen.status_code == 200 and seen.json()["staff_id"] == mine["staff_id"]
    with open_store(published.settings).connect() as connection:
        actions = set(
            connection.execute(
                sa.select(audit_log.c.action).where(audit_log.c.username == broker.username)
            ).scalars()
        )
    assert {"training_exam_start", "training_exam_submit"} <= actions


def test_the_same_exam_through_the_page_form(signed: Callable[[str], SignedIn]) -> None:
    hq, lead = signed("hq_marketing"), signed("team_lead")
    exam_id, ids = _exam(hq, title="网页表单考试", audience_positions=["team_lead"])
    intro = lead.client.get(f"/training/exams/{exam_id}")
    assert intro.status_code == 200 and 'id="tr-start"' in intro.text
    started = lead.client.post(f"/training/exams/{exam_id}/start", data={"csrf_token": lead.csrf})
    assert started.status_code == 303
    target = started.headers["location"]
    form = {"csrf_token": lead.csrf, f"q{ids[0]}": "B", f"q{ids[1]}": ["A", "B"], f"q{ids[2]}": "F"}
    handed = lead.client.post(f"{target}/submit", data=form)
    assert handed.status_code == 303 and handed.headers["location"] == target
    result = lead.client.get(target)
    assert 'id="tr-score">2 / 3' in result.text and 'data-passed="true"' in result.text
    assert lead.client.post(f"{target}/submit", data=form).status_code == 303  # twice: no error
    # the exam is for team leads only: a broker neither sees nor starts it
    broker = signed("broker")
    assert broker.client.get(f"/training/exams/{exam_id}").status_code == 404
    assert broker.client.post(f"/api/training/exams/{exam_id}/attempts",
                              headers=broker.headers()).status_code == 404  # fmt: skip


def test_a_bad_question_file_names_its_line_and_nothing_is_imported(
    signed: Callable[[str], SignedIn],
) -> None:
    hq = signed("hq_marketing")
    before = hq.client.get("/api/training/questions", params={"page_size": 1}).json()["total"]
    bad = CSV.replace("风险承受能力,投资期限,籍贯,AB", "风险承受能力,投资期限,籍贯,AD")
    answer = hq.client.post(
        "/api/training/questions/import", params={"name": "坏题库.csv"}, content=bad.encode(),
        headers={**hq.headers(), "content-type": "text/csv"},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "坏题库.csv, line 3, column 'answer'" in answer.json()["error"]
    after = hq.client.get("/api/training/questions", params={"page_size": 1}).json()["total"]
    assert after == before
    page = hq.client.post(
        "/training/bank/import", data={"csrf_token": hq.csrf},
        files={"file": ("坏题库.csv", bad.encode(), "text/csv")},
    )  # fmt: skip
    assert page.status_code == 422 and 'id="tr-import-error"' in page.text
    assert "第 3 行" in page.text and not problems(page.text)
    made = hq.client.post(
        "/api/training/questions",
        json={"kind": "multiple", "stem": "一题", "category": "网页测试", "options": ["甲", "乙"],
              "answer": "A"},
        headers=hq.headers(),
    )  # fmt: skip
    assert made.status_code == 422 and made.json()["error"].startswith("answer:")
    assert hq.client.get("/api/training/questions?kind=essay").status_code == 422


def test_results_and_lapses_follow_the_staff_scope(
    signed: Callable[[str], SignedIn], published: Published
) -> None:
    hq = signed("hq_marketing")
    exam_id, _ = _exam(hq, title="网页范围考试", required=True)
    everyone = hq.client.get("/api/training/results", params={"exam_id": exam_id}).json()["data"]
    manager = signed("branch_manager")
    unit = manager.client.get("/api/me").json()["user"]["unit_id"]
    theirs = manager.client.get("/api/training/results", params={"exam_id": exam_id}).json()
    assert theirs["count"] and {r["branch_id"] for r in theirs["data"]} == {unit}
    assert len(everyone) > theirs["count"]
    broker = signed("broker")
    own = broker.client.get("/api/training/results", params={"exam_id": exam_id}).json()["data"]
    assert [r["staff_id"] for r in own] == [_staff_of(published, "broker")]
    assert signed("call_center").client.get("/api/training/results").status_code == 403
    figures = manager.client.get("/api/training/figures", params={"level": "team"}).json()
    assert figures["data"] and figures["total"]["exams_assigned"] >= 1
    assert manager.client.get("/api/training/figures?level=region").status_code == 422
    page = manager.client.get(f"/training/results?exam_id={exam_id}&level=team")
    assert page.status_code == 200 and not problems(page.text), problems(page.text)

    # lapses: the broker's team lead is delivered without a SAC number
    lead = _staff_of(published, "team_lead")
    db = open_store(published.settings)
    with db.begin() as connection:
        kept = connection.execute(
            sa.select(staff.c.sac_cert_no).where(staff.c.staff_id == lead)
        ).scalar()
        connection.execute(staff.update().where(staff.c.staff_id == lead).values(sac_cert_no=None))
    try:
        flagged = manager.client.get("/api/training/lapses").json()["data"]
        assert {"staff_id": lead, "reason": "no_sac_cert"}.items() <= next(
            r for r in flagged if r["staff_id"] == lead
        ).items()
        assert lead not in {
            r["staff_id"] for r in broker.client.get("/api/training/lapses").json()["data"]
        }
        page = manager.client.get("/training/lapses")
        assert f'data-staff="{lead}" data-reason="no_sac_cert"' in page.text
        assert not problems(page.text), problems(page.text)
    finally:
        with db.begin() as connection:
            connection.execute(
                staff.update().where(staff.c.staff_id == lead).values(sac_cert_no=kept)
            )


def test_admin_pages_read_in_chinese_and_refuse_by_field(
    signed: Callable[[str], SignedIn],
) -> None:
    hq = signed("hq_marketing")
    for url in ("/training/admin", "/training/bank", "/training/bank?kind=single&q=%25"):
        page = hq.client.get(url)
        assert page.status_code == 200, (url, page.text[:300])
        assert not problems(page.text), (url, problems(page.text))
    refused = hq.client.post(
        "/training/admin/exams",
        data={"csrf_token": hq.csrf, "title": "坏考试", "mode": "fixed", "question_ids": "1,x",
              "time_limit_minutes": "30"},
    )  # fmt: skip
    assert refused.status_code == 422 and 'data-field="exam.question_ids"' in refused.text
    assert not problems(refused.text)
    made = hq.client.post(
        "/training/admin/courses",
        data={"csrf_token": hq.csrf, "title": "网页新课程", "m1_kind": "link", "m1_title": "官网",
              "m1_content": "https://www.sac.net.cn/"},
    )  # fmt: skip
    assert made.status_code == 303
    assert "网页新课程" in hq.client.get("/training/admin").text
    broker = signed("broker")
    assert broker.client.get("/training/admin").status_code == 403
    assert broker.client.get("/training/bank").status_code == 403

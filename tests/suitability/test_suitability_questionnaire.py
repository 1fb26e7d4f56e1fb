"""Questionnaire definitions: the shipped versions score the source's answers, and a broken
definition is refused naming the file, the question and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.config import load_settings
from brokerlens.suitability.errors import AnswersError, QuestionnaireError
from brokerlens.suitability.questionnaire import (
    installation_dir,
    load_definitions,
    parse_definition,
    score_answers,
    shipped_definitions,
)

SHIPPED = shipped_definitions()


def answers(*options: str) -> dict[str, str]:
    return {f"q{i + 1}": o for i, o in enumerate(options)}


def test_shipped_versions_are_those_the_source_delivers() -> None:
    assert set(SHIPPED) >= {"V2021.2", "V2024.1"}
    for definition in SHIPPED.values():
        assert 10 <= len(definition.questions) <= 15
        topics = {q.topic for q in definition.questions}
        assert {"age", "income", "assets", "experience", "knowledge"} <= topics
        assert {"horizon", "loss_tolerance", "goal"} <= topics


@pytest.mark.parametrize(
    ("chosen", "score", "klass"),
    [
        ("BBBBBBBBBB", 40, "C3"),
        ("DDDDDDDDDD", 100, "C5"),
        ("ABBBBBBBBB", 37, "C2"),
        ("DDDDDDCCBA", 79, "C4"),
        ("DDDDDDCCCA", 82, "C5"),
    ],
)
def test_score_and_class(chosen: str, score: float, klass: str) -> None:
    scored = score_answers(SHIPPED["V2024.1"], answers(*chosen))
    assert (scored.score, scored.risk_class) == (score, klass)


def test_horizon_comes_from_its_question() -> None:
    v = SHIPPED["V2024.1"]
    assert score_answers(v, answers(*"BBABBBBBBB")).horizon == "short"
    assert score_answers(v, answers(*"BBBBBBBBBB")).horizon == "medium"
    assert score_answers(v, answers(*"BBDBBBBBBB")).horizon == "long"


def test_no_tolerance_for_any_loss_is_the_lowest_category_in_c1() -> None:
    scored = score_answers(SHIPPED["V2024.1"], answers(*"DDDDDDADDD"))
    assert scored.risk_class == "C5"  # by score
    assert scored.lowest_category
    assert scored.regulatory_class == "C1"
    assert scored.lowest_reasons == ("q7=A 不能承受任何投资损失",)


def test_a_minor_has_no_full_civil_capacity() -> None:
    scored = score_answers(SHIPPED["V2024.1"], answers(*"CCCCCCCCCC"), age=16)
    assert scored.lowest_category and "年龄 16 < 18" in scored.lowest_reasons[0]
    assert not score_answers(SHIPPED["V2024.1"], answers(*"CCCCCCCCCC"), age=18).lowest_category


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (answers(*"BBBBBBBBB"), "question q10 (share_at_risk) is not answered"),
        (answers(*"BBBBBBBBBE"), "question q10: option 'E' is not one of A, B, C, D"),
        ({**answers(*"BBBBBBBBBB"), "q11": "A"}, "no question(s) q11"),
    ],
)
def test_unscorable_answers_say_why(given: dict[str, str], message: str) -> None:
    with pytest.raises(AnswersError, match=message.replace("(", r"\(").replace(")", r"\)")):
        score_answers(SHIPPED["V2024.1"], given)


SHIPPED_TEXT = (
    Path(__file__).parents[2] / "src/brokerlens/suitability/questionnaires/v2024_1.yaml"
).read_text("utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{id: B, text: 10万-50万元, score: 4}",
            "{id: B, text: 10万-50万元, score: -4}",
            r"question 'q2', option 2, field `score`",
        ),
        (
            "{id: C, text: 5年以上, score: 7, horizon: long}",
            "{id: C, text: 5年以上, score: 7}",
            "question q3 option C: `horizon`",
        ),
        ("C4: 60, C5: 80", "C4: 60, C5: 101", "C5 needs 101 points but at most 100"),
        ("C3: 40, C4: 60", "C3: 60, C4: 40", "must increase strictly"),
        (
            "{question: q7, option: A,",
            "{question: q7, option: Z,",
            "trigger q7=Z names no question/option",
        ),
        ("  - id: q2\n", "  - id: q1\n", "question id\\(s\\) q1 appear more than once"),
        ("valid_months: 24", "valid_months: 24\ncolour: red", "field `colour`: Extra inputs"),
    ],
)
def test_a_broken_definition_names_file_question_and_field(
    old: str, new: str, message: str
) -> None:
    assert old in SHIPPED_TEXT
    with pytest.raises(QuestionnaireError, match=message) as caught:
        parse_definition(SHIPPED_TEXT.replace(old, new, 1), "mine.yaml")
    assert str(caught.value).startswith("mine.yaml: ")


def test_not_yaml_names_the_line() -> None:
    with pytest.raises(QuestionnaireError, match=r"mine.yaml, line 3: not valid YAML"):
        parse_definition("version: V1\nquestions: [\n", "mine.yaml")


def test_an_installation_adds_a_version(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    installation_dir(settings).mkdir(parents=True)
    own = SHIPPED_TEXT.replace("version: V2024.1", "version: V2026.1")
    (installation_dir(settings) / "mine.yaml").write_text(own, "utf-8")
    assert set(load_definitions(settings)) >= {"V2021.2", "V2024.1", "V2026.1"}

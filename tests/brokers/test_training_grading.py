"""Automatic grading: a single choice and a true/false question are right with exactly their
answer, a multiple choice only with every right option and no other (all-or-nothing), and the
pass mark is met exactly at its edge; a paper drawn at random is the same for the same seed."""

from __future__ import annotations

import pytest

from brokerlens.brokers.training.assembly import BankTooSmall, DrawRule, attempt_seed, draw
from brokerlens.brokers.training.grading import Option, PaperQuestion, grade, is_right


def _q(qid: int, kind: str, answer: tuple[str, ...], keys: str = "ABCD") -> PaperQuestion:
    options = tuple(Option(k, f"选项{k}") for k in keys)
    return PaperQuestion(qid, kind, f"题目{qid}", options, answer, "合规", "medium")


SINGLE = _q(1, "single", ("B",))
MULTIPLE = _q(2, "multiple", ("A", "C"))
TRUE_FALSE = _q(3, "true_false", ("F",), keys="TF")


@pytest.mark.parametrize(
    ("question", "chosen", "right"),
    [
        (SINGLE, ["B"], True),
        (SINGLE, ["A"], False),
        (SINGLE, ["A", "B"], False),  # two options on a single choice
        (SINGLE, [], False),
        (MULTIPLE, ["A", "C"], True),
        (MULTIPLE, ["C", "A"], True),  # order does not matter
        (MULTIPLE, ["A"], False),  # partly right scores nothing
        (MULTIPLE, ["A", "B", "C"], False),  # a wrong one added
        (MULTIPLE, ["A", "C", "Z"], False),  # not an option
        (TRUE_FALSE, ["F"], True),
        (TRUE_FALSE, ["T"], False),
        (TRUE_FALSE, None, False),
    ],
)
def test_a_question_is_right_only_with_exactly_its_answer(
    question: PaperQuestion, chosen: list[str] | None, right: bool
) -> None:
    assert is_right(question, chosen) is right


def test_the_score_counts_questions_and_the_pass_mark_holds_at_its_edge() -> None:
    paper = [SINGLE, MULTIPLE, TRUE_FALSE, _q(4, "single", ("D",)), _q(5, "single", ("A",))]
    answers = {"1": ["B"], "2": ["A"], "3": ["F"], "4": ["D"], "5": ["B"]}
    graded = grade(paper, answers)
    assert (graded.right, graded.total) == (3, 5)
    assert graded.results == {1: True, 2: False, 3: True, 4: True, 5: False}
    assert str(graded.percent()) == "60.00"
    assert graded.passed(60) and not graded.passed(61)
    assert grade(paper, {}).right == 0


def test_a_random_paper_is_the_same_for_the_same_seed() -> None:
    bank = {"合规": list(range(1, 41)), "产品": list(range(100, 130))}
    rules = [DrawRule("合规", 5), DrawRule("产品", 3)]
    seed = attempt_seed(7, "S000001", 1)
    first = draw(bank, rules, seed)
    assert first == draw({k: list(reversed(v)) for k, v in bank.items()}, rules, seed)
    assert len(first) == 8 and len(set(first)) == 8
    assert set(first[:5]) <= set(bank["合规"]) and set(first[5:]) <= set(bank["产品"])
    assert seed == attempt_seed(7, "S000001", 1) != attempt_seed(7, "S000001", 2)
    others = {tuple(draw(bank, rules, attempt_seed(7, "S000001", n))) for n in range(2, 6)}
    assert tuple(first) not in others  # another attempt, another paper
    with pytest.raises(BankTooSmall) as refused:
        draw(bank, [DrawRule("产品", 31)], seed)
    assert "产品" in str(refused.value) and refused.value.have == 30

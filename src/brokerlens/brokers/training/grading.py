"""A paper's questions and their grading.

A question is right when the options chosen are exactly its answer: one option for a single
choice or a true/false question, every right option and no other for a multiple choice
(all-or-nothing: a partly right multiple choice scores nothing). Each question counts one; the
score is the number right and an attempt passes when score x 100 >= pass mark x questions
(exact integers, no rounding at the edge).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

TRUE_FALSE_OPTIONS = (("T", "正确"), ("F", "错误"))


@dataclass(frozen=True)
class Option:
    key: str
    text: str


@dataclass(frozen=True)
class PaperQuestion:
    """A question as it stands on a paper (frozen when the paper is drawn)."""

    question_id: int
    kind: str  # single, multiple, true_false
    stem: str
    options: tuple[Option, ...]
    answer: tuple[str, ...]
    category: str
    difficulty: str
    explanation: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "kind": self.kind,
            "stem": self.stem,
            "options": [{"key": o.key, "text": o.text} for o in self.options],
            "answer": list(self.answer),
            "category": self.category,
            "difficulty": self.difficulty,
            "explanation": self.explanation,
        }

    @classmethod
    def of(cls, item: Any) -> PaperQuestion:
        return cls(
            question_id=int(item["question_id"]),
            kind=str(item["kind"]),
            stem=str(item["stem"]),
            options=tuple(Option(str(o["key"]), str(o["text"])) for o in item["options"]),
            answer=tuple(str(k) for k in item["answer"]),
            category=str(item["category"]),
            difficulty=str(item["difficulty"]),
            explanation=item.get("explanation"),
        )


def chosen_keys(question: PaperQuestion, chosen: Sequence[str] | None) -> tuple[str, ...]:
    """The keys chosen that are options of the question, in the options' order, once each."""
    picked = set(chosen or ())
    return tuple(o.key for o in question.options if o.key in picked)


def is_right(question: PaperQuestion, chosen: Sequence[str] | None) -> bool:
    keys = chosen_keys(question, chosen)
    if question.kind in ("single", "true_false") and len(keys) != 1:
        return False
    return set(keys) == set(question.answer) and len(keys) == len(set(chosen or ()))


@dataclass(frozen=True)
class Graded:
    right: int
    total: int
    results: dict[int, bool]  # question id -> right

    def percent(self) -> Decimal:
        if not self.total:
            return Decimal(0)
        share = Decimal(self.right * 100) / Decimal(self.total)
        return share.quantize(Decimal("0.01"), ROUND_HALF_UP)

    def passed(self, pass_mark: int) -> bool:
        return self.right * 100 >= pass_mark * self.total


def grade(paper: Sequence[PaperQuestion], answers: Mapping[str, Sequence[str]]) -> Graded:
    """Grade the answers (question id as text -> keys chosen) against the paper."""
    results = {q.question_id: is_right(q, answers.get(str(q.question_id))) for q in paper}
    return Graded(sum(results.values()), len(paper), results)

"""A question of the bank as entered (the API, a page's form or one line of a question file)
and its check: the one place a question's rules are written.

- kind: `single` (单选), `multiple` (多选) or `true_false` (判断);
- stem: 1 to 2,000 characters;
- options: 2 to 8 texts, keyed A, B, C ... in order (a true/false question has the two fixed
  options T 正确 and F 错误, and takes none);
- answer: the keys of the right options: one for a single choice, at least two for a multiple
  choice (written `AC`, `A,C` or as a list), T or F for true/false (对 / 错, 正确 / 错误,
  true / false, 是 / 否 too);
- category: 1 to 64 characters; difficulty `easy`, `medium` (the default) or `hard`
  (易 / 中 / 难); an explanation of at most 2,000 characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from brokerlens.brokers.training.grading import TRUE_FALSE_OPTIONS
from brokerlens.errors import FieldRejected

KEYS = "ABCDEFGH"
STEM_MAX = 2000
OPTION_MAX = 500
CATEGORY_MAX = 64
EXPLANATION_MAX = 2000
KIND_NAMES = {
    "single": "single",
    "单选": "single",
    "单选题": "single",
    "multiple": "multiple",
    "多选": "multiple",
    "多选题": "multiple",
    "true_false": "true_false",
    "判断": "true_false",
    "判断题": "true_false",
}
DIFFICULTY_NAMES = {
    "easy": "easy",
    "易": "easy",
    "容易": "easy",
    "简单": "easy",
    "medium": "medium",
    "中": "medium",
    "中等": "medium",
    "hard": "hard",
    "难": "hard",
    "困难": "hard",
}
TRUE_WORDS = {"t", "true", "对", "正确", "是", "√", "y", "yes"}
FALSE_WORDS = {"f", "false", "错", "错误", "否", "×", "n", "no"}


class QuestionRejected(FieldRejected):
    """A question's field is unusable (422); `field` names it."""


@dataclass(frozen=True)
class QuestionInput:
    kind: str
    stem: str
    category: str
    answer: str | Sequence[str]
    options: Sequence[str] = field(default_factory=tuple)
    difficulty: str | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class CheckedQuestion:
    kind: str
    stem: str
    options: list[dict[str, str]]
    answer: list[str]
    category: str
    difficulty: str
    explanation: str | None

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stem": self.stem,
            "options": self.options,
            "answer": self.answer,
            "category": self.category,
            "difficulty": self.difficulty,
            "explanation": self.explanation,
        }


def _text(value: object, name: str, most: int, *, required: bool = True) -> str | None:
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
    if not text:
        if required:
            raise QuestionRejected(name, "required")
        return None
    if len(text) > most:
        raise QuestionRejected(name, f"{len(text)} characters, at most {most}")
    return text


def _kind(value: object) -> str:
    kind = KIND_NAMES.get(str(value or "").strip().lower())
    if kind is None:
        raise QuestionRejected(
            "kind", f"must be single, multiple or true_false (got {str(value)[:40]!r})"
        )
    return kind


def _difficulty(value: object) -> str:
    if value is None or str(value).strip() == "":
        return "medium"
    found = DIFFICULTY_NAMES.get(str(value).strip().lower())
    if found is None:
        raise QuestionRejected(
            "difficulty", f"must be easy, medium or hard (got {str(value)[:40]!r})"
        )
    return found


def _options(kind: str, values: Sequence[object]) -> list[dict[str, str]]:
    if kind == "true_false":
        return [{"key": k, "text": t} for k, t in TRUE_FALSE_OPTIONS]
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if len(texts) < 2 or len(texts) > len(KEYS):
        raise QuestionRejected("options", f"{len(texts)} options; give 2 to {len(KEYS)}")
    for n, text in enumerate(texts):
        if len(text) > OPTION_MAX:
            raise QuestionRejected("options", f"option {KEYS[n]}: at most {OPTION_MAX} characters")
    return [{"key": KEYS[n], "text": t} for n, t in enumerate(texts)]


def _answer_keys(value: str | Sequence[str]) -> list[str]:
    if isinstance(value, str):
        return [k for k in re.split(r"[\s,，、;；|]+", value.strip().upper()) if k]
    return [str(k).strip().upper() for k in value if str(k).strip()]


def _true_false(value: str | Sequence[str]) -> list[str]:
    items = [value] if isinstance(value, str) else list(value)
    word = str(items[0]).strip().lower() if len(items) == 1 else ""
    if word in TRUE_WORDS:
        return ["T"]
    if word in FALSE_WORDS:
        return ["F"]
    raise QuestionRejected("answer", "a true/false answer is T or F (对 / 错)")


def _answer(kind: str, value: str | Sequence[str], options: list[dict[str, str]]) -> list[str]:
    if kind == "true_false":
        return _true_false(value)
    keys = _answer_keys(value)
    if len(keys) == 1 and len(keys[0]) > 1 and keys[0].isalpha():
        keys = list(keys[0])  # "AC"
    known = [o["key"] for o in options]
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise QuestionRejected(
            "answer", f"{', '.join(unknown)[:40]} is not an option (options {''.join(known)})"
        )
    if len(set(keys)) != len(keys):
        raise QuestionRejected("answer", "an option is named twice")
    if kind == "single" and len(keys) != 1:
        raise QuestionRejected("answer", "a single-choice question has exactly one answer")
    if kind == "multiple" and len(keys) < 2:
        raise QuestionRejected("answer", "a multiple-choice question has at least two answers")
    return [k for k in known if k in keys]


def check_question(entry: QuestionInput) -> CheckedQuestion:
    """The question as stored, or QuestionRejected naming the field."""
    kind = _kind(entry.kind)
    stem = _text(entry.stem, "stem", STEM_MAX)
    category = _text(entry.category, "category", CATEGORY_MAX)
    options = _options(kind, entry.options)
    if entry.answer is None or (isinstance(entry.answer, str) and not entry.answer.strip()):
        raise QuestionRejected("answer", "required")
    answer = _answer(kind, entry.answer, options)
    explanation = _text(entry.explanation, "explanation", EXPLANATION_MAX, required=False)
    assert stem is not None and category is not None
    return CheckedQuestion(
        kind, stem, options, answer, category, _difficulty(entry.difficulty), explanation
    )

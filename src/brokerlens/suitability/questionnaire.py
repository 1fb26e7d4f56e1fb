"""Versioned risk-tolerance questionnaires as configuration, and scoring answers with them.

A definition (YAML, see `questionnaires/`) holds the questions, their options and scores, the
lower score bound of each class C1..C5, which question gives the investment horizon, and the
lowest-category (风险承受能力最低类别) triggers. Shipped versions match what the source system
delivers (`risk_assessments.questionnaire_version`); an installation may add or replace versions
with files of its own in `<home>/suitability/questionnaires/`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from brokerlens.config import Settings
from brokerlens.settings_file import YamlProblem, read_yaml
from brokerlens.suitability.errors import AnswersError, QuestionnaireError
from brokerlens.suitability.grades import CLASSES, HORIZONS

IDENT = r"^[A-Za-z0-9_]+$"


class Option(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENT)
    text: str = Field(min_length=1)
    score: float = Field(ge=0)
    horizon: str | None = None


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENT)
    topic: str
    text: str = Field(min_length=1)
    options: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique_options(self) -> Question:
        ids = [o.id for o in self.options]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"option id(s) {', '.join(dupes)} appear more than once")
        return self

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


class AnswerTrigger(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    option: str
    reason: str = Field(min_length=1)


class LowestCategory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    min_age: int | None = Field(default=18, ge=0, le=30)
    answers: list[AnswerTrigger] = Field(default_factory=list)


class Definition(BaseModel):
    """One questionnaire version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    title: str
    valid_months: int = Field(default=24, ge=1, le=120)
    horizon_question: str
    classes: dict[str, float]
    lowest_category: LowestCategory = LowestCategory()
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Definition:
        ids = [q.id for q in self.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"question id(s) {', '.join(dupes)} appear more than once")
        if sorted(self.classes) != list(CLASSES):
            raise ValueError(f"`classes` must give a lower score bound for each of {CLASSES}")
        bounds = [self.classes[c] for c in CLASSES]
        if any(b <= a for a, b in itertools.pairwise(bounds)):
            raise ValueError("`classes` bounds must increase strictly from C1 to C5")
        if self.max_score < bounds[-1]:
            raise ValueError(f"C5 needs {bounds[-1]:g} points but at most {self.max_score:g}")
        if self.min_score < bounds[0]:
            raise ValueError(f"a score of {self.min_score:g} is below C1's bound {bounds[0]:g}")
        self._check_horizon()
        for trigger in self.lowest_category.answers:
            question = self.question(trigger.question)
            if question is None or question.option(trigger.option) is None:
                raise ValueError(
                    f"lowest_category trigger {trigger.question}={trigger.option} names no "
                    "question/option of this version"
                )
        return self

    def _check_horizon(self) -> None:
        question = self.question(self.horizon_question)
        if question is None:
            raise ValueError(f"horizon_question {self.horizon_question!r} is not a question")
        for option in question.options:
            if option.horizon not in HORIZONS:
                raise ValueError(
                    f"question {question.id} option {option.id}: `horizon` must be one of "
                    f"{', '.join(HORIZONS)} (it gives the investment horizon)"
                )

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def horizon_option(self, option_id: str) -> Option:
        for question in self.questions:
            if question.id == self.horizon_question:
                option = question.option(option_id)
                if option is not None:
                    return option
        raise AnswersError(f"question {self.horizon_question}: no option {option_id!r}")

    @property
    def max_score(self) -> float:
        return sum(max(o.score for o in q.options) for q in self.questions)

    @property
    def min_score(self) -> float:
        return sum(min(o.score for o in q.options) for q in self.questions)

    def class_of(self, score: float) -> str:
        return [c for c in CLASSES if score >= self.classes[c]][-1]


@dataclass(frozen=True)
class Scored:
    """What a definition makes of one set of answers."""

    version: str
    score: float
    risk_class: str  # by the score alone
    horizon: str
    lowest_reasons: tuple[str, ...]  # why the investor is in the lowest category, if so

    @property
    def lowest_category(self) -> bool:
        return bool(self.lowest_reasons)

    @property
    def regulatory_class(self) -> str:
        """The class that governs matching: C1 when in the lowest category."""
        return "C1" if self.lowest_category else self.risk_class


def score_answers(
    definition: Definition, answers: dict[str, str], *, age: int | None = None
) -> Scored:
    """Score, class, horizon and lowest category; unscorable answers raise AnswersError."""
    unknown = sorted(set(answers) - {q.id for q in definition.questions})
    if unknown:
        raise AnswersError(f"{definition.version} has no question(s) {', '.join(unknown)}")
    total = 0.0
    for question in definition.questions:
        chosen = answers.get(question.id)
        if chosen is None:
            raise AnswersError(f"question {question.id} ({question.topic}) is not answered")
        option = question.option(str(chosen))
        if option is None:
            ids = ", ".join(o.id for o in question.options)
            raise AnswersError(f"question {question.id}: option {chosen!r} is not one of {ids}")
        total += option.score
    horizon_option = definition.horizon_option(str(answers[definition.horizon_question]))
    lowest = [
        f"{t.question}={t.option} {t.reason}"
        for t in definition.lowest_category.answers
        if answers.get(t.question) == t.option
    ]
    limit = definition.lowest_category.min_age
    if age is not None and limit is not None and age < limit:
        lowest.insert(0, f"年龄 {age} < {limit}, 不具有完全民事行为能力")
    return Scored(
        version=definition.version,
        score=total,
        risk_class=definition.class_of(total),
        horizon=str(horizon_option.horizon),
        lowest_reasons=tuple(lowest),
    )


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# -- loading -----------------------------------------------------------------------------------


def parse_definition(text: str, file: str) -> Definition:
    """A checked definition from YAML text; every error names `file`, the question and field."""
    try:
        data = read_yaml(text)
    except YamlProblem as exc:
        raise QuestionnaireError(
            f"not valid YAML: {exc.problem}", file=file, line=exc.line
        ) from None
    if not isinstance(data, dict):
        raise QuestionnaireError("expected a mapping with `version:` and `questions:`", file=file)
    try:
        return Definition.model_validate(data)
    except ValidationError as exc:
        raise QuestionnaireError(_describe(exc, data), file=file) from None


def _describe(exc: ValidationError, data: dict[str, Any]) -> str:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        parts = []
        if loc[:1] == ["questions"] and len(loc) > 1 and isinstance(loc[1], int):
            parts.append(_question_name(data, loc[1]))
            loc = loc[2:]
            if loc[:1] == ["options"] and len(loc) > 1 and isinstance(loc[1], int):
                parts.append(f"option {loc[1] + 1}")
                loc = loc[2:]
        if loc:
            parts.append(f"field `{'.'.join(map(str, loc))}`")
        where = ", ".join(parts) or "definition"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def _question_name(data: dict[str, Any], index: int) -> str:
    try:
        return f"question {data['questions'][index]['id']!r}"
    except (KeyError, IndexError, TypeError):
        return f"question #{index + 1}"


def load_definition(path: Path) -> Definition:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise QuestionnaireError(f"cannot read it: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError:
        raise QuestionnaireError("not UTF-8", file=str(path)) from None
    return parse_definition(text, str(path))


def shipped_definitions() -> dict[str, Definition]:
    """The shipped versions (parsed once per process: they are frozen models and never change;
    each call answers a dict of its own)."""
    return dict(_shipped_definitions())


@cache
def _shipped_definitions() -> dict[str, Definition]:
    folder = resources.files("brokerlens.suitability").joinpath("questionnaires")
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            definition = parse_definition(
                entry.read_text("utf-8"), f"brokerlens/suitability/questionnaires/{entry.name}"
            )
            found[definition.version] = definition
    return found


def installation_dir(settings: Settings) -> Path:
    return settings.home / "suitability" / "questionnaires"


def load_definitions(settings: Settings | None = None) -> dict[str, Definition]:
    """Every known version: the shipped ones, then the installation's (which win)."""
    found = shipped_definitions()
    if settings is not None and installation_dir(settings).is_dir():
        for path in sorted(installation_dir(settings).glob("*.yaml")):
            definition = load_definition(path)
            found[definition.version] = definition
    return found

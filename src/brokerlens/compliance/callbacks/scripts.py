"""Call-back scripts (回访话术): per kind of call-back, the questions asked and the answers a
caller may record (`scripts.yaml`, or the installation's `<home>/compliance/callback_scripts.yaml`).
`checked_answers` is the one check of a result's answers against its kind's script."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from brokerlens.config import Settings
from brokerlens.settings_file import installed_or_shipped
from brokerlens.store.compliance_schema import CALLBACK_KINDS

HINT = "see brokerlens/compliance/callbacks/scripts.yaml for the fields and their meaning"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(_Frozen):
    id: str = Field(min_length=1, max_length=32)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    issue: bool = False  # giving this answer is an issue found


class Question(_Frozen):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    options: tuple[Option, ...] = Field(min_length=2)
    required: bool = True

    @model_validator(mode="after")
    def _unique_options(self) -> Question:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"question {self.id}: option ids repeat")
        return self

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


class Scripts(RootModel[dict[str, tuple[Question, ...]]]):
    """kind -> its questions; every call-back kind has a script."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _every_kind(self) -> Scripts:
        missing = [k for k in CALLBACK_KINDS if k not in self.root]
        unknown = [k for k in self.root if k not in CALLBACK_KINDS]
        if missing or unknown:
            raise ValueError(
                f"scripts for every kind ({', '.join(CALLBACK_KINDS)}): "
                f"missing {missing}, unknown {unknown}"
            )
        for kind, questions in self.root.items():
            ids = [q.id for q in questions]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{kind}: question ids repeat")
        return self

    def of(self, kind: str) -> tuple[Question, ...]:
        return self.root.get(kind, ())


class AnswerProblem(ValueError):
    """An answer does not fit the script: `field` names it (answers.<question id>)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def checked_answers(
    questions: tuple[Question, ...], answers: Mapping[str, object]
) -> dict[str, str]:
    """The answers kept (question id -> option id), each checked against the script: an
    unknown question or option, or a required question left out, is an AnswerProblem."""
    known = {q.id: q for q in questions}
    for key in answers:
        if key not in known:
            raise AnswerProblem(f"answers.{str(key)[:40]}", "not a question of this script")
    kept: dict[str, str] = {}
    for question in questions:
        value = answers.get(question.id)
        if value is None or value == "":
            if question.required:
                raise AnswerProblem(f"answers.{question.id}", "required")
            continue
        if not isinstance(value, str) or question.option(value) is None:
            choices = ", ".join(o.id for o in question.options)
            raise AnswerProblem(f"answers.{question.id}", f"must be one of {choices}")
        kept[question.id] = value
    return kept


def flagged(questions: tuple[Question, ...], answers: Mapping[str, str]) -> list[str]:
    """The answers that are issues found, in words (zh): `question：answer`."""
    out = []
    for question in questions:
        option = question.option(answers.get(question.id, ""))
        if option is not None and option.issue:
            out.append(f"{question.zh}：{option.zh}")
    return out


def scripts_path(settings: Settings) -> Path:
    return settings.home / "compliance" / "callback_scripts.yaml"


def load_scripts(settings: Settings | None = None) -> Scripts:
    """The installation's scripts if it has the file, else the shipped ones."""
    installed = scripts_path(settings) if settings is not None else None
    return installed_or_shipped(
        Scripts, installed, "brokerlens.compliance.callbacks", "scripts.yaml", HINT
    )

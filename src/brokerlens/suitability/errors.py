"""Suitability's errors, in the project's one error tree."""

from __future__ import annotations

from brokerlens.errors import Conflict, InputError


class QuestionnaireError(InputError):
    """A questionnaire definition is unusable; names the file, the question and the field."""


class AnswersError(InputError):
    """An assessment's answers cannot be scored by its questionnaire version."""


class WorkflowError(Conflict):
    """A step of the suitability workflow is refused (e.g. a confirmation with no warning)."""

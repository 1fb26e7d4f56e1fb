"""The question bank (题库, issue 23 section 3) through the service layer: list, add, change,
retire and import questions.

The bank is one for the brokerage: every holder of manage_training reads all of it (an exam of
any unit may draw from it) and changes the questions their units own (`access.training_reach`).
A question's rules are `brokers.training.questions`; a file's, `brokers.training.question_file`
(all or nothing, the first problem named by line and column). A retired question (`active`
false) is no longer drawn into new papers; papers already drawn keep it. Changes and imports
are audited (`training_question_create`, `training_question_update`, `training_question_import`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.records import utc_now
from brokerlens.access.render import like_escape
from brokerlens.access.training_reach import (
    RowLike,
    check_managed,
    managed_units,
    not_found,
    owner_of,
    stamp,
)
from brokerlens.auth.principal import Principal
from brokerlens.brokers.training.question_file import read_question_file
from brokerlens.brokers.training.questions import QuestionInput, check_question
from brokerlens.store.training_schema import QUESTION_KINDS, training_questions

q = training_questions
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Question:
    question_id: int
    kind: str
    stem: str
    options: list[dict[str, str]]
    answer: list[str]
    category: str
    difficulty: str
    explanation: str | None
    active: bool
    owner_unit_id: str | None
    created_by: str
    updated_by: str
    updated_at: dt.datetime
    editable: bool = False

    @classmethod
    def of(cls, row: RowLike, editable: bool) -> Question:
        values = {f.name: row[f.name] for f in fields(cls) if f.name != "editable"}
        return cls(**values, editable=editable)


@dataclass(frozen=True)
class QuestionPage:
    rows: list[Question]
    total: int
    page: int
    page_size: int
    categories: list[tuple[str, int]]  # category, active questions


@dataclass(frozen=True)
class Imported:
    count: int
    categories: dict[str, int]
    first_id: int | None
    last_id: int | None


def _row(connection: sa.Connection, question_id: int) -> Any:
    row = connection.execute(sa.select(q).where(q.c.question_id == question_id)).mappings().first()
    if row is None:
        raise not_found("question", question_id)
    return row


def _editable(managed: frozenset[str] | None, owner: str | None) -> bool:
    return managed is None or owner in managed


def categories(connection: sa.Connection) -> list[tuple[str, int]]:
    rows = connection.execute(
        sa.select(q.c.category, sa.func.count())
        .where(q.c.active.is_(True))
        .group_by(q.c.category)
        .order_by(q.c.category)
    )
    return [(str(c), int(n)) for c, n in rows]


def list_questions(
    db: sa.Engine,
    principal: Principal,
    *,
    category: str | None = None,
    kind: str | None = None,
    active: bool | None = None,
    search: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> QuestionPage:
    """The bank's questions, newest first, filtered (manage_training)."""
    where: list[Any] = []
    if category:
        where.append(q.c.category == category)
    if kind in QUESTION_KINDS:
        where.append(q.c.kind == kind)
    if active is not None:
        where.append(q.c.active.is_(active))
    if search:
        where.append(q.c.stem.like(f"%{like_escape(search[:100])}%", escape="\\"))
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    with db.connect() as connection:
        managed = managed_units(connection, principal)
        total = connection.execute(
            sa.select(sa.func.count()).select_from(q).where(*where)
        ).scalar_one()
        rows = connection.execute(
            sa.select(q)
            .where(*where)
            .order_by(q.c.question_id.desc())
            .limit(size)
            .offset((max(page, 1) - 1) * size)
        ).mappings()
        found = [Question.of(r, _editable(managed, r["owner_unit_id"])) for r in rows]
        return QuestionPage(found, int(total), max(page, 1), size, categories(connection))


def create_question(
    db: sa.Engine, principal: Principal, entry: QuestionInput, *, now: dt.datetime | None = None
) -> Question:
    """Add a question owned by the principal's unit. Audited `training_question_create`."""
    checked = check_question(entry)
    at = utc_now(now)
    with db.begin() as connection:
        owner = owner_of(connection, principal)
        row = (
            connection.execute(
                q.insert()
                .values(
                    **checked.values(),
                    active=True,
                    owner_unit_id=owner,
                    **stamp(principal, at, created=True),
                )
                .returning(*q.c)
            )
            .mappings()
            .one()
        )
        detail = {"question_id": row["question_id"]}
        record_audit(connection, principal, "training_question_create", [], detail)
    return Question.of(row, True)


def update_question(
    db: sa.Engine,
    principal: Principal,
    question_id: int,
    entry: QuestionInput | None = None,
    *,
    active: bool | None = None,
    now: dt.datetime | None = None,
) -> Question:
    """Change a question the principal's units own (its text, answer ... and / or whether it is
    still drawn). Papers already drawn keep the question as it was. Audited
    `training_question_update`."""
    checked = check_question(entry) if entry is not None else None
    at = utc_now(now)
    with db.begin() as connection:
        row = _row(connection, question_id)
        check_managed(connection, principal, row["owner_unit_id"], "question")
        values: dict[str, Any] = stamp(principal, at)
        if checked is not None:
            values |= checked.values()
        if active is not None:
            values["active"] = active
        changed = (
            connection.execute(
                q.update().where(q.c.question_id == question_id).values(**values).returning(*q.c)
            )
            .mappings()
            .one()
        )
        detail = {"question_id": question_id, "active": changed["active"]}
        record_audit(connection, principal, "training_question_update", [], detail)
    return Question.of(changed, True)


def import_questions(
    db: sa.Engine,
    principal: Principal,
    data: bytes,
    name: str,
    fmt: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> Imported:
    """Add every question of a CSV or YAML file, or none (the first problem refused with its
    line and column). Audited `training_question_import`."""
    found = read_question_file(data, name, fmt)
    at = utc_now(now)
    with db.begin() as connection:
        owner = owner_of(connection, principal)
        base = {"active": True, "owner_unit_id": owner, **stamp(principal, at, created=True)}
        ids = [
            connection.execute(
                q.insert().values(**f.question.values(), **base).returning(q.c.question_id)
            ).scalar_one()
            for f in found
        ]
        counts: dict[str, int] = {}
        for f in found:
            counts[f.question.category] = counts.get(f.question.category, 0) + 1
        detail = {"name": name[:200], "questions": len(ids)}
        record_audit(connection, principal, "training_question_import", [], detail)
    return Imported(len(ids), counts, min(ids), max(ids))

"""Results, completion figures, certificates and qualification lapses (issue 23 section 3),
each cut to the reader's staff scope (`access.staff_scope`: a broker their own, a team lead
their team, a branch or region manager their units' staff, head office and compliance
everyone; the call centre and the administrator nobody). Every read is audited
(`training_results_view`, `training_figures_view`, `training_certificates_view`,
`training_lapses_view`).

- Results: per exam and staff member, the attempts, the best score, whether and when they
  passed; every staff member the exam is for is listed, sat or not.
- Completion figures per branch or team: of the required courses and exams assigned
  (`brokers.training.items`, the same assignments the KPI metric `training_completion`
  counts), how many were completed; of the exams, how many were sat and passed (pass rate:
  passed / sat; exam completion: passed / assigned).
- Lapses: `brokers.training.lapse` over the staff in scope, as of today (Beijing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.org import descendants, parents
from brokerlens.access.records import as_utc, utc_now
from brokerlens.access.staff_scope import StaffReach, staff_reach
from brokerlens.access.training_attempts import close_expired
from brokerlens.access.training_reach import TrainingRejected
from brokerlens.auth.principal import Principal
from brokerlens.brokers.training.audience import beijing_day, in_audience, unit_of_type
from brokerlens.brokers.training.items import StaffRow, active_staff, assignments
from brokerlens.brokers.training.lapse import WARNING_DAYS, HeldCertificate, Lapse, find_lapses
from brokerlens.errors import Forbidden
from brokerlens.store.schema import org_units
from brokerlens.store.training_schema import (
    training_attempts,
    training_certificates,
    training_exams,
)

LEVELS = ("branch", "team")
MAX_LISTED = 5000  # staff ids bound in one IN list; more: all rows read, cut in Python
RATE = Decimal("0.0001")


def _reach(connection: sa.Connection, principal: Principal) -> StaffReach:
    reach = staff_reach(connection, principal)
    if reach is not None and not reach and not principal.staff_id:
        raise Forbidden(
            "this role sees no staff's training results",
            hint="sign in as the staff member, their manager or head office",
        )
    return reach


def _people(
    connection: sa.Connection, principal: Principal, today: dt.date, unit_id: str | None = None
) -> list[StaffRow]:
    reach = _reach(connection, principal)
    people = [m for m in active_staff(connection, today) if reach is None or m.staff_id in reach]
    if unit_id is not None:
        below = descendants(unit_id, parents(connection))
        people = [m for m in people if m.unit_id in below]
    return people


def _close_in_scope(db: sa.Engine, principal: Principal, at: dt.datetime, today: dt.date) -> None:
    """Close the open attempts past their limit of the staff in scope (all: head office)."""
    with db.connect() as connection:
        reach = _reach(connection, principal)
    ids = None if reach is None or len(reach) >= MAX_LISTED else sorted(reach)
    close_expired(db, principal, staff_ids=ids, now=at)


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE, ROUND_HALF_UP) if whole else None


def _types(connection: sa.Connection) -> dict[str, str]:
    return {
        str(u): str(t)
        for u, t in connection.execute(sa.select(org_units.c.unit_id, org_units.c.unit_type))
    }


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    exam_id: int
    exam_title: str
    staff_id: str
    name: str
    unit_id: str
    branch_id: str | None
    position: str
    assigned: bool  # the exam is for them
    attempts: int
    best_score: int | None
    max_score: int | None
    passed: bool
    passed_on: dt.date | None
    last_attempt_id: int | None
    last_at: dt.datetime | None

    @property
    def best_percent(self) -> Decimal | None:
        if self.best_score is None or not self.max_score:
            return None
        share = Decimal(self.best_score * 100) / Decimal(self.max_score)
        return share.quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class _Tally:
    attempts: int = 0
    best: tuple[int, int] | None = None  # score, max
    passed_on: dt.date | None = None
    last_id: int | None = None
    last_at: dt.datetime | None = None


def _tallies(rows: Iterable[Any]) -> dict[tuple[int, str], _Tally]:
    found: dict[tuple[int, str], _Tally] = {}
    for r in rows:
        key = (r.exam_id, r.staff_id)
        t = found.get(key, _Tally())
        best = t.best
        if r.score is not None and (best is None or r.score * best[1] > best[0] * r.max_score):
            best = (r.score, r.max_score)
        passed_on = t.passed_on
        if r.passed and r.submitted_at is not None:
            day = beijing_day(r.submitted_at)
            passed_on = min(day, passed_on) if passed_on else day
        found[key] = _Tally(t.attempts + 1, best, passed_on, r.attempt_id, as_utc(r.started_at))
    return found


def exam_results(
    db: sa.Engine,
    principal: Principal,
    *,
    exam_id: int | None = None,
    unit_id: str | None = None,
    now: dt.datetime | None = None,
) -> list[ResultRow]:
    """Per exam (one, or every exam not a draft) and staff member in scope (under `unit_id`
    when given): attempts, best score, passed. Audited `training_results_view`."""
    at = utc_now(now)
    today = beijing_day(at)
    _close_in_scope(db, principal, at, today)
    with db.begin() as connection:
        people = _people(connection, principal, today, unit_id)
        ids = [m.staff_id for m in people]
        where = [training_exams.c.status != "draft"]
        if exam_id is not None:
            where.append(training_exams.c.exam_id == exam_id)
        exams = connection.execute(
            sa.select(training_exams).where(*where).order_by(training_exams.c.exam_id.desc())
        ).all()
        a = training_attempts
        tried = _tallies(
            connection.execute(
                sa.select(a.c.exam_id, a.c.staff_id, a.c.attempt_id, a.c.score, a.c.max_score,
                          a.c.passed, a.c.submitted_at, a.c.started_at)
                .where(a.c.staff_id.in_(ids) if len(ids) < MAX_LISTED else sa.true())
                .order_by(a.c.attempt_id)
            )
        )  # fmt: skip
        parent_of, types = parents(connection), _types(connection)
        rows = []
        for exam in exams:
            for m in people:
                t = tried.get((exam.exam_id, m.staff_id))
                assigned = in_audience(
                    exam.audience_positions or [], exam.audience_unit_id, m.position, m.unit_id,
                    parent_of,
                )  # fmt: skip
                if not assigned and t is None:
                    continue
                t = t or _Tally()
                rows.append(
                    ResultRow(
                        exam.exam_id, exam.title, m.staff_id, m.name, m.unit_id,
                        unit_of_type(m.unit_id, "branch", parent_of, types), m.position, assigned,
                        t.attempts, t.best[0] if t.best else None, t.best[1] if t.best else None,
                        t.passed_on is not None, t.passed_on, t.last_id, t.last_at,
                    )
                )  # fmt: skip
        detail = {"exam_id": exam_id, "unit_id": unit_id, "rows": len(rows)}
        record_audit(connection, principal, "training_results_view", [], detail)
    return rows


# -- completion figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFigures:
    unit_id: str | None  # the branch or team; None: staff in neither
    staff: int
    courses_assigned: int
    courses_done: int
    exams_assigned: int
    exams_sat: int
    exams_passed: int

    @property
    def course_completion(self) -> Decimal | None:
        return _rate(self.courses_done, self.courses_assigned)

    @property
    def pass_rate(self) -> Decimal | None:
        return _rate(self.exams_passed, self.exams_sat)

    @property
    def exam_completion(self) -> Decimal | None:
        return _rate(self.exams_passed, self.exams_assigned)


@dataclass(frozen=True)
class Figures:
    level: str
    as_of: dt.date
    item: str | None  # course:<id> / exam:<id>, or every required item
    rows: list[UnitFigures]
    total: UnitFigures


def _figures(unit: str | None, staff: set[str], items: list[Any]) -> UnitFigures:
    courses = [i for i in items if i.kind == "course"]
    exams = [i for i in items if i.kind == "exam"]
    return UnitFigures(
        unit,
        len(staff),
        len(courses),
        sum(1 for i in courses if i.done_on is not None),
        len(exams),
        sum(1 for i in exams if i.attempted),
        sum(1 for i in exams if i.done_on is not None),
    )


def completion_figures(
    db: sa.Engine,
    principal: Principal,
    *,
    level: str = "branch",
    course_id: int | None = None,
    exam_id: int | None = None,
    now: dt.datetime | None = None,
) -> Figures:
    """Completion per branch or team of the staff in scope: of one course or exam, or of every
    required one. Audited `training_figures_view`."""
    if level not in LEVELS:
        raise TrainingRejected("level", f"one of {', '.join(LEVELS)}")
    at = utc_now(now)
    today = beijing_day(at)
    item = f"course:{course_id}" if course_id else (f"exam:{exam_id}" if exam_id else None)
    _close_in_scope(db, principal, at, today)
    with db.begin() as connection:
        people = _people(connection, principal, today)
        found = assignments(connection, today, required_only=item is None, people=people)
        if item is not None:
            found = [x for x in found if x.item == item]
        parent_of, types = parents(connection), _types(connection)
        unit_of = {m.staff_id: unit_of_type(m.unit_id, level, parent_of, types) for m in people}
        groups: dict[str | None, list[Any]] = {}
        staff: dict[str | None, set[str]] = {}
        for m in people:
            staff.setdefault(unit_of[m.staff_id], set()).add(m.staff_id)
        for x in found:
            groups.setdefault(unit_of.get(x.staff_id), []).append(x)
        keys = sorted(staff, key=lambda u: (u is None, u or ""))
        rows = [_figures(u, staff[u], groups.get(u, [])) for u in keys]
        total = _figures(None, {m.staff_id for m in people}, found)
        detail = {"level": level, "course_id": course_id, "exam_id": exam_id, "units": len(rows)}
        record_audit(connection, principal, "training_figures_view", [], detail)
    return Figures(level, today, item, rows, total)


# -- certificates and lapses ----------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateRow:
    certificate_id: int
    staff_id: str
    name: str
    unit_id: str
    certificate: str
    exam_id: int
    issued_on: dt.date
    expires_on: dt.date | None
    state: str  # valid, expiring, expired


def _held(connection: sa.Connection, ids: list[str]) -> list[HeldCertificate]:
    c = training_certificates
    rows = connection.execute(
        sa.select(c.c.staff_id, c.c.name, c.c.certificate_id, c.c.issued_on, c.c.expires_on)
        .where(c.c.staff_id.in_(ids) if len(ids) < MAX_LISTED else sa.true())
        .order_by(c.c.certificate_id)
    )
    wanted = set(ids)
    return [HeldCertificate(*r) for r in rows if r.staff_id in wanted]


def list_certificates(
    db: sa.Engine, principal: Principal, *, now: dt.datetime | None = None
) -> list[CertificateRow]:
    """Every certificate of the staff in scope, the soonest to expire first. Audited
    `training_certificates_view`."""
    today = beijing_day(utc_now(now))
    horizon = today + dt.timedelta(days=WARNING_DAYS)
    c = training_certificates
    with db.begin() as connection:
        people = {m.staff_id: m for m in _people(connection, principal, today)}
        rows = (
            connection.execute(
                sa.select(c).where(
                    c.c.staff_id.in_(list(people)) if len(people) < MAX_LISTED else sa.true()
                )
            )
            .mappings()
            .all()
        )
        out = []
        for r in rows:
            member = people.get(r["staff_id"])
            if member is None:
                continue
            expires = r["expires_on"]
            state = (
                "valid" if expires is None or expires > horizon
                else ("expired" if expires < today else "expiring")
            )  # fmt: skip
            out.append(
                CertificateRow(
                    r["certificate_id"], member.staff_id, member.name, member.unit_id, r["name"],
                    r["exam_id"], r["issued_on"], expires, state,
                )
            )  # fmt: skip
        out.sort(key=lambda x: (x.expires_on or dt.date.max, x.staff_id, x.certificate_id))
        record_audit(connection, principal, "training_certificates_view", [], {"rows": len(out)})
    return out


@dataclass(frozen=True)
class LapseReport:
    as_of: dt.date
    rows: list[Lapse]

    def count(self, reason: str) -> int:
        return sum(1 for r in self.rows if r.reason == reason)


def qualification_lapses(
    db: sa.Engine, principal: Principal, *, now: dt.datetime | None = None
) -> LapseReport:
    """The staff in scope whose qualification lapses, as of today. Audited
    `training_lapses_view`."""
    today = beijing_day(utc_now(now))
    with db.begin() as connection:
        people = _people(connection, principal, today)
        held = _held(connection, [m.staff_id for m in people])
        rows = find_lapses(people, held, today)
        detail = {"as_of": today.isoformat(), "rows": len(rows)}
        record_audit(connection, principal, "training_lapses_view", [], detail)
    return LapseReport(today, rows)

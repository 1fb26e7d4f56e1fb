"""Changing the KPI schemes as a named user (issue 19 section 4, approval kind `kpi_scheme`):
a user with Permission.EDIT_KPI (head office marketing) previews an edited scheme file - who
moves in the ranking, scored on the same metric values as the active schemes - then asks; another
holder of edit_kpi approves, and the approval stores the file as the next version and makes it
active (audited `kpi_scheme_apply`); the next run scores the running month with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from brokerlens.access.approvals import (
    Applying,
    Approval,
    ApprovalKind,
    register_kind,
    request_approval,
)
from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.kpi import LEVELS, KpiRejected, pick_month
from brokerlens.access.staff_scope import staff_reach
from brokerlens.auth.principal import Permission, Principal
from brokerlens.brokers.kpi.build import read_values
from brokerlens.brokers.kpi.model import SchemeFile
from brokerlens.brokers.kpi.schemes import (
    VersionRecord,
    active_version,
    apply_text,
    load_active,
    parse_schemes,
    sha256_of,
)
from brokerlens.brokers.kpi.scoring import StaffScore, score_all
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, NotFound
from brokerlens.warehouse.served import kept_file

KIND = "kpi_scheme"
MAX_SCHEME_BYTES = 200_000


@dataclass(frozen=True)
class Move:
    staff_id: str
    position: str
    unit_id: str | None  # the group at the preview's level
    old_total: Decimal | None  # None: not scored before (a position newly given a scheme)
    new_total: Decimal | None  # None: no longer scored
    old_rank: int | None
    new_rank: int | None

    @property
    def moved(self) -> bool:
        return self.old_rank != self.new_rank

    @property
    def change(self) -> int:
        """Places gained (positive) or lost; 0 when not ranked on one side."""
        if self.old_rank is None or self.new_rank is None:
            return 0
        return self.old_rank - self.new_rank


@dataclass(frozen=True)
class SchemePreview:
    month: dt.date
    level: str
    based_on: str  # the active version the candidate is compared with
    changed_positions: list[str]
    moves: list[Move]  # the staff in the reader's reach, the ones who move first

    @property
    def moved(self) -> int:
        return sum(1 for m in self.moves if m.moved)

    @property
    def up(self) -> int:
        return sum(1 for m in self.moves if m.change > 0)

    @property
    def down(self) -> int:
        return sum(1 for m in self.moves if m.change < 0)


def _editing(principal: Principal) -> None:
    if not principal.can(Permission.EDIT_KPI):
        raise Forbidden(
            "changing the KPI schemes needs the edit_kpi permission (head office marketing)",
            hint="ask head office marketing",
        )


def _checked(text: str, source: str) -> SchemeFile:
    if len(text.encode("utf-8")) > MAX_SCHEME_BYTES:
        raise KpiRejected("schemes", f"at most {MAX_SCHEME_BYTES:,} bytes")
    return parse_schemes(text, source)


def changed_positions(old: SchemeFile, new: SchemeFile) -> list[str]:
    before = {s.position: s for s in old.schemes}
    after = {s.position: s for s in new.schemes}
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def preview_scheme_change(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    text: str,
    source: str = "edited schemes",
    *,
    month: dt.date | None = None,
    level: str = "branch",
) -> SchemePreview:
    """Who would move in the ranking at `level` if the scheme file `text` were active: both the
    active schemes and the candidate score the month's kept metric values, so every move shown
    is due to the edit alone. Needs edit_kpi; audited `kpi_scheme_preview`."""
    _editing(principal)
    if level not in LEVELS:
        raise KpiRejected("level", f"one of {', '.join(LEVELS)}")
    candidate = _checked(text, source)
    baseline = load_active(settings)
    picked = pick_month(settings, month)
    path = kept_file(settings, "kpi_values", picked)
    if path is None:
        raise NotFound(f"no KPI metric values for {picked:%Y-%m}", hint="run `brokerlens run`")
    values = read_values(path)
    with db.connect() as connection:
        reach = staff_reach(connection, principal)
    moves = _moves(score_all(baseline, values), score_all(candidate, values), level)
    if reach is not None:
        moves = [m for m in moves if m.staff_id in reach]
    moves.sort(key=lambda m: (not m.moved, -abs(m.change), str(m.unit_id), m.staff_id))
    detail = {"month": picked.isoformat(), "level": level, "moved": sum(m.moved for m in moves)}
    audit_read(db, principal, "kpi_scheme_preview", [], detail)
    return SchemePreview(
        picked, level, active_version(settings), changed_positions(baseline, candidate), moves
    )


def _moves(old: list[StaffScore], new: list[StaffScore], level: str) -> list[Move]:
    before = {s.staff.staff_id: s for s in old}
    after = {s.staff.staff_id: s for s in new}
    out = []
    for staff_id in sorted(before.keys() | after.keys()):
        a, b = before.get(staff_id), after.get(staff_id)
        member = (b or a).staff  # type: ignore[union-attr]
        out.append(
            Move(
                staff_id,
                member.position or "",
                getattr(member, f"{level}_id"),
                a.total if a else None,
                b.total if b else None,
                a.ranks[level] if a else None,
                b.ranks[level] if b else None,
            )
        )
    return out


def request_scheme_change(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    text: str,
    source: str = "edited schemes",
    note: str | None = None,
) -> Approval:
    """Validate the scheme file and ask for it to become active; another holder of edit_kpi
    decides (head office: no unit). Audited `approval_request`."""
    _editing(principal)
    schemes = _checked(text, source)
    sha = sha256_of(text)
    with db.begin() as connection:
        return request_approval(
            connection,
            principal,
            kind=KIND,
            subject=f"绩效考核方案变更 · {len(schemes.schemes)} 个岗位 · {sha[:12]}",
            subject_ref=f"kpi_scheme:{sha[:16]}",
            payload={
                "text": text,
                "source": source[:200],
                "sha256": sha,
                "note": note,
                "based_on": active_version(settings),
                "positions": changed_positions(load_active(settings), schemes),
            },
            reason=note,
        )


def apply_scheme_as(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    text: str,
    source: str,
    note: str | None = None,
) -> VersionRecord:
    """Store the scheme file as the next version and make it active (what an approved
    `kpi_scheme` request does); audited `kpi_scheme_apply`."""
    _editing(principal)
    _checked(text, source)
    record = apply_text(settings, text, source, user=principal.username, note=note)
    detail = {"version": record.version, "sha256": record.sha256, "note": note}
    with db.begin() as connection:
        record_audit(connection, principal, "kpi_scheme_apply", [], detail)
    return record


def _apply_request(applying: Applying, decider: Principal, request: Approval) -> str:
    p = request.payload
    why = f"request {request.request_id} by {request.requested_by}"
    note = f"{p['note']} ({why})" if p.get("note") else why
    record = apply_scheme_as(applying.db, applying.settings, decider, p["text"], p["source"], note)
    return f"KPI schemes version {record.version} active; the next run scores with it"


def _describe(settings: Settings, request: Approval, language: str) -> list[tuple[str, str]]:
    p = request.payload
    en = language == "en"
    positions = ", ".join(p.get("positions") or []) or "—"
    return [
        ("Positions changed" if en else "变更岗位", positions),
        ("sha256", str(p.get("sha256"))),
        ("Active when asked" if en else "提出时的版本", str(p.get("based_on"))),
        ("Active now" if en else "当前版本", active_version(settings)),
        ("Note" if en else "说明", str(p.get("note") or "—")),
    ]


SCHEME_KIND = register_kind(
    ApprovalKind(
        name=KIND,
        zh="绩效考核方案变更",
        en="KPI scheme change",
        apply=_apply_request,
        permission=Permission.EDIT_KPI,
        describe=_describe,
        deciders="another head office user with edit_kpi",
    )
)

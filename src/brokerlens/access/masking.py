"""Personal data leaves `access` masked; `reveal` shows one value to a permitted user, audited.

The masks follow the de-identification practice of the national standards (GB/T 35273 and
GB/T 37964, personal information de-identification): an ID number keeps only its first and last
character, and the birth date it encodes is shown only as an age band, so the masked pair tells
neither the date nor the number; a phone keeps the carrier prefix and the last 4 digits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Permission, Principal
from brokerlens.errors import Forbidden, InvalidRequest, NotFound


def _keep(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)  # too short to show anything without showing most of it
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_id_no(value: str | None) -> str | None:
    """'110101199001011234' -> '1****************4'."""
    return None if value is None else _keep(value, 1, 1)


def mask_phone(value: str | None) -> str | None:
    """'13812345678' -> '138****5678'."""
    return None if value is None else _keep(value, 3, 4)


def mask_email(value: str | None) -> str | None:
    """'zhang.san@example.com' -> 'z***@example.com'."""
    if value is None:
        return None
    local, at, domain = value.partition("@")
    if not at or not local or not domain:
        return "*" * len(value)
    return f"{local[0]}***@{domain}"


# Ten-year bands; minors and the over-70s (whom suitability treats apart) each in one band.
AGE_BANDS = (
    (18, "<18"),
    (30, "18-29"),
    (40, "30-39"),
    (50, "40-49"),
    (60, "50-59"),
    (70, "60-69"),
)
OLDEST_BAND = "70+"


def age_band(born: dt.date, on: dt.date) -> str:
    """The age band of someone born on `born`, on the day `on`: '<18', '18-29', ... '70+'."""
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next((band for below, band in AGE_BANDS if age < below), OLDEST_BAND)


def mask_birth_date(value: str | None, on: dt.date | None = None) -> str | None:
    """'1990-01-01' -> '30-39' (the age band today, or on `on`)."""
    if value is None:
        return None
    try:
        born = dt.date.fromisoformat(value[:10])
    except ValueError:
        return "*" * len(value)
    return age_band(born, on or dt.date.today())


MASKERS = {
    "id_no": mask_id_no,
    "phone": mask_phone,
    "email": mask_email,
    "birth_date": mask_birth_date,
}
PII_FIELDS = tuple(MASKERS)
# Personal fields, once: every masked field, and the birth date (digits 7-14 of the ID number).
# Without reveal_pii none may be a condition, sort key, search target or segment field: a count
# that depends on a hidden value gives it back (`conditions.check_personal`).
PERSONAL_FIELDS: frozenset[str] = frozenset({*MASKERS, "birth_date"})


def mask_row(row: Mapping[str, Any] | sa.RowMapping) -> dict[str, Any]:
    out = dict(row)
    for name, masker in MASKERS.items():
        if name in out and out[name] is not None:
            out[name] = masker(str(out[name]))
    return out


def reveal(
    db: sa.Engine, principal: Principal, customer_id: str, field: str, reason: str
) -> str | None:
    """The unmasked value of one personal field of one customer; audited `reveal`."""
    if not principal.can(Permission.REVEAL_PII):
        raise Forbidden("revealing personal data needs the reveal_pii permission")
    if field not in MASKERS:
        raise InvalidRequest(f"field {field[:50]!r} cannot be revealed; use one of {PII_FIELDS}")
    if not reason or not reason.strip():
        raise InvalidRequest("reason: say why the value is needed (it is kept in the audit log)")
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        if field not in snapshot.table.c:
            raise InvalidRequest(f"field {field!r} is not in the published profile")
        table = snapshot.table
        row = connection.execute(
            sa.select(table.c[field]).where(
                table.c.customer_id == customer_id, customer_scope(principal, snapshot)
            )
        ).first()
        if row is None:
            raise NotFound(f"no customer {customer_id!r}")
        record_audit(
            connection,
            principal,
            "reveal",
            [customer_id],
            {"field": field, "reason": reason.strip()[:500]},
        )
    value = row[0]
    return None if value is None else str(value)

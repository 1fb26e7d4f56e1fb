"""Whose qualification lapses (资格失效预警), as of a day:

- `no_sac_cert`: a staff member in a client-facing position (broker, advisor, team lead, branch
  manager: the positions of the broker tree) whom the staff feed delivers without a
  `sac_cert_no` (the SAC qualification certificate number);
- `cert_expired`: their newest internal certificate of a name (the one issued last) expired
  before the day;
- `cert_expiring`: it expires within `WARNING_DAYS` days of the day (the day itself included).

A certificate renewed (a newer one of the same name) no longer lapses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from brokerlens.brokers.training.audience import CLIENT_FACING
from brokerlens.brokers.training.items import StaffRow

WARNING_DAYS = 30
REASONS = ("no_sac_cert", "cert_expired", "cert_expiring")


@dataclass(frozen=True)
class HeldCertificate:
    staff_id: str
    name: str
    certificate_id: int
    issued_on: dt.date
    expires_on: dt.date | None


@dataclass(frozen=True)
class Lapse:
    staff_id: str
    name: str
    unit_id: str
    position: str
    reason: str  # REASONS
    certificate: str | None  # the certificate's name (internal ones)
    expires_on: dt.date | None
    days_left: int | None  # negative: expired that many days ago


def _newest(certificates: Iterable[HeldCertificate]) -> dict[tuple[str, str], HeldCertificate]:
    newest: dict[tuple[str, str], HeldCertificate] = {}
    for c in certificates:
        key = (c.staff_id, c.name)
        held = newest.get(key)
        if held is None or (c.issued_on, c.certificate_id) > (held.issued_on, held.certificate_id):
            newest[key] = c
    return newest


def find_lapses(
    people: Sequence[StaffRow], certificates: Iterable[HeldCertificate], today: dt.date
) -> list[Lapse]:
    """The lapses of `people` (the staff not left), the soonest first, then by staff."""
    by_id = {p.staff_id: p for p in people}
    found = [
        Lapse(p.staff_id, p.name, p.unit_id, p.position, "no_sac_cert", None, None, None)
        for p in people
        if p.position in CLIENT_FACING and not (p.sac_cert_no or "").strip()
    ]
    horizon = today + dt.timedelta(days=WARNING_DAYS)
    for (staff_id, name), c in _newest(certificates).items():
        member = by_id.get(staff_id)
        if member is None or c.expires_on is None or c.expires_on > horizon:
            continue
        reason = "cert_expired" if c.expires_on < today else "cert_expiring"
        days = (c.expires_on - today).days
        found.append(
            Lapse(
                staff_id, member.name, member.unit_id, member.position, reason, name,
                c.expires_on, days,
            )
        )  # fmt: skip
    order = {r: n for n, r in enumerate(REASONS)}
    return sorted(
        found,
        key=lambda x: (
            order[x.reason],
            x.days_left if x.days_left is not None else 0,
            x.staff_id,
            x.certificate or "",
        ),
    )

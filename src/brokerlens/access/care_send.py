"""Sending care messages: the export for the SMS / app-push platform and e-mail through SMTP.

Both carry personal data (a phone number, an e-mail address), so both need the `send_messages`
permission and are audited with every customer whose contact left the store, like a reveal.
Only queued messages in the sender's scope go; a customer who opted out since the message was
made is skipped (marked opted_out), one with no phone or address is marked failed with the
reason. An exported message is marked exported (the platform sends it); an e-mail sent or
failed, with the server's words.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.care import CareQuery, scoped, where_of
from brokerlens.access.exports import MAX_EXPORT_ROWS, export_name
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Permission, Principal
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, InvalidRequest
from brokerlens.marketing.care.mail import Mail, send_mails, smtp_of
from brokerlens.store.marketing_schema import care_messages, opt_outs

EXPORT_CHANNELS = ("sms", "app_push")
NO_PHONE = "no phone number in the customer's data"
NO_EMAIL = "no e-mail address in the customer's data"
_CHUNK = 500  # ids per UPDATE ... IN (...)


# A message an e-mail sender has taken and not yet marked sent or failed.
SENDING = "sending"


def _require(principal: Principal) -> None:
    if not principal.can(Permission.SEND_MESSAGES):
        raise Forbidden("sending care messages needs the send_messages permission")


@dataclass(frozen=True)
class CareExport:
    name: str  # the file name, with .csv
    text: str
    count: int  # messages in the file (now exported)
    skipped: dict[str, int] = field(default_factory=dict)  # opted_out / failed: how many


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    opted_out: int
    errors: list[str]  # distinct reasons of the failures, first ones

    @property
    def ok(self) -> bool:
        return self.failed == 0


def _queued(
    connection: sa.Connection,
    principal: Principal,
    snapshot: Snapshot,
    channel: str,
    query: CareQuery,
    contact: str,
) -> list[dict[str, Any]]:
    source, scope = scoped(principal, snapshot)
    table = snapshot.table
    if source is care_messages:
        source = care_messages.outerjoin(table, table.c.customer_id == care_messages.c.customer_id)
    where = [scope, *where_of(query), care_messages.c.channel == channel]
    where.append(care_messages.c.status == "queued")
    value = table.c[contact] if contact in table.c else sa.literal(None)
    total = connection.execute(
        sa.select(sa.func.count()).select_from(source).where(*where)
    ).scalar_one()
    if total > MAX_EXPORT_ROWS:
        raise InvalidRequest(
            f"{total:,} messages are queued, more than the {MAX_EXPORT_ROWS:,} one export holds",
            hint="narrow it by rule or occasion date and export in parts",
        )
    rows = connection.execute(
        sa.select(
            care_messages.c.message_id,
            care_messages.c.customer_id,
            care_messages.c.subject,
            care_messages.c.body,
            value.label("contact"),
        )
        .select_from(source)
        .where(*where)
        .order_by(care_messages.c.message_id)
    ).mappings()
    return [dict(r) for r in rows]


def _refusing(connection: sa.Connection, channel: str) -> set[str]:
    """Customers who refuse `channel` now (an opt-out made after the message was)."""
    rows = connection.execute(
        sa.select(opt_outs.c.customer_id).where(opt_outs.c.channel.in_((channel, "all")))
    )
    return {r[0] for r in rows}


def _mark(
    connection: sa.Connection,
    ids: Iterable[int],
    values: dict[str, Any],
    *,
    was: str = "queued",
) -> set[int]:
    """Set `values` on the messages still `was`; returns the ids this call changed, so of two
    senders at once only one takes a message (the other's update finds it taken)."""
    ids = list(ids)
    taken: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        taken.update(
            connection.execute(
                care_messages.update()
                .where(care_messages.c.message_id.in_(ids[start : start + _CHUNK]))
                .where(care_messages.c.status == was)
                .values(**values)
                .returning(care_messages.c.message_id)
            ).scalars()
        )
    return taken


def export_messages(
    db: sa.Engine, principal: Principal, channel: str, query: CareQuery | None = None
) -> CareExport:
    """The queued `channel` messages in scope as CSV for the platform (SMS: customer id, phone,
    body; app push: customer id, app id, title, body), marked exported. Audited `export` (kind
    care_messages) with every customer whose phone left the store."""
    _require(principal)
    if channel not in EXPORT_CHANNELS:
        raise InvalidRequest(
            f"channel: {channel[:20]!r} cannot be exported",
            hint="export sms or app_push; e-mail is sent with send-email",
        )
    query = query or CareQuery()
    now = dt.datetime.now(dt.UTC)
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        contact = "phone" if channel == "sms" else "customer_id"
        rows = _queued(connection, principal, snapshot, channel, query, contact)
        refusing = _refusing(connection, channel)
        out, gone, missing = [], [], []
        for row in rows:
            if row["customer_id"] in refusing:
                gone.append(row["message_id"])
            elif not row["contact"]:
                missing.append(row["message_id"])
            else:
                out.append(row)
        _mark(connection, gone, {"status": "opted_out"})
        _mark(connection, missing, {"status": "failed", "error": NO_PHONE})
        sent = {"status": "exported", "sent_at": now, "sent_by": principal.username}
        taken = _mark(connection, [r["message_id"] for r in out], sent)
        out = [r for r in out if r["message_id"] in taken]  # another export took the rest
        ids = list(dict.fromkeys(str(r["customer_id"]) for r in out))
        detail = {
            "kind": "care_messages",
            "channel": channel,
            "fields": ["phone"] if channel == "sms" else [],
            "count": len(out),
            "as_of": str(snapshot.as_of_date),
        }
        record_audit(connection, principal, "export", ids, detail)
    skipped = {"opted_out": len(gone), "failed": len(missing)}
    name = f"{export_name(f'care_{channel}', snapshot.as_of_date)}.csv"
    return CareExport(name, _csv(channel, out), len(out), skipped)


def _csv(channel: str, rows: Sequence[dict[str, Any]]) -> str:
    """Plain UTF-8 CSV for the platform's importer (no BOM, values as they are)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if channel == "sms":
        writer.writerow(["message_id", "customer_id", "phone", "body"])
        writer.writerows([r["message_id"], r["customer_id"], r["contact"], r["body"]] for r in rows)
    else:
        writer.writerow(["message_id", "customer_id", "app_id", "title", "body"])
        writer.writerows(
            [r["message_id"], r["customer_id"], r["contact"], r["subject"] or "", r["body"]]
            for r in rows
        )
    return out.getvalue()


def send_email(
    db: sa.Engine, settings: Settings, principal: Principal, query: CareQuery | None = None
) -> SendReport:
    """Send the queued e-mail messages in scope through the SMTP relay of the settings; each is
    marked sent, or failed with the reason (a refused connection fails them all, saying so).
    Audited `send_email` with every customer whose address was used."""
    _require(principal)
    smtp = smtp_of(settings)  # not set up: said before anything is touched
    query = query or CareQuery()
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        rows = _queued(connection, principal, snapshot, "email", query, "email")
        refusing = _refusing(connection, "email")
    gone = [r["message_id"] for r in rows if r["customer_id"] in refusing]
    mails, missing = [], []
    for row in rows:
        if row["customer_id"] in refusing:
            continue
        if not row["contact"]:
            missing.append(row["message_id"])
            continue
        subject = row["subject"] or ""
        mails.append(Mail(row["message_id"], str(row["contact"]), subject, row["body"]))
    with db.begin() as connection:  # claimed before sending: a second sender skips them
        claimed = _mark(connection, [m.message_id for m in mails], {"status": SENDING})
    mails = [m for m in mails if m.message_id in claimed]
    outcomes = send_mails(smtp, mails)
    now = dt.datetime.now(dt.UTC)
    errors: dict[str, None] = {}
    with db.begin() as connection:
        _mark(connection, gone, {"status": "opted_out"})
        _mark(connection, missing, {"status": "failed", "error": NO_EMAIL})
        done = [o.message_id for o in outcomes if o.error is None]
        sent_values = {"status": "sent", "sent_at": now, "sent_by": principal.username}
        _mark(connection, done, sent_values, was=SENDING)
        failures: dict[str, list[int]] = {}
        for outcome in outcomes:
            if outcome.error is not None:
                failures.setdefault(outcome.error, []).append(outcome.message_id)
        for error, failed_ids in failures.items():
            errors[error] = None
            values = {"status": "failed", "error": error[:2000], "sent_by": principal.username}
            _mark(connection, failed_ids, values, was=SENDING)
        by_id = {r["message_id"]: str(r["customer_id"]) for r in rows}
        ids = list(dict.fromkeys(by_id[m.message_id] for m in mails))
        detail = {
            "kind": "care_messages",
            "channel": "email",
            "fields": ["email"],
            "count": len(mails),
            "sent": len(done),
        }
        record_audit(connection, principal, "send_email", ids, detail)
    if missing:
        errors[NO_EMAIL] = None
    failed = len(mails) - len(done) + len(missing)
    return SendReport(len(done), failed, len(gone), list(errors)[:5])

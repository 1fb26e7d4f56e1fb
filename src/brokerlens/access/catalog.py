"""Applying a classification catalog as a named user: Permission.EDIT_CATALOG (HQ), audited
`catalog_apply` with the version, its sha256 and the note, from the web and the CLI alike."""

from __future__ import annotations

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.auth.principal import Permission, Principal
from brokerlens.classify.versions import VersionRecord, apply_catalog_text
from brokerlens.config import Settings
from brokerlens.errors import Forbidden


def _editing(principal: Principal) -> None:
    if not principal.can(Permission.EDIT_CATALOG):
        raise Forbidden(
            "applying a catalog needs the edit_catalog permission (HQ marketing)",
            hint="preview it and ask HQ to apply it",
        )


def apply_catalog_as(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    text: str,
    source: str,
    note: str | None = None,
) -> VersionRecord:
    """Validate the catalog YAML `text` (named `source` in errors), store it as the next
    version applied by the principal and make it active; the next run classifies with it."""
    _editing(principal)
    record = apply_catalog_text(settings, text, source, user=principal.username, note=note)
    detail = {"version": record.version, "sha256": record.sha256, "note": note}
    with db.begin() as connection:
        record_audit(connection, principal, "catalog_apply", [], detail)
    return record

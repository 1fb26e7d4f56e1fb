"""Changing the classification catalog as a named user (issue 18 section 3, kind
`catalog_change`): a user with Permission.EDIT_CATALOG (HQ) asks, with the catalog's YAML
validated first; another user with the permission approves, and the approval stores it as the
next version and makes it active (audited `catalog_apply` in the approver's name with the
version, its sha256 and the note); the next run classifies with it. The web and the CLI alike.
"""

from __future__ import annotations

import sqlalchemy as sa

from brokerlens.access.approvals import (
    Applying,
    Approval,
    ApprovalKind,
    register_kind,
    request_approval,
)
from brokerlens.access.audit import record_audit
from brokerlens.auth.principal import Permission, Principal
from brokerlens.classify.loader import parse_catalog, sha256_of
from brokerlens.classify.versions import VersionRecord, apply_catalog_text, catalog_version
from brokerlens.config import Settings
from brokerlens.errors import Forbidden
from brokerlens.indicators import load_indicators

KIND = "catalog_change"


def _editing(principal: Principal) -> None:
    if not principal.can(Permission.EDIT_CATALOG):
        raise Forbidden(
            "changing the catalog needs the edit_catalog permission (HQ marketing)",
            hint="preview it and ask HQ to change it",
        )


def request_catalog_change(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    text: str,
    source: str,
    note: str | None = None,
) -> Approval:
    """Validate the catalog YAML `text` (named `source` in errors) and ask for it to become the
    active catalog; another HQ user approves. Audited `approval_request`."""
    _editing(principal)
    catalog = parse_catalog(text, source, load_indicators(settings))
    sha = sha256_of(text)
    with db.begin() as connection:
        return request_approval(
            connection,
            principal,
            kind=KIND,
            subject=f"分类目录变更 · {len(catalog.classifications)} 个分类 · {sha[:12]}",
            subject_ref=f"catalog:{sha[:16]}",
            payload={
                "text": text,
                "source": source[:200],
                "sha256": sha,
                "note": note,
                "based_on": catalog_version(settings),
            },
            reason=note,
        )


def apply_catalog_as(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    text: str,
    source: str,
    note: str | None = None,
) -> VersionRecord:
    """Store the catalog YAML `text` as the next version applied by the principal and make it
    active (what an approved `catalog_change` does); audited `catalog_apply`."""
    _editing(principal)
    record = apply_catalog_text(settings, text, source, user=principal.username, note=note)
    detail = {"version": record.version, "sha256": record.sha256, "note": note}
    with db.begin() as connection:
        record_audit(connection, principal, "catalog_apply", [], detail)
    return record


def apply_catalog_request(applying: Applying, decider: Principal, request: Approval) -> str:
    p = request.payload
    why = f"request {request.request_id} by {request.requested_by}"
    note = f"{p['note']} ({why})" if p.get("note") else why
    record = apply_catalog_as(applying.db, applying.settings, decider, p["text"], p["source"], note)
    return f"catalog version {record.version} active; the next run classifies with it"


def describe_catalog(settings: Settings, request: Approval, language: str) -> list[tuple[str, str]]:
    p = request.payload
    en = language == "en"
    text = str(p.get("text") or "")
    return [
        ("File" if en else "文件", str(p.get("source"))),
        ("sha256", str(p.get("sha256"))),
        (
            "Size" if en else "大小",
            f"{len(text.splitlines())} lines" if en else f"{len(text.splitlines())} 行",
        ),
        ("Active when asked" if en else "提出时的版本", str(p.get("based_on"))),
        ("Active now" if en else "当前版本", catalog_version(settings)),
        ("Note" if en else "说明", str(p.get("note") or "—")),
    ]


CATALOG_KIND = register_kind(
    ApprovalKind(
        name=KIND,
        zh="分类目录变更",
        en="Catalog change",
        apply=apply_catalog_request,
        permission=Permission.EDIT_CATALOG,
        describe=describe_catalog,
        deciders="another head office user with edit_catalog",
    )
)

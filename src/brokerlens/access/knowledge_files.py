"""An article's attachments (issue 23 section 2): uploaded by its writers, kept under
`<home>/kb/attachments/` (`knowledge.layout`), checked first (`knowledge.attachments`: at most
10 MB, PDF, Office, pictures, text). Adding or removing one is an edit: the article's next
version carries the new list, and readers get it when that version is approved. A reader
downloads the attachments of the published version; a writer any of the article's.

Audited: kb_attach, kb_detach (with the new version), kb_download.
"""

from __future__ import annotations

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.knowledge import (
    Article,
    Attachment,
    Reach,
    Row,
    article_row,
    attachments_of,
    edited_row,
    get_article,
    latest_values,
    may_edit_row,
    new_version,
    reach_of,
    version_of,
)
from brokerlens.access.records import utc_now
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.errors import NotFound
from brokerlens.knowledge.attachments import (
    AttachmentRejected,
    check_upload,
    keep_file,
    read_file,
)
from brokerlens.knowledge.layout import KnowledgeLayout
from brokerlens.store.knowledge_schema import kb_attachments, kb_versions

MAX_ATTACHMENTS = 20


def _layout(settings: Settings) -> KnowledgeLayout:
    return KnowledgeLayout(settings.kb_dir)


def add_attachment(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    article_id: int,
    filename: str | None,
    data: bytes,
) -> Article:
    """Keep the file and save the article's next version with it (a draft until approved);
    a file refused says why (`AttachmentRejected`, 422). Audited `kb_attach`."""
    checked = check_upload(filename, data)
    with db.begin() as connection:
        reach = reach_of(connection, principal)
        row = edited_row(connection, reach, article_id)
        values = latest_values(connection, row)
        kept = [int(i) for i in values["attachments"] or []]
        if len(kept) >= MAX_ATTACHMENTS:
            raise AttachmentRejected(
                f"一篇文章最多 {MAX_ATTACHMENTS} 个附件",
                f"an article carries at most {MAX_ATTACHMENTS} attachments",
            )
        attachment_id = connection.execute(
            kb_attachments.insert()
            .values(
                article_id=article_id,
                filename=checked.filename,
                content_type=checked.content_type,
                size_bytes=checked.size_bytes,
                sha256=checked.sha256,
                uploaded_by=principal.username,
                uploaded_at=utc_now(),
            )
            .returning(kb_attachments.c.attachment_id)
        ).scalar_one()
        values["attachments"] = [*kept, int(attachment_id)]
        values["note"] = f"附件：添加 {checked.filename}"
        detail = {"attachment_id": int(attachment_id), "size_bytes": checked.size_bytes}
        version = new_version(connection, principal, row, values, "kb_attach", detail)
        keep_file(_layout(settings), article_id, int(attachment_id), data)
    return get_article(db, principal, article_id, version)


def remove_attachment(
    db: sa.Engine, principal: Principal, article_id: int, attachment_id: int
) -> Article:
    """Save the article's next version without the attachment (the file stays for the
    versions that carry it). Audited `kb_detach`."""
    with db.begin() as connection:
        reach = reach_of(connection, principal)
        row = edited_row(connection, reach, article_id)
        values = latest_values(connection, row)
        kept = [int(i) for i in values["attachments"] or []]
        if attachment_id not in kept:
            raise NotFound(
                f"no attachment {attachment_id} on the newest version of article {article_id}"
            )
        gone = attachments_of(connection, article_id, [attachment_id])
        values["attachments"] = [i for i in kept if i != attachment_id]
        values["note"] = f"附件：删除 {gone[0].filename if gone else attachment_id}"
        detail = {"attachment_id": attachment_id}
        version = new_version(connection, principal, row, values, "kb_detach", detail)
    return get_article(db, principal, article_id, version)


def get_attachment(
    db: sa.Engine, settings: Settings, principal: Principal, article_id: int, attachment_id: int
) -> tuple[Attachment, bytes]:
    """The attachment and its bytes: a reader's of the published version, a writer's of any
    version of the article (else NotFound, alike for unknown ones). Audited `kb_download`."""
    with db.begin() as connection:
        reach = reach_of(connection, principal)
        row = article_row(connection, reach, article_id)
        if not _carried(connection, reach, row, attachment_id):
            raise NotFound(f"no attachment {attachment_id} on article {article_id}")
        found = attachments_of(connection, article_id, [attachment_id])
        data = read_file(_layout(settings), article_id, attachment_id) if found else None
        if data is None:
            raise NotFound(
                f"the file of attachment {attachment_id} is missing",
                hint="upload it again; the knowledge base's folder may have been moved",
            )
        record_audit(
            connection,
            principal,
            "kb_download",
            [],
            {"article_id": article_id, "attachment_id": attachment_id},
        )
    return found[0], data


def _carried(connection: sa.Connection, reach: Reach, row: Row, attachment_id: int) -> bool:
    versions = sa.select(kb_versions).where(kb_versions.c.article_id == row["article_id"])
    if not may_edit_row(reach, row):
        if row["status"] != "published" or row["published_version"] is None:
            return False
        versions = versions.where(kb_versions.c.version == row["published_version"])
    return any(
        attachment_id in version_of(v).attachment_ids
        for v in connection.execute(versions).mappings()
    )

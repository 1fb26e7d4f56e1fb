"""The knowledge base (知识库, issue 23 section 2) through the service layer: write, approve,
read. Search is `access.knowledge_search`, attachments `access.knowledge_files`, links from
campaign and call-back scripts `access.knowledge_links`.

Who reads: every role but the administrator reads the published articles of its audience: an
article for some roles only is read by those roles; one for some units only by the staff and
managers of those units and of the units below them (head office - hq_marketing, compliance,
call_center - reads every unit's). Who writes (Permission.EDIT_KB): head office any article, a
branch or region manager the articles of their unit and below it (and their audience is within
it), anyone granted edit_kb their own. Writers see the articles they may edit in any status.

Every save is a new version (`kb_versions`); readers see the published one. Publishing is an
approval (kind `kb_publish`, decided by another head office holder of edit_kb: compliance or
marketing): approving it makes that version the published one (text, tags, audience,
attachments). Editing while a request waits is refused (withdraw the request first). An editor
may take an article off (`withdrawn`) at once; publishing it again is another approval.

Audited: kb_create, kb_edit, kb_withdraw, kb_publish (the approval applied), kb_view (an article
read), kb_versions (its history read), and the approval flow's own actions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from brokerlens.access.approvals import (
    Applying,
    Approval,
    ApprovalKind,
    close_open_request,
    open_request,
    register_kind,
    request_approval,
)
from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.org import ancestors, descendants, parents, principal_unit
from brokerlens.access.records import utc_now
from brokerlens.auth.principal import (
    ALL_CUSTOMER_ROLES,
    ROLE_NAMES_ZH,
    UNIT_ROLES,
    Permission,
    Principal,
    Role,
)
from brokerlens.config import Settings
from brokerlens.errors import Conflict, FieldRejected, Forbidden, NotFound
from brokerlens.store.knowledge_schema import (
    CATEGORIES,
    kb_articles,
    kb_attachments,
    kb_audience,
    kb_tags,
    kb_versions,
)
from brokerlens.store.schema import org_units

KIND = "kb_publish"
TITLE_MAX = 200
BODY_MAX = 100_000
TAG_MAX = 32
TAGS_MAX = 10
NOTE_MAX = 500
UNITS_MAX = 50
AUDIENCE_ROLES = tuple(r.value for r in Role if r is not Role.ADMIN)
_TAG_SPLIT = re.compile(r"[\s,，、;；]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and line breaks are text

Row = Mapping[str, Any] | sa.RowMapping


class KnowledgeRejected(FieldRejected):
    """A field of an article is unusable (422); `field` names it."""


@dataclass(frozen=True)
class ArticleInput:
    title: str
    category: str
    body: str
    tags: Sequence[str] | str = ()  # a list, or one text split at spaces and commas
    roles: Sequence[str] = ()  # the audience's roles (none: every role)
    units: Sequence[str] = ()  # the audience's units (none: every unit; a unit author's: theirs)
    note: str | None = None  # what changed


@dataclass(frozen=True)
class Attachment:
    attachment_id: int
    article_id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime


@dataclass(frozen=True)
class Version:
    article_id: int
    version: int
    title: str
    category: str
    tags: list[str]
    body: str
    roles: list[str]
    units: list[str]
    attachment_ids: list[int]
    note: str | None
    status: str  # draft, pending, approved, rejected
    created_by: str
    created_at: dt.datetime
    request_id: int | None
    published: bool = False  # the version readers see now


@dataclass(frozen=True)
class Article:
    """An article as its reader sees it: the published version (a writer: any version)."""

    article_id: int
    status: str
    owner_unit_id: str | None
    latest_version: int
    published_version: int | None
    pending_version: int | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    published_by: str | None
    published_at: dt.datetime | None
    shown: Version  # the version shown
    attachments: list[Attachment] = field(default_factory=list)  # the shown version's
    may_edit: bool = False
    request_id: int | None = None  # the approval request waiting, if any

    @property
    def title(self) -> str:
        return self.shown.title

    @property
    def category(self) -> str:
        return self.shown.category

    @property
    def tags(self) -> list[str]:
        return self.shown.tags

    @property
    def body(self) -> str:
        return self.shown.body

    @property
    def version(self) -> int:
        return self.shown.version

    @property
    def unpublished_changes(self) -> bool:
        """A newer version than the published one exists (a writer's draft or a request)."""
        return self.published_version is not None and self.latest_version > self.published_version


# --- who reads and who writes ------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """What a principal reads and writes in the knowledge base."""

    role: str
    username: str
    head_office: bool  # reads every unit's articles; writes any (with edit_kb)
    units: frozenset[str]  # their unit and the units above it: a unit audience they are in
    writes: bool  # holds edit_kb
    manages: frozenset[str]  # the units whose articles they edit (a branch or region manager)
    own_unit: str | None


def reach_of(connection: sa.Connection, principal: Principal) -> Reach:
    if principal.role is Role.ADMIN:
        raise Forbidden(
            "the knowledge base is for the business roles, not the administrator",
            hint="sign in with a business role to read the knowledge base",
        )
    head_office = principal.role in ALL_CUSTOMER_ROLES
    unit = None if head_office else principal_unit(connection, principal)
    parent_of = parents(connection) if unit is not None else {}
    units = frozenset(ancestors(unit, parent_of)) if unit is not None else frozenset()
    manages: frozenset[str] = frozenset()
    if unit is not None and principal.role in UNIT_ROLES:
        manages = frozenset(descendants(unit, parent_of))
    return Reach(
        role=principal.role.value,
        username=principal.username,
        head_office=head_office,
        units=units,
        writes=principal.can(Permission.EDIT_KB),
        manages=manages,
        own_unit=unit,
    )


def _audience(kind: str, values: list[str] | None = None) -> Any:
    """The articles with an audience of `kind` (naming one of `values`, when given): not
    correlated, so each store reads it once per query rather than once per article."""
    query = sa.select(kb_audience.c.article_id).where(kb_audience.c.kind == kind)
    return query if values is None else query.where(kb_audience.c.value.in_(values))


def readable_clause(reach: Reach) -> Any:
    """The published articles whose audience holds the reader (role and unit)."""
    a = kb_articles.c
    role_ok = sa.or_(
        a.article_id.not_in(_audience("role")), a.article_id.in_(_audience("role", [reach.role]))
    )
    if reach.head_office:
        unit_ok: Any = sa.true()
    elif reach.units:
        mine = _audience("unit", sorted(reach.units))
        unit_ok = sa.or_(a.article_id.not_in(_audience("unit")), a.article_id.in_(mine))
    else:
        unit_ok = a.article_id.not_in(_audience("unit"))
    return sa.and_(a.status == "published", role_ok, unit_ok)


def editable_clause(reach: Reach) -> Any:
    """The articles the principal may edit, in any status."""
    a = kb_articles.c
    if not reach.writes:
        return sa.false()
    if reach.head_office:
        return sa.true()
    mine = a.created_by == reach.username
    if not reach.manages:
        return mine
    return sa.or_(mine, a.owner_unit_id.in_(sorted(reach.manages)))


def visible_clause(reach: Reach) -> Any:
    return sa.or_(readable_clause(reach), editable_clause(reach))


def may_edit_row(reach: Reach, row: Row) -> bool:
    if not reach.writes:
        return False
    return (
        reach.head_office
        or row["created_by"] == reach.username
        or (row["owner_unit_id"] is not None and row["owner_unit_id"] in reach.manages)
    )


def _not_found(article_id: int) -> NotFound:
    return NotFound(f"no article {article_id}", hint="search the knowledge base at /kb")


def article_row(connection: sa.Connection, reach: Reach, article_id: int) -> Row:
    """The article's row when the principal may see it, else NotFound (alike for unknown)."""
    row = (
        connection.execute(
            sa.select(kb_articles).where(
                kb_articles.c.article_id == article_id, visible_clause(reach)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise _not_found(article_id)
    return row


def _writer(reach: Reach) -> None:
    if not reach.writes:
        raise Forbidden(
            "writing knowledge-base articles needs the edit_kb permission",
            hint="head office, branch and region managers write articles",
        )


def edited_row(connection: sa.Connection, reach: Reach, article_id: int) -> Row:
    """The article's row when the principal may edit it; NotFound when they may not see it,
    Forbidden when they read it but may not edit it."""
    _writer(reach)
    row = article_row(connection, reach, article_id)
    if not may_edit_row(reach, row):
        raise Forbidden(
            f"您可以阅读这篇文章，但不能修改 / you may read article {article_id} but not edit it",
            hint="head office, or a manager of the article's unit, edits it",
        )
    return row


# --- checks --------------------------------------------------------------------------------------


def _text(name: str, value: str | None, most: int, *, required: bool) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if _CONTROL.search(text):
        raise KnowledgeRejected(name, "holds a control character")
    if not text:
        if required:
            raise KnowledgeRejected(name, "required")
        return None
    if len(text) > most:
        raise KnowledgeRejected(name, f"{len(text):,} characters, at most {most:,}")
    return text


def checked_tags(tags: Sequence[str] | str) -> list[str]:
    items = _TAG_SPLIT.split(tags) if isinstance(tags, str) else [str(t) for t in tags]
    kept = list(dict.fromkeys(t.strip() for t in items if t and t.strip()))
    for tag in kept:
        if _CONTROL.search(tag):
            raise KnowledgeRejected("tags", "a tag holds a control character")
        if len(tag) > TAG_MAX:
            raise KnowledgeRejected("tags", f"{tag[:20]!r}… is longer than {TAG_MAX} characters")
    if len(kept) > TAGS_MAX:
        raise KnowledgeRejected("tags", f"{len(kept)} tags, at most {TAGS_MAX}")
    return kept


def _checked_roles(roles: Sequence[str]) -> list[str]:
    kept = sorted({str(r).strip() for r in roles if str(r).strip()})
    unknown = [r for r in kept if r not in AUDIENCE_ROLES]
    if unknown:
        raise KnowledgeRejected(
            "roles", f"{unknown[0][:32]!r} is not a role; one of {', '.join(AUDIENCE_ROLES)}"
        )
    return kept


def _checked_units(connection: sa.Connection, reach: Reach, units: Sequence[str]) -> list[str]:
    kept = sorted({str(u).strip() for u in units if str(u).strip()})
    if len(kept) > UNITS_MAX:
        raise KnowledgeRejected("units", f"{len(kept)} units, at most {UNITS_MAX}")
    if any(len(u) > 32 or not u.isprintable() for u in kept):
        raise KnowledgeRejected("units", "a unit's id has at most 32 printable characters")
    known = set(
        connection.execute(
            sa.select(org_units.c.unit_id).where(org_units.c.unit_id.in_(kept))
        ).scalars()
    )
    unknown = [u for u in kept if u not in known]
    if unknown:
        raise KnowledgeRejected("units", f"no unit {unknown[0][:32]!r} in the organisation")
    if reach.head_office:
        return kept
    # a unit's writer writes for their unit and below it: none given means their own
    allowed = reach.manages or ({reach.own_unit} if reach.own_unit else set())
    outside = [u for u in kept if u not in allowed]
    if outside:
        raise KnowledgeRejected("units", f"unit {outside[0]!r} is outside your unit")
    if not kept and reach.own_unit is not None:
        return [reach.own_unit]
    return kept


@dataclass(frozen=True)
class _Checked:
    title: str
    category: str
    body: str
    tags: list[str]
    roles: list[str]
    units: list[str]
    note: str | None


def _checked(connection: sa.Connection, reach: Reach, data: ArticleInput) -> _Checked:
    category = (data.category or "").strip()
    if category not in CATEGORIES:
        raise KnowledgeRejected("category", f"one of {', '.join(CATEGORIES)}")
    return _Checked(
        title=_text("title", data.title, TITLE_MAX, required=True) or "",
        category=category,
        body=_text("body", data.body, BODY_MAX, required=True) or "",
        tags=checked_tags(data.tags),
        roles=_checked_roles(data.roles),
        units=_checked_units(connection, reach, data.units),
        note=_text("note", data.note, NOTE_MAX, required=False),
    )


# --- rows to records -----------------------------------------------------------------------------


def version_of(row: Row, published: int | None = None) -> Version:
    audience = dict(row["audience"] or {})
    return Version(
        article_id=int(row["article_id"]),
        version=int(row["version"]),
        title=row["title"],
        category=row["category"],
        tags=list(row["tags"] or []),
        body=row["body"],
        roles=list(audience.get("roles") or []),
        units=list(audience.get("units") or []),
        attachment_ids=[int(i) for i in row["attachments"] or []],
        note=row["note"],
        status=row["status"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        request_id=row["request_id"],
        published=published is not None and int(row["version"]) == published,
    )


def _version_row(connection: sa.Connection, article_id: int, version: int) -> Row | None:
    return (
        connection.execute(
            sa.select(kb_versions).where(
                kb_versions.c.article_id == article_id, kb_versions.c.version == version
            )
        )
        .mappings()
        .first()
    )


def attachments_of(
    connection: sa.Connection, article_id: int, ids: Iterable[int]
) -> list[Attachment]:
    wanted = list(ids)
    if not wanted:
        return []
    rows = connection.execute(
        sa.select(kb_attachments).where(
            kb_attachments.c.article_id == article_id, kb_attachments.c.attachment_id.in_(wanted)
        )
    ).mappings()
    found = {int(r["attachment_id"]): Attachment(**r) for r in rows}
    return [found[i] for i in wanted if i in found]


def _article(
    connection: sa.Connection, reach: Reach, row: Row, version: int | None = None
) -> Article:
    may_edit = may_edit_row(reach, row)
    published = row["published_version"]
    reader_sees = published if row["status"] == "published" else None
    wanted = version if version is not None else (reader_sees or row["latest_version"])
    if not may_edit and wanted != reader_sees:
        raise NotFound(
            f"no version {wanted} of article {row['article_id']} to read",
            hint="readers see the published version",
        )
    found = _version_row(connection, int(row["article_id"]), int(wanted))
    if found is None:
        raise NotFound(f"no version {wanted} of article {row['article_id']}")
    shown = version_of(found, published)
    waiting = open_request(connection, KIND, subject_ref(int(row["article_id"])))
    return Article(
        article_id=int(row["article_id"]),
        status=row["status"],
        owner_unit_id=row["owner_unit_id"],
        latest_version=int(row["latest_version"]),
        published_version=published,
        pending_version=row["pending_version"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        published_by=row["published_by"],
        published_at=row["published_at"],
        shown=shown,
        attachments=attachments_of(connection, shown.article_id, shown.attachment_ids),
        may_edit=may_edit,
        request_id=waiting.request_id if waiting is not None else None,
    )


# --- write ---------------------------------------------------------------------------------------


def _version_values(checked: _Checked, attachments: list[int]) -> dict[str, Any]:
    return {
        "title": checked.title,
        "category": checked.category,
        "tags": checked.tags,
        "body": checked.body,
        "audience": {"roles": checked.roles, "units": checked.units},
        "attachments": attachments,
        "note": checked.note,
    }


def _document(values: Row) -> dict[str, Any]:
    """The article row's searched fields from a version's values."""
    return {
        "title": values["title"],
        "category": values["category"],
        "tags": " ".join(values["tags"]),
        "body": values["body"],
    }


def create_article(db: sa.Engine, principal: Principal, data: ArticleInput) -> Article:
    """A new article, its first version a draft (not yet read by anyone but its writers);
    audited `kb_create`."""
    now = utc_now()
    with db.begin() as connection:
        reach = reach_of(connection, principal)
        _writer(reach)
        checked = _checked(connection, reach, data)
        values = _version_values(checked, [])
        article_id = connection.execute(
            kb_articles.insert()
            .values(
                **_document(values),
                status="draft",
                owner_unit_id=None if reach.head_office else reach.own_unit,
                latest_version=1,
                created_by=principal.username,
                created_at=now,
                updated_at=now,
            )
            .returning(kb_articles.c.article_id)
        ).scalar_one()
        connection.execute(
            kb_versions.insert().values(
                article_id=article_id,
                version=1,
                status="draft",
                created_by=principal.username,
                created_at=now,
                **values,
            )
        )
        record_audit(
            connection, principal, "kb_create", [], {"article_id": article_id, "version": 1}
        )
        return _article(connection, reach, article_row(connection, reach, article_id), 1)


def _refuse_while_pending(row: Row) -> None:
    if row["pending_version"] is not None:
        raise Conflict(
            f"文章有版本正在等待审批，期间不能修改 / version {row['pending_version']} of "
            f"article {row['article_id']} waits for approval: it cannot change meanwhile",
            hint="withdraw the request in 待审批 first, or wait for the decision",
        )


def new_version(
    connection: sa.Connection,
    principal: Principal,
    row: Row,
    values: Mapping[str, Any],
    action: str,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Save `values` as the article's next version (a draft), in the caller's transaction;
    the article row follows it while nothing is published. Audited `action`."""
    _refuse_while_pending(row)
    article_id = int(row["article_id"])
    version = int(row["latest_version"]) + 1
    now = utc_now()
    connection.execute(
        kb_versions.insert().values(
            article_id=article_id,
            version=version,
            status="draft",
            created_by=principal.username,
            created_at=now,
            **values,
        )
    )
    changes: dict[str, Any] = {"latest_version": version, "updated_at": now}
    if row["published_version"] is None:
        changes.update(_document(values))
    claimed = connection.execute(
        kb_articles.update()
        .where(
            kb_articles.c.article_id == article_id,
            kb_articles.c.latest_version == row["latest_version"],
            kb_articles.c.pending_version.is_(None),
        )
        .values(**changes)
    ).rowcount
    if claimed != 1:
        raise Conflict(
            f"文章刚被他人修改，请刷新后再改 / article {article_id} changed meanwhile",
            hint="reload it and edit again",
        )
    audit = {"article_id": article_id, "version": version, **(detail or {})}
    record_audit(connection, principal, action, [], audit)
    return version


def latest_values(connection: sa.Connection, row: Row) -> dict[str, Any]:
    """The newest version's values (to save the next version from)."""
    found = _version_row(connection, int(row["article_id"]), int(row["latest_version"]))
    assert found is not None
    keys = ("title", "category", "tags", "body", "audience", "attachments", "note")
    return {k: found[k] for k in keys}


def update_article(
    db: sa.Engine, principal: Principal, article_id: int, data: ArticleInput
) -> Article:
    """Save an edit as the next version (a draft; readers keep the published one until it is
    approved). Refused while a version waits for approval. Audited `kb_edit`."""
    with db.begin() as connection:
        reach = reach_of(connection, principal)
        row = edited_row(connection, reach, article_id)
        _refuse_while_pending(row)
        checked = _checked(connection, reach, data)
        kept = latest_values(connection, row)["attachments"]
        values = _version_values(checked, [int(i) for i in kept or []])
        version = new_version(connection, principal, row, values, "kb_edit")
        return _article(connection, reach, article_row(connection, reach, article_id), version)


def subject_ref(article_id: int) -> str:
    return f"kb_article:{article_id}"


def submit_article(
    db: sa.Engine, principal: Principal, article_id: int, note: str | None = None
) -> Approval:
    """Ask for the newest version to be published (approval kind `kb_publish`); a published
    article stays as it is for readers meanwhile. Audited `approval_request`."""
    with db.begin() as connection:
        reach = reach_of(connection, principal)
        row = edited_row(connection, reach, article_id)
        _refuse_while_pending(row)
        version = int(row["latest_version"])
        if row["status"] == "published" and row["published_version"] == version:
            raise Conflict(
                f"最新版本已经发布，请先修改再提交 / version {version} of article {article_id} "
                "is the published one already",
                hint="edit the article first; the edit is what gets approved",
            )
        found = _version_row(connection, article_id, version)
        assert found is not None
        made = request_approval(
            connection,
            principal,
            kind=KIND,
            subject=f"知识库文章发布 · {found['title'][:120]} · 第 {version} 版",
            subject_ref=subject_ref(article_id),
            unit_id=row["owner_unit_id"],
            payload={
                "article_id": article_id,
                "version": version,
                "title": found["title"],
                "category": found["category"],
                "audience": found["audience"],
                "was": row["status"],
                "note": note,
            },
            reason=note,
        )
        connection.execute(
            kb_versions.update()
            .where(kb_versions.c.article_id == article_id, kb_versions.c.version == version)
            .values(status="pending", request_id=made.request_id)
        )
        connection.execute(
            kb_articles.update()
            .where(kb_articles.c.article_id == article_id)
            .values(
                pending_version=version,
                status="published" if row["status"] == "published" else "pending",
            )
        )
        return made


def withdraw_article(db: sa.Engine, principal: Principal, article_id: int) -> Article:
    """Take a published article off at once (readers no longer find it; a request waiting is
    withdrawn too). Publishing it again is another approval. Audited `kb_withdraw`."""
    with db.begin() as connection:
        reach = reach_of(connection, principal)
        row = edited_row(connection, reach, article_id)
        if row["status"] not in ("published", "pending"):
            raise Conflict(
                f"文章尚未发布，无需下架 / article {article_id} is {row['status']}: "
                "nothing to withdraw"
            )
        closed = close_open_request(
            connection, principal, KIND, subject_ref(article_id), "article withdrawn"
        )
        if closed is not None:
            _back_to_draft(connection, article_id, int(closed.payload["version"]), "draft")
        connection.execute(
            kb_articles.update()
            .where(kb_articles.c.article_id == article_id)
            .values(status="withdrawn", pending_version=None, updated_at=utc_now())
        )
        record_audit(
            connection,
            principal,
            "kb_withdraw",
            [],
            {"article_id": article_id, "was": row["status"]},
        )
        return _article(connection, reach, article_row(connection, reach, article_id))


# --- the approval ---------------------------------------------------------------------------------


def _publish(applying: Applying, decider: Principal, request: Approval) -> str:
    """Approved: the requested version becomes the one readers see (text, tags, audience)."""
    connection = applying.connection
    assert connection is not None
    article_id, version = int(request.payload["article_id"]), int(request.payload["version"])
    row = (
        connection.execute(sa.select(kb_articles).where(kb_articles.c.article_id == article_id))
        .mappings()
        .first()
    )
    if row is None or row["pending_version"] != version:
        raise Conflict(f"version {version} of article {article_id} no longer waits for approval")
    found = _version_row(connection, article_id, version)
    assert found is not None
    now = utc_now()
    connection.execute(
        kb_versions.update()
        .where(kb_versions.c.article_id == article_id, kb_versions.c.version == version)
        .values(status="approved")
    )
    connection.execute(
        kb_articles.update()
        .where(kb_articles.c.article_id == article_id)
        .values(
            **_document(found),
            status="published",
            published_version=version,
            pending_version=None,
            published_by=decider.username,
            published_at=now,
            updated_at=now,
        )
    )
    _replace_published(connection, article_id, found)
    record_audit(
        connection,
        decider,
        "kb_publish",
        [],
        {"article_id": article_id, "version": version, "request_id": request.request_id},
    )
    return f"article {article_id} version {version} published"


def _replace_published(connection: sa.Connection, article_id: int, found: Row) -> None:
    """The audience and tags rows of the published version."""
    audience = dict(found["audience"] or {})
    for table in (kb_audience, kb_tags):
        connection.execute(table.delete().where(table.c.article_id == article_id))
    rows = [
        {"article_id": article_id, "kind": "role", "value": r} for r in audience.get("roles") or []
    ]
    rows += [
        {"article_id": article_id, "kind": "unit", "value": u} for u in audience.get("units") or []
    ]
    if rows:
        connection.execute(kb_audience.insert(), rows)
    tags = [{"article_id": article_id, "tag": t} for t in found["tags"] or []]
    if tags:
        connection.execute(kb_tags.insert(), tags)


def _back_to_draft(connection: sa.Connection, article_id: int, version: int, status: str) -> None:
    connection.execute(
        kb_versions.update()
        .where(
            kb_versions.c.article_id == article_id,
            kb_versions.c.version == version,
            kb_versions.c.status == "pending",
        )
        .values(status=status)
    )


def _closed(applying: Applying, decider: Principal, request: Approval, status: str) -> None:
    """Rejected or withdrawn: the version is rejected (or a draft again) and the article as it
    was before the request."""
    connection = applying.connection
    if connection is None:
        return
    article_id, version = int(request.payload["article_id"]), int(request.payload["version"])
    _back_to_draft(connection, article_id, version, "rejected" if status == "rejected" else "draft")
    connection.execute(
        kb_articles.update()
        .where(kb_articles.c.article_id == article_id, kb_articles.c.pending_version == version)
        .values(pending_version=None, status=str(request.payload.get("was") or "draft"))
    )


CATEGORY_ZH = {
    "products": "产品",
    "policies": "制度",
    "scripts": "话术",
    "compliance": "合规",
    "market_views": "市场观点",
}


def _describe(settings: Settings, request: Approval, language: str) -> list[tuple[str, str]]:
    p = request.payload
    en = language == "en"
    audience = dict(p.get("audience") or {})
    everyone = "everyone" if en else "全部"
    role_names = [r if en else ROLE_NAMES_ZH.get(Role(r), r) for r in audience.get("roles") or []]
    roles = ", ".join(role_names) or everyone
    units = ", ".join(audience.get("units") or []) or everyone
    category = str(p.get("category"))
    return [
        ("Article" if en else "文章", f"{p.get('title')} (#{p.get('article_id')})"),
        ("Version" if en else "版本", str(p.get("version"))),
        ("Category" if en else "分类", category if en else CATEGORY_ZH.get(category, category)),
        ("Roles" if en else "可见角色", roles),
        ("Units" if en else "可见机构", units),
        (
            "Read it at" if en else "查看",
            f"/kb/articles/{p.get('article_id')}?version={p.get('version')}",
        ),
        ("Note" if en else "说明", str(p.get("note") or "—")),
    ]


PUBLISH_KIND = register_kind(
    ApprovalKind(
        name=KIND,
        zh="知识库文章发布",
        en="Knowledge-base article published",
        apply=_publish,
        permission=Permission.EDIT_KB,
        roles=frozenset({Role.COMPLIANCE, Role.HQ_MARKETING}),
        describe=_describe,
        transactional=True,
        close=_closed,
        deciders="head office compliance or marketing (edit_kb)",
    )
)


# --- read ----------------------------------------------------------------------------------------


def get_article(
    db: sa.Engine, principal: Principal, article_id: int, version: int | None = None
) -> Article:
    """The article as the reader sees it (the published version; a writer may ask for any
    version, and sees the newest while none is published). Audited `kb_view`."""
    with db.begin() as connection:
        reach = reach_of(connection, principal)
        found = _article(connection, reach, article_row(connection, reach, article_id), version)
        record_audit(
            connection,
            principal,
            "kb_view",
            [],
            {"article_id": article_id, "version": found.version},
        )
    return found


def list_versions(db: sa.Engine, principal: Principal, article_id: int) -> list[Version]:
    """Every version, newest first (the article's writers and approvers). Audited
    `kb_versions`."""
    with db.connect() as connection:
        reach = reach_of(connection, principal)
        row = edited_row(connection, reach, article_id)
        rows = connection.execute(
            sa.select(kb_versions)
            .where(kb_versions.c.article_id == article_id)
            .order_by(kb_versions.c.version.desc())
        ).mappings()
        found = [version_of(r, row["published_version"]) for r in rows]
    audit_read(db, principal, "kb_versions", [], {"article_id": article_id, "rows": len(found)})
    return found


def may_write(db: sa.Engine, principal: Principal) -> bool:
    """Whether the principal writes articles (the pages' 新建 button)."""
    return principal.role is not Role.ADMIN and principal.can(Permission.EDIT_KB)

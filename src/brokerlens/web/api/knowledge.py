"""知识库 (issue 23 section 2): search, read, write, submit for approval, withdraw, versions,
attachments, and links from campaign and call-back scripts, under /api/kb.

Everything goes through `brokerlens.access.knowledge*` (who reads, writes and approves; the
audience; audit). An article the caller may not see answers 404 like an unknown one. Publishing
is decided in 待审批 (/api/approvals, kind `kb_publish`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field
from starlette.responses import Response

from brokerlens.access import knowledge as service
from brokerlens.access import knowledge_files as files
from brokerlens.access import knowledge_links as links
from brokerlens.access import knowledge_search as searching
from brokerlens.knowledge.attachments import MAX_ATTACHMENT_BYTES
from brokerlens.knowledge.markdown import render
from brokerlens.knowledge.search import MAX_QUERY, Part
from brokerlens.web.api.approvals import ApprovalPublic, approval_public
from brokerlens.web.bounds import MAX_ID, IdPath
from brokerlens.web.deps import CsrfDep, DbDep, LanguageDep, ReaderDep, SettingsDep, customer_reader

router = APIRouter(
    prefix="/api/kb", tags=["knowledge"], dependencies=[CsrfDep, Depends(customer_reader)]
)

Category = Literal["products", "policies", "scripts", "compliance", "market_views"]
Status = Literal["all", "draft", "pending", "published", "withdrawn"]
Source = Literal["campaign", "callback_script"]
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a writer: this version")]


class ArticleCreate(BaseModel):
    title: str = Field(min_length=1, max_length=service.TITLE_MAX)
    category: Category
    body: str = Field(min_length=1, max_length=service.BODY_MAX, description="Markdown")
    tags: list[Annotated[str, Field(max_length=service.TAG_MAX)]] = Field(
        default_factory=list, max_length=service.TAGS_MAX
    )
    roles: list[Annotated[str, Field(max_length=32)]] = Field(
        default_factory=list, max_length=20, description="the audience's roles; none: every role"
    )
    units: list[Annotated[str, Field(max_length=32)]] = Field(
        default_factory=list,
        max_length=service.UNITS_MAX,
        description="the audience's units (and the units below them); none: every unit "
        "(a unit's writer: their unit)",
    )
    note: str | None = Field(default=None, max_length=service.NOTE_MAX, description="what changed")


class Submit(BaseModel):
    note: str | None = Field(default=None, max_length=service.NOTE_MAX)


class AttachmentPublic(BaseModel):
    attachment_id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime
    url: str


class ArticlePublic(BaseModel):
    article_id: int
    status: str
    version: int = Field(description="the version shown")
    title: str
    category: str
    tags: list[str]
    body: str = Field(description="Markdown")
    body_html: str = Field(description="the body rendered (escaped: no raw HTML)")
    roles: list[str]
    units: list[str]
    owner_unit_id: str | None
    latest_version: int
    published_version: int | None
    pending_version: int | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    published_by: str | None
    published_at: dt.datetime | None
    attachments: list[AttachmentPublic]
    may_edit: bool
    request_id: int | None = Field(description="the approval request waiting, if any")
    url: str


class VersionPublic(BaseModel):
    version: int
    title: str
    category: str
    tags: list[str]
    roles: list[str]
    units: list[str]
    attachment_ids: list[int]
    note: str | None
    status: str
    created_by: str
    created_at: dt.datetime
    request_id: int | None
    published: bool


class VersionsPublic(BaseModel):
    data: list[VersionPublic]
    count: int


class HitPublic(BaseModel):
    article_id: int
    title: str
    category: str
    tags: list[str]
    status: str
    published_at: dt.datetime | None
    updated_at: dt.datetime
    score: int
    snippet: str = Field(description="the body's text around the first term")
    highlights: list[str] = Field(description="the snippet's pieces that matched a term")
    url: str


class SearchPublic(BaseModel):
    data: list[HitPublic]
    count: int = Field(description="articles found in all")
    page: int
    page_size: int
    terms: list[str]


class TagPublic(BaseModel):
    tag: str
    articles: int


class TagsPublic(BaseModel):
    data: list[TagPublic]


class LinkCreate(BaseModel):
    source_kind: Source
    source_ref: str = Field(
        min_length=1, max_length=64, description="a campaign id or call-back kind"
    )
    article_id: int = Field(ge=1, le=MAX_ID)


class LinkPublic(BaseModel):
    link_id: int
    source_kind: str
    source_ref: str
    article_id: int
    title: str
    category: str
    created_by: str
    created_at: dt.datetime
    url: str


class LinksPublic(BaseModel):
    data: list[LinkPublic]
    count: int


def article_url(article_id: int) -> str:
    return f"/kb/articles/{article_id}"


def article_public(found: service.Article) -> ArticlePublic:
    return ArticlePublic(
        article_id=found.article_id,
        status=found.status,
        version=found.version,
        title=found.title,
        category=found.category,
        tags=found.tags,
        body=found.body,
        body_html=render(found.body),
        roles=found.shown.roles,
        units=found.shown.units,
        owner_unit_id=found.owner_unit_id,
        latest_version=found.latest_version,
        published_version=found.published_version,
        pending_version=found.pending_version,
        created_by=found.created_by,
        created_at=found.created_at,
        updated_at=found.updated_at,
        published_by=found.published_by,
        published_at=found.published_at,
        attachments=[
            AttachmentPublic(
                **dataclasses.asdict(a),
                url=f"/api/kb/articles/{a.article_id}/attachments/{a.attachment_id}",
            )
            for a in found.attachments
        ],
        may_edit=found.may_edit,
        request_id=found.request_id,
        url=article_url(found.article_id),
    )


def _input(body: ArticleCreate) -> service.ArticleInput:
    return service.ArticleInput(**body.model_dump())


def _text(parts: list[Part]) -> str:
    return "".join(p.text for p in parts)


@router.get("/articles", response_model=SearchPublic)
def search(
    db: DbDep,
    principal: ReaderDep,
    q: Annotated[str | None, Query(max_length=MAX_QUERY, description="words, all found")] = None,
    category: Category | None = None,
    tag: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[Status | None, Query(description="writers: articles of this status")] = None,
    page: Annotated[int, Query(ge=1, le=searching.MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=searching.MAX_PAGE_SIZE)] = searching.PAGE_SIZE,
) -> SearchPublic:
    """Full-text search in Chinese over the articles you may read (and, writing, edit): every
    word found in the title, tags or body; title matches first. Without `q`: the newest."""
    found = searching.search_articles(
        db, principal, searching.KbQuery(q, category, tag, status, page, page_size)
    )
    data = [
        HitPublic(
            **{
                k: v
                for k, v in dataclasses.asdict(h).items()
                if k not in ("title_parts", "snippet")
            },
            snippet=_text(h.snippet),
            highlights=[p.text for p in h.snippet if p.match],
            url=article_url(h.article_id),
        )
        for h in found.hits
    ]
    return SearchPublic(
        data=data, count=found.total, page=found.page, page_size=found.page_size, terms=found.terms
    )


@router.post("/articles", response_model=ArticlePublic, status_code=201)
def create(body: ArticleCreate, db: DbDep, principal: ReaderDep) -> ArticlePublic:
    """A new article (a draft; edit_kb). Readers see it once a `kb_publish` request is approved."""
    return article_public(service.create_article(db, principal, _input(body)))


@router.get("/articles/{article_id}", response_model=ArticlePublic)
def read(
    article_id: IdPath, db: DbDep, principal: ReaderDep, version: VersionQuery = None
) -> ArticlePublic:
    """An article as you may read it: the published version (writers: any `version`)."""
    return article_public(service.get_article(db, principal, article_id, version))


@router.put("/articles/{article_id}", response_model=ArticlePublic)
def edit(article_id: IdPath, body: ArticleCreate, db: DbDep, principal: ReaderDep) -> ArticlePublic:
    """Save an edit as the next version (readers keep the published one until it is approved)."""
    return article_public(service.update_article(db, principal, article_id, _input(body)))


@router.post("/articles/{article_id}/submit", response_model=ApprovalPublic, status_code=202)
def submit(
    article_id: IdPath,
    body: Submit,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    language: LanguageDep,
) -> ApprovalPublic:
    """Ask for the newest version to be published: a `kb_publish` request in 待审批, decided
    by another head office holder of edit_kb (compliance or marketing)."""
    made = service.submit_article(db, principal, article_id, body.note)
    return approval_public(settings, made, language)


@router.post("/articles/{article_id}/withdraw", response_model=ArticlePublic)
def withdraw(article_id: IdPath, db: DbDep, principal: ReaderDep) -> ArticlePublic:
    """Take the article off at once (readers no longer find it)."""
    return article_public(service.withdraw_article(db, principal, article_id))


@router.get("/articles/{article_id}/versions", response_model=VersionsPublic)
def versions(article_id: IdPath, db: DbDep, principal: ReaderDep) -> VersionsPublic:
    """Every version, newest first (the article's writers)."""
    found = service.list_versions(db, principal, article_id)
    data = [
        VersionPublic.model_validate(
            jsonable_encoder({k: v for k, v in dataclasses.asdict(v).items() if k != "body"})
        )
        for v in found
    ]
    return VersionsPublic(data=data, count=len(data))


@router.post("/articles/{article_id}/attachments", response_model=ArticlePublic, status_code=201)
async def attach(
    article_id: IdPath,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    file: Annotated[
        UploadFile, File(description="PDF, Office, PNG/JPG, TXT/MD/CSV; at most 10 MB")
    ],
) -> ArticlePublic:
    """Add a file: the article's next version carries it (readers get it once approved). A
    file of another type, or over 10 MB, is refused (422, saying why)."""
    data = await file.read(MAX_ATTACHMENT_BYTES + 1)
    added = files.add_attachment(db, settings, principal, article_id, file.filename, data)
    return article_public(added)


def download_response(found: service.Attachment, data: bytes) -> Response:
    """A download, never shown in the page: the name as uploaded (RFC 5987) and an ASCII one."""
    ascii_name = f"attachment-{found.attachment_id}{_extension(found.filename)}"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.filename)}"
    return Response(
        content=data, media_type=found.content_type, headers={"Content-Disposition": disposition}
    )


def _extension(name: str) -> str:
    dot = name.rfind(".")
    tail = name[dot:] if dot > 0 else ""
    return tail if tail[1:].isalnum() and tail.isascii() else ""


@router.get("/articles/{article_id}/attachments/{attachment_id}", response_class=Response)
def download(
    article_id: IdPath,
    attachment_id: IdPath,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
) -> Response:
    """The file (readers: of the published version)."""
    found, data = files.get_attachment(db, settings, principal, article_id, attachment_id)
    return download_response(found, data)


@router.delete("/articles/{article_id}/attachments/{attachment_id}", response_model=ArticlePublic)
def detach(
    article_id: IdPath, attachment_id: IdPath, db: DbDep, principal: ReaderDep
) -> ArticlePublic:
    """Save the next version without the file (readers keep it until that is approved)."""
    return article_public(files.remove_attachment(db, principal, article_id, attachment_id))


@router.get("/tags", response_model=TagsPublic)
def tags(db: DbDep, principal: ReaderDep, category: Category | None = None) -> TagsPublic:
    """The tags of the articles you read, most used first (the tag filter's choices)."""
    found = searching.popular_tags(db, principal, category)
    return TagsPublic(data=[TagPublic(tag=t, articles=n) for t, n in found])


def link_public(found: links.LinkedArticle) -> LinkPublic:
    values: dict[str, Any] = dataclasses.asdict(found)
    return LinkPublic(**values, url=article_url(found.article_id))


@router.get("/links", response_model=LinksPublic)
def linked(
    db: DbDep,
    principal: ReaderDep,
    source_kind: Source,
    source_ref: Annotated[str, Query(min_length=1, max_length=64)],
) -> LinksPublic:
    """The articles linked to a campaign's script or a call-back kind's script that you read."""
    data = [link_public(f) for f in links.linked_articles(db, principal, source_kind, source_ref)]
    return LinksPublic(data=data, count=len(data))


@router.post("/links", response_model=LinkPublic, status_code=201)
def link(body: LinkCreate, db: DbDep, principal: ReaderDep) -> LinkPublic:
    """Link a published article to a campaign's script (its managers) or a call-back kind's
    script (the callbacks permission)."""
    made = links.link_article(db, principal, body.source_kind, body.source_ref, body.article_id)
    return link_public(made)


@router.delete("/links/{link_id}", status_code=204, response_class=Response)
def unlink(link_id: IdPath, db: DbDep, principal: ReaderDep) -> Response:
    """Remove a link."""
    links.unlink_article(db, principal, link_id)
    return Response(status_code=204)

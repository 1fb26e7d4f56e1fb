"""知识库 (issue 23 section 2): pages, through `brokerlens.access.knowledge*`.

- `/kb`: the search box, the categories, the tag filter and the results (title and snippet
  with the words marked), paged; writers also filter by status and find 新建文章;
- `/kb/articles/{id}`: the article, its Markdown rendered safely, its attachments, the
  scripts it is linked from; for its writers: edit, submit for approval, withdraw, versions,
  attachments, links (`?version=N` shows another version);
- `/kb/new`, `/kb/articles/{id}/edit`: the form (a refused field is shown beside it);
- `/kb/articles/{id}/versions`: the version history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from brokerlens.access import knowledge as service
from brokerlens.access import knowledge_files as files
from brokerlens.access import knowledge_links as links
from brokerlens.access import knowledge_search as searching
from brokerlens.access import org_tree
from brokerlens.access.org import OrgUnit
from brokerlens.auth.principal import Permission
from brokerlens.errors import FieldRejected, Forbidden
from brokerlens.knowledge.attachments import MAX_ATTACHMENT_BYTES, AttachmentRejected
from brokerlens.knowledge.markdown import render
from brokerlens.knowledge.search import MAX_QUERY
from brokerlens.store.compliance_schema import CALLBACK_KINDS
from brokerlens.store.knowledge_schema import ARTICLE_STATUSES, CATEGORIES
from brokerlens.web.api.knowledge import download_response
from brokerlens.web.bounds import MAX_ID, IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

FormText = Annotated[str, Form(max_length=service.BODY_MAX * 2)]
FormShort = Annotated[str, Form(max_length=service.TITLE_MAX * 4)]
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
ACTIVE = "kb"


def _article_url(article_id: int, **query: Any) -> str:
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return f"/kb/articles/{article_id}" + (f"?{urlencode(kept)}" if kept else "")


@router.get("/kb")
def kb_home(
    page: ReaderPageDep,
    q: Annotated[str | None, Query(max_length=MAX_QUERY)] = None,
    category: Annotated[str | None, Query(max_length=20)] = None,
    tag: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    p: Annotated[int, Query(ge=1, le=searching.MAX_PAGE)] = 1,
) -> Response:
    """Search the articles the user reads; without words, the newest."""
    query = searching.KbQuery(q or None, category or None, tag or None, status or None, p)
    problem = None
    try:
        found = searching.search_articles(page.db, page.principal, query)
    except FieldRejected as exc:  # a category or status not offered: said in place
        problem, found = exc, None
    filters = {"q": q or "", "category": category or "", "tag": tag or "", "status": status or ""}

    def qs(**changes: Any) -> str:
        merged = {**filters, **changes}
        return urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    context = {
        "found": found,
        "problem": problem,
        "filters": filters,
        "qs": qs,
        "categories": CATEGORIES,
        "statuses": ARTICLE_STATUSES,
        "tags": searching.popular_tags(
            page.db, page.principal, category if category in CATEGORIES else None
        ),
        "may_write": service.may_write(page.db, page.principal),
    }
    code = 422 if problem is not None else 200
    return page.render("kb.html", context, active=ACTIVE, status_code=code)


def _article_page(
    page: Page,
    article_id: int,
    version: int | None = None,
    *,
    problem: FieldRejected | None = None,
) -> Response:
    article = service.get_article(page.db, page.principal, article_id, version)
    linked = links.article_links(page.db, page.principal, article_id) if article.may_edit else []
    context = {
        "a": article,
        "body_html": Markup(render(article.body)),
        "linked": linked,
        "callback_kinds": CALLBACK_KINDS,
        "may_link_callbacks": page.principal.can(Permission.CALLBACKS),
        "max_mb": MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "problem": problem,
    }
    code = 422 if problem is not None else 200
    return page.render("kb_article.html", context, active=ACTIVE, status_code=code)


@router.get("/kb/articles/{article_id}")
def article_page(article_id: IdPath, page: ReaderPageDep, version: VersionQuery = None) -> Response:
    """The article (its writers: any version)."""
    return _article_page(page, article_id, version)


def _form_values(article: service.Article | None) -> dict[str, Any]:
    if article is None:
        return {
            "category": "products",
            "title": "",
            "body": "",
            "tags": "",
            "roles": [],
            "units": "",
        }
    shown = article.shown
    return {
        "title": shown.title,
        "category": shown.category,
        "body": shown.body,
        "tags": " ".join(shown.tags),
        "roles": shown.roles,
        "units": shown.units,
        "note": "",
    }


def _form(
    page: Page,
    values: dict[str, Any],
    article: service.Article | None = None,
    problem: FieldRejected | None = None,
) -> Response:
    context = {
        "a": article,
        "form": values,
        "problem": problem,
        "categories": CATEGORIES,
        "roles": service.AUDIENCE_ROLES,
        "unit_choices": _unit_choices(page),
        "title_max": service.TITLE_MAX,
        "body_max": service.BODY_MAX,
    }
    code = 422 if problem is not None else 200
    return page.render("kb_edit.html", context, active=ACTIVE, status_code=code)


@dataclass(frozen=True)
class UnitChoice:
    unit_id: str
    name: str
    depth: int


def _unit_choices(page: Page) -> list[UnitChoice]:
    """The units an article's audience may name: the writer's visible tree, in order."""
    out: list[UnitChoice] = []

    def walk(units: list[OrgUnit], depth: int) -> None:
        for unit in units:
            out.append(UnitChoice(unit.unit_id, unit.name, depth))
            walk(unit.children, depth + 1)

    walk(org_tree(page.db, page.principal), 0)
    return out


@router.get("/kb/new")
def new_article(page: ReaderPageDep) -> Response:
    """The form for a new article (writers)."""
    if not service.may_write(page.db, page.principal):
        raise _no_writer()
    return _form(page, _form_values(None))


def _no_writer() -> Forbidden:
    return Forbidden(
        "writing knowledge-base articles needs the edit_kb permission",
        hint="head office, branch and region managers write articles",
    )


async def _typed(request: Request) -> dict[str, Any]:
    form = await request.form()
    text = {k: v for k, v in form.items() if isinstance(v, str)}
    return {
        "title": text.get("title", ""),
        "category": text.get("category", ""),
        "body": text.get("body", ""),
        "tags": text.get("tags", ""),
        "roles": [r for r in form.getlist("roles") if isinstance(r, str)],
        "units": [u for u in form.getlist("units") if isinstance(u, str)],
        "note": text.get("note", ""),
    }


def _input(values: dict[str, Any]) -> service.ArticleInput:
    return service.ArticleInput(
        title=values["title"],
        category=values["category"],
        body=values["body"],
        tags=values["tags"],
        roles=values["roles"],
        units=values["units"],
        note=values["note"] or None,
    )


@router.post("/kb/new")
async def create(page: ReaderPageDep, request: Request) -> Response:
    values = await _typed(request)
    try:
        made = service.create_article(page.db, page.principal, _input(values))
    except service.KnowledgeRejected as exc:
        return _form(page, values, problem=exc)
    return RedirectResponse(_article_url(made.article_id), status_code=303)


@router.get("/kb/articles/{article_id}/edit")
def edit_form(article_id: IdPath, page: ReaderPageDep) -> Response:
    """The newest version in the form (its writers)."""
    article = service.get_article(page.db, page.principal, article_id)
    if not article.may_edit:
        raise _no_writer()
    newest = service.get_article(page.db, page.principal, article_id, article.latest_version)
    return _form(page, _form_values(newest), newest)


@router.post("/kb/articles/{article_id}/edit")
async def edit(article_id: IdPath, page: ReaderPageDep, request: Request) -> Response:
    values = await _typed(request)
    try:
        saved = service.update_article(page.db, page.principal, article_id, _input(values))
    except service.KnowledgeRejected as exc:
        article = service.get_article(page.db, page.principal, article_id)
        return _form(page, values, article, exc)
    return RedirectResponse(_article_url(article_id, version=saved.version), status_code=303)


@router.post("/kb/articles/{article_id}/submit")
def submit(article_id: IdPath, page: ReaderPageDep, note: FormShort = "") -> Response:
    """Ask for the newest version to be published (a request in 待审批)."""
    service.submit_article(page.db, page.principal, article_id, note or None)
    return RedirectResponse(_article_url(article_id), status_code=303)


@router.post("/kb/articles/{article_id}/withdraw")
def withdraw(article_id: IdPath, page: ReaderPageDep) -> Response:
    service.withdraw_article(page.db, page.principal, article_id)
    return RedirectResponse(_article_url(article_id), status_code=303)


@router.get("/kb/articles/{article_id}/versions")
def versions(article_id: IdPath, page: ReaderPageDep) -> Response:
    """Every version, newest first (its writers)."""
    found = service.list_versions(page.db, page.principal, article_id)
    article = service.get_article(page.db, page.principal, article_id, found[0].version)
    context = {"a": article, "versions": found}
    return page.render("kb_versions.html", context, active=ACTIVE)


@router.post("/kb/articles/{article_id}/attachments")
async def attach(
    article_id: IdPath,
    page: ReaderPageDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Add a file (the next version carries it); a refused file is said beside the form."""
    try:
        if file is None:
            raise AttachmentRejected("请选择要上传的文件", "choose a file to upload")
        data = await file.read(MAX_ATTACHMENT_BYTES + 1)
        saved = files.add_attachment(
            page.db, page.settings, page.principal, article_id, file.filename, data
        )
    except AttachmentRejected as exc:
        latest = service.get_article(page.db, page.principal, article_id)
        return _article_page(page, article_id, latest.latest_version, problem=exc)
    return RedirectResponse(_article_url(article_id, version=saved.version), status_code=303)


@router.get("/kb/articles/{article_id}/attachments/{attachment_id}")
def download(article_id: IdPath, attachment_id: IdPath, page: ReaderPageDep) -> Response:
    found, data = files.get_attachment(
        page.db, page.settings, page.principal, article_id, attachment_id
    )
    return download_response(found, data)


@router.post("/kb/articles/{article_id}/attachments/{attachment_id}/delete")
def detach(article_id: IdPath, attachment_id: IdPath, page: ReaderPageDep) -> Response:
    saved = files.remove_attachment(page.db, page.principal, article_id, attachment_id)
    return RedirectResponse(_article_url(article_id, version=saved.version), status_code=303)


@router.post("/kb/articles/{article_id}/links")
def link(
    article_id: IdPath,
    page: ReaderPageDep,
    source_kind: Annotated[str, Form(max_length=20)] = "",
    source_ref: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Link the article from a campaign's script or a call-back kind's script."""
    try:
        links.link_article(page.db, page.principal, source_kind, source_ref, article_id)
    except service.KnowledgeRejected as exc:
        return _article_page(page, article_id, problem=exc)
    return RedirectResponse(_article_url(article_id), status_code=303)


@router.post("/kb/links/{link_id}/delete")
def unlink(
    link_id: IdPath, page: ReaderPageDep, article_id: Annotated[int, Form(ge=1, le=MAX_ID)] = 1
) -> Response:
    links.unlink_article(page.db, page.principal, link_id)
    return RedirectResponse(_article_url(article_id), status_code=303)

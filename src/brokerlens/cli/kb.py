"""`brokerlens kb ...`: 知识库, the knowledge base (issue 23 section 2).

Thin callers of `brokerlens.access.knowledge*`, acting as `--user NAME` (what they read and
write, audited in their name): import Markdown files as articles (drafts, or submitted for
approval), search, list, show.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app
from brokerlens.console import console

if TYPE_CHECKING:
    from brokerlens.access.knowledge_search import SearchPage

kb_app = typer.Typer(help="知识库: the knowledge base (issue 23 section 2).", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

CategoryOpt = Annotated[
    str | None,
    typer.Option(help="products, policies, scripts, compliance or market_views."),
]
TagOpt = Annotated[str | None, typer.Option(help="Articles with this tag only.")]
StatusOpt = Annotated[
    str | None,
    typer.Option(help="Writers: all, draft, pending, published or withdrawn [default: all]."),
]
PageOpt = Annotated[int, typer.Option(min=1, help="Page, from 1.")]
LimitOpt = Annotated[int, typer.Option(min=1, max=100, help="Articles a page.")]


def _say(text: str) -> None:
    console.print(text, markup=False, soft_wrap=True)


def _table(found: SearchPage) -> None:
    """Each article on a line, its snippet below it (the words found in [brackets])."""
    for h in found.hits:
        when = (h.published_at or h.updated_at).strftime("%Y-%m-%d")
        snippet = "".join(f"[{p.text}]" if p.match else p.text for p in h.snippet)
        _say(f"{h.article_id:>6}  {h.title} · {h.category} · {h.status} {when}")
        _say(f"        {snippet}")
    shown = f"page {found.page} of {found.pages}" if found.pages > 1 else "all shown"
    _say(f"{found.total:,} articles ({shown})")


def _find(
    ctx: typer.Context,
    user: str,
    words: str | None,
    category: str | None,
    tag: str | None,
    status: str | None,
    page: int,
    limit: int,
) -> None:
    from brokerlens.access.knowledge_search import KbQuery, search_articles

    me = acting(ctx, user, customers=False)
    query = KbQuery(words, category, tag, status, page, limit)
    _table(search_articles(me.db, me.principal, query))


@kb_app.command()
def search(
    ctx: typer.Context,
    words: Annotated[str, typer.Argument(help="Words (Chinese or not), every one found.")],
    user: UserOpt,
    category: CategoryOpt = None,
    tag: TagOpt = None,
    status: StatusOpt = None,
    page: PageOpt = 1,
    limit: LimitOpt = 20,
) -> None:
    """Full-text search of the articles the user reads (and writes), best first; the words
    found are shown in [brackets] in the snippet. Audited `kb_search`."""
    _find(ctx, user, words, category, tag, status, page, limit)


@kb_app.command("list")
def list_articles(
    ctx: typer.Context,
    user: UserOpt,
    category: CategoryOpt = None,
    tag: TagOpt = None,
    status: StatusOpt = None,
    page: PageOpt = 1,
    limit: LimitOpt = 20,
) -> None:
    """The articles the user reads (and writes), newest first. Audited `kb_search`."""
    _find(ctx, user, None, category, tag, status, page, limit)


@kb_app.command()
def show(
    ctx: typer.Context,
    article_id: Annotated[int, typer.Argument(min=1, help="The article's number.")],
    user: UserOpt,
    version: Annotated[
        int | None, typer.Option(min=1, help="Writers: this version [default: as read].")
    ] = None,
) -> None:
    """An article as the user reads it, its Markdown as written. Audited `kb_view`."""
    from brokerlens.access.knowledge import get_article

    me = acting(ctx, user, customers=False)
    found = get_article(me.db, me.principal, article_id, version)
    _say(f"# {found.title}")
    roles = ", ".join(found.shown.roles) or "all"
    units = ", ".join(found.shown.units) or "all"
    _say(
        f"article {found.article_id}, version {found.version}, {found.category}, "
        f"{found.status}; tags: {', '.join(found.tags) or '-'}; roles: {roles}; units: {units}"
    )
    for a in found.attachments:
        _say(f"attachment {a.attachment_id}: {a.filename} ({a.size_bytes:,} bytes)")
    _say("")
    _say(found.body)


def _words(text: str | None) -> list[str]:
    return [w for w in (text or "").replace(",", " ").split() if w]


@kb_app.command("import")
def import_articles(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Markdown (.md) files, or folders of them.")],
    user: UserOpt,
    category: Annotated[
        str | None,
        typer.Option(
            help="products, policies, scripts, compliance or market_views (a file's front "
            "matter may name its own)."
        ),
    ] = None,
    tags: Annotated[str | None, typer.Option(help="Tags for every file, space separated.")] = None,
    roles: Annotated[
        str | None, typer.Option(help="The audience's roles, comma separated [default: all].")
    ] = None,
    units: Annotated[
        str | None,
        typer.Option(help="The audience's units, comma separated [default: all; a unit's own]."),
    ] = None,
    submit: Annotated[
        bool, typer.Option("--submit", help="Submit each for approval (kb_publish) at once.")
    ] = False,
) -> None:
    """Each Markdown file a new article (a draft; with --submit, a request in 待审批). The
    title is the front matter's `title`, else the first `# ` heading, else the file's name.
    Every file is read before any is saved; one the service refuses stops the import there
    (those before it stay, as printed). Audited `kb_create` (and `approval_request`)."""
    from brokerlens.access.knowledge import ArticleInput, create_article, submit_article
    from brokerlens.errors import ConfigError
    from brokerlens.knowledge.importing import markdown_files, read_markdown

    read = [read_markdown(p) for p in markdown_files(paths)]
    for found in read:
        if not (found.category or category):
            raise ConfigError(
                f"no category for {found.path.name}",
                hint="give --category, or `category:` in its front matter",
            )
    me = acting(ctx, user, customers=False)
    for found in read:
        made = create_article(
            me.db,
            me.principal,
            ArticleInput(
                title=found.title,
                category=found.category or category or "",
                body=found.body,
                tags=found.tags or _words(tags),
                roles=found.roles or _words(roles),
                units=found.units or _words(units),
                note=f"导入 {found.path.name}"[:200],
            ),
        )
        line = f"article {made.article_id}: {made.title} ({found.path.name}), draft"
        if submit:
            asked = submit_article(me.db, me.principal, made.article_id)
            line = f"{line}, request {asked.request_id} waits for approval"
        _say(line)
    _say(f"{len(read)} articles imported")

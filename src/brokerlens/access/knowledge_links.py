"""Articles linked from campaign scripts and call-back scripts (issue 23 section 2): a
campaign's page and a call-back task's page list the published articles linked to the campaign
or to the task's kind (回访话术), so whoever calls has the script's background at hand.

Who links: a campaign's managers (head office marketing, or a manager of its unit) to their
campaign; holders of the `callbacks` permission to a call-back kind's script. The article must
be published and one the linker reads. A reader sees only the linked articles they may read.
Audited: kb_link, kb_unlink.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.campaigns import get_campaign
from brokerlens.access.knowledge import (
    KnowledgeRejected,
    article_row,
    edited_row,
    reach_of,
    readable_clause,
)
from brokerlens.access.records import utc_now
from brokerlens.auth.principal import Permission, Principal
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.store.compliance_schema import CALLBACK_KINDS
from brokerlens.store.knowledge_schema import LINK_SOURCES, kb_articles, kb_links

MAX_LINKS = 50


@dataclass(frozen=True)
class LinkedArticle:
    link_id: int
    source_kind: str
    source_ref: str
    article_id: int
    title: str
    category: str
    created_by: str
    created_at: dt.datetime


def _source(db: sa.Engine, principal: Principal, kind: str, ref: str, *, change: bool) -> str:
    """The source checked (it exists and the principal sees it; to change its links, runs it)."""
    if kind not in LINK_SOURCES:
        raise KnowledgeRejected("source_kind", f"one of {', '.join(LINK_SOURCES)}")
    ref = (ref or "").strip()
    if kind == "campaign":
        if not ref.isdigit() or not 1 <= int(ref) <= 2**31 - 1:
            raise KnowledgeRejected("source_ref", "a campaign's id (a whole number)")
        campaign = get_campaign(db, principal, int(ref))  # NotFound when not theirs to see
        if change and not campaign.manageable:
            raise Forbidden(
                "只有总部营销或活动所属单位的经理可以关联 / only head office marketing, or a "
                "manager of the campaign's unit, links articles to its script"
            )
        return str(int(ref))
    if ref not in CALLBACK_KINDS:
        raise KnowledgeRejected(
            "source_ref", f"a call-back kind: one of {', '.join(CALLBACK_KINDS)}"
        )
    if change and not principal.can(Permission.CALLBACKS):
        raise Forbidden("linking articles to a call-back script needs the callbacks permission")
    return ref


def linked_articles(
    db: sa.Engine, principal: Principal, source_kind: str, source_ref: str
) -> list[LinkedArticle]:
    """The published articles linked to the source that the principal reads, by title (titles
    of no customer: not audited, like the campaign it is shown with)."""
    ref = _source(db, principal, source_kind, source_ref, change=False)
    a = kb_articles.c
    with db.connect() as connection:
        reach = reach_of(connection, principal)
        rows = connection.execute(
            sa.select(kb_links, a.title, a.category)
            .join(kb_articles, a.article_id == kb_links.c.article_id)
            .where(
                kb_links.c.source_kind == source_kind,
                kb_links.c.source_ref == ref,
                readable_clause(reach),
            )
            .order_by(a.title, kb_links.c.link_id)
        ).mappings()
        return [LinkedArticle(**r) for r in rows]


def article_links(db: sa.Engine, principal: Principal, article_id: int) -> list[LinkedArticle]:
    """The scripts an article is linked from (its writers), oldest link first."""
    a = kb_articles.c
    with db.connect() as connection:
        edited_row(connection, reach_of(connection, principal), article_id)
        rows = connection.execute(
            sa.select(kb_links, a.title, a.category)
            .join(kb_articles, a.article_id == kb_links.c.article_id)
            .where(kb_links.c.article_id == article_id)
            .order_by(kb_links.c.link_id)
        ).mappings()
        return [LinkedArticle(**r) for r in rows]


def link_article(
    db: sa.Engine, principal: Principal, source_kind: str, source_ref: str, article_id: int
) -> LinkedArticle:
    """Link a published article the principal reads to the source. Audited `kb_link`."""
    ref = _source(db, principal, source_kind, source_ref, change=True)
    with db.begin() as connection:
        reach = reach_of(connection, principal)
        row = article_row(connection, reach, article_id)
        if row["status"] != "published":
            raise Conflict(
                f"只有已发布的文章可以关联 / article {article_id} is {row['status']}: only a "
                "published article is linked",
                hint="have it approved first",
            )
        where = (kb_links.c.source_kind == source_kind, kb_links.c.source_ref == ref)
        links = connection.execute(sa.select(kb_links.c.article_id).where(*where)).scalars().all()
        if article_id in links:
            raise Conflict(f"这篇文章已经关联 / article {article_id} is linked here already")
        if len(links) >= MAX_LINKS:
            raise Conflict(
                f"一份话术最多关联 {MAX_LINKS} 篇文章 / at most {MAX_LINKS} articles are linked "
                "to one script"
            )
        link_id = connection.execute(
            kb_links.insert()
            .values(
                source_kind=source_kind,
                source_ref=ref,
                article_id=article_id,
                created_by=principal.username,
                created_at=utc_now(),
            )
            .returning(kb_links.c.link_id)
        ).scalar_one()
        detail = {"link_id": link_id, "article_id": article_id, "source_kind": source_kind}
        record_audit(connection, principal, "kb_link", [], {**detail, "source_ref": ref})
        return LinkedArticle(
            link_id=int(link_id),
            source_kind=source_kind,
            source_ref=ref,
            article_id=article_id,
            title=row["title"],
            category=row["category"],
            created_by=principal.username,
            created_at=utc_now(),
        )


def unlink_article(db: sa.Engine, principal: Principal, link_id: int) -> None:
    """Remove a link (the source's managers, as for linking). Audited `kb_unlink`."""
    with db.connect() as connection:
        row = (
            connection.execute(sa.select(kb_links).where(kb_links.c.link_id == link_id))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"no link {link_id}")
    _source(db, principal, row["source_kind"], row["source_ref"], change=True)
    with db.begin() as connection:
        connection.execute(kb_links.delete().where(kb_links.c.link_id == link_id))
        detail = {
            "link_id": link_id,
            "article_id": row["article_id"],
            "source_kind": row["source_kind"],
        }
        record_audit(
            connection, principal, "kb_unlink", [], {**detail, "source_ref": row["source_ref"]}
        )

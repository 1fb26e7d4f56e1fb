"""Searching the knowledge base (issue 23 section 2), in Chinese, on both stores.

Terms (`knowledge.search.query_terms`: split at spaces, all required) are found as substrings
of the title, tags or body of the article as readers find it. SQLite: a term of three
characters or more through the FTS5 trigram index (`kb_fts MATCH '"term"'`), a shorter one by
LIKE over the columns. PostgreSQL: each term on the one expression the pg_trgm GIN index holds
(`title || ' ' || tags || ' ' || body`): LIKE for a term without letter case (Chinese, digits),
a case-insensitive regular expression of the escaped term otherwise (both served by the index);
a term under three characters, which no trigram index serves, by `strpos` (reads fastest).
Every value is bound; LIKE's wildcards and the regular expression's specials are escaped.

Ranked: a term in the title counts 8, in the tags 4 (in the body it only qualifies); ties by
the newest published. Only what the reader may see: published articles of their audience, plus
the articles they may edit (in any status, or the one asked by `status`). Each result has its
title and a snippet of its body with the terms marked. Audited `kb_search`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.knowledge import (
    KnowledgeRejected,
    Reach,
    editable_clause,
    reach_of,
    readable_clause,
    visible_clause,
)
from brokerlens.access.render import like_escape
from brokerlens.auth.principal import Principal
from brokerlens.knowledge.search import (
    FTS_MIN,
    MAX_QUERY,
    Part,
    fts_phrase,
    highlight,
    query_terms,
    snippet,
)
from brokerlens.store.knowledge_schema import (
    ARTICLE_STATUSES,
    CATEGORIES,
    KB_FTS,
    kb_articles,
    kb_fts,
    kb_tags,
)

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1000
TITLE_WEIGHT = 8
TAGS_WEIGHT = 4
TOP_TAGS = 30


@dataclass(frozen=True)
class KbQuery:
    q: str | None = None
    category: str | None = None
    tag: str | None = None
    status: str | None = None  # a writer's filter; readers see published articles only
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class Hit:
    article_id: int
    title: str
    category: str
    tags: list[str]
    status: str
    published_at: dt.datetime | None
    updated_at: dt.datetime
    score: int
    title_parts: list[Part] = field(default_factory=list)
    snippet: list[Part] = field(default_factory=list)


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int
    page: int
    page_size: int
    terms: list[str]

    @property
    def pages(self) -> int:
        return max(1, (self.total + self.page_size - 1) // self.page_size)


def _checked(query: KbQuery) -> KbQuery:
    if query.q is not None and len(query.q) > MAX_QUERY:
        raise KnowledgeRejected("q", f"{len(query.q)} characters, at most {MAX_QUERY}")
    if query.category not in (None, "") and query.category not in CATEGORIES:
        raise KnowledgeRejected("category", f"one of {', '.join(CATEGORIES)}")
    if query.status not in (None, "", "all") and query.status not in ARTICLE_STATUSES:
        raise KnowledgeRejected("status", f"all or one of {', '.join(ARTICLE_STATUSES)}")
    if query.tag is not None and (len(query.tag) > 32 or not query.tag.isprintable()):
        raise KnowledgeRejected("tag", "at most 32 characters, none a control character")
    if not 1 <= query.page <= MAX_PAGE:
        raise KnowledgeRejected("page", f"from 1 to {MAX_PAGE}")
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise KnowledgeRejected("page_size", f"from 1 to {MAX_PAGE_SIZE}")
    return query


def _cased(term: str) -> bool:
    return term.lower() != term.upper()


def _contains(column: Any, term: str, sqlite: bool) -> Any:
    """`column` holds `term`, letter case ignored (SQLite's LIKE ignores ASCII case)."""
    if sqlite or not _cased(term):
        return column.like(f"%{like_escape(term)}%", escape="\\")
    escaped = "".join(ch if ch.isalnum() else "\\" + ch for ch in term)
    return column.op("~*")(escaped)


def searched_text() -> Any:
    """PostgreSQL: the expression the trigram index of migration 0015 holds, spelled alike so
    the planner matches it (the spaces are literals, not parameters)."""
    a = kb_articles.c
    space: Any = sa.literal_column("' '")
    return a.title.concat(space).concat(a.tags).concat(space).concat(a.body)


def _term_clauses(terms: list[str], sqlite: bool) -> list[Any]:
    a = kb_articles.c
    if not sqlite:
        text = searched_text()
        return [
            # under three characters no index helps: strpos reads fastest
            sa.func.strpos(text, t) > 0
            if len(t) < FTS_MIN and not _cased(t)
            else _contains(text, t, sqlite)
            for t in terms
        ]
    clauses: list[Any] = []
    indexed = [t for t in terms if len(t) >= FTS_MIN]
    if indexed:
        matched = sa.select(kb_fts.c.rowid).where(
            sa.literal_column(KB_FTS).op("MATCH")(fts_phrase(indexed))
        )
        clauses.append(a.article_id.in_(matched))
    for term in terms:
        if len(term) < FTS_MIN:
            clauses.append(sa.or_(*(_contains(c, term, sqlite) for c in (a.title, a.tags, a.body))))
    return clauses


def _score(terms: list[str], sqlite: bool) -> Any:
    a = kb_articles.c
    score: Any = sa.literal(0)
    for term in terms:
        score = score + sa.case((_contains(a.title, term, sqlite), TITLE_WEIGHT), else_=0)
        score = score + sa.case((_contains(a.tags, term, sqlite), TAGS_WEIGHT), else_=0)
    return score


def _filters(reach: Reach, query: KbQuery) -> list[Any]:
    a = kb_articles.c
    status = query.status or ("all" if reach.writes else "published")
    if status == "all":
        where = [visible_clause(reach)]
    elif status == "published":
        where = [
            sa.or_(readable_clause(reach), sa.and_(editable_clause(reach), a.status == status))
        ]
    else:
        where = [editable_clause(reach), a.status == status]
    if query.category:
        where.append(a.category == query.category)
    if query.tag:
        tagged = sa.select(kb_tags.c.article_id).where(kb_tags.c.tag == query.tag.strip())
        where.append(a.article_id.in_(tagged))
    return where


def search_articles(db: sa.Engine, principal: Principal, query: KbQuery) -> SearchPage:
    """A page of the articles matching the query that the principal may see, best first (with
    no terms: the newest first). Audited `kb_search` with the query and the count found."""
    query = _checked(query)
    terms = query_terms(query.q)
    sqlite = db.dialect.name == "sqlite"
    a = kb_articles.c
    with db.connect() as connection:
        reach = reach_of(connection, principal)
        where = _filters(reach, query) + _term_clauses(terms, sqlite)
        score = _score(terms, sqlite) if terms else sa.literal(0)
        newest = sa.func.coalesce(a.published_at, a.updated_at)
        ranked = (
            sa.select(a.article_id, score.label("score"), sa.func.count().over().label("total"))
            .where(*where)
            .order_by(sa.desc("score"), newest.desc(), a.article_id.desc())
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        )
        ranks = connection.execute(ranked).all()
        total = int(ranks[0].total) if ranks else _count(connection, where, query.page)
        rows = {
            int(r["article_id"]): r
            for r in connection.execute(
                sa.select(kb_articles).where(a.article_id.in_([r.article_id for r in ranks]))
            ).mappings()
        }
    hits = [_hit(rows[int(r.article_id)], int(r.score), terms) for r in ranks]
    detail = {
        "q": (query.q or "")[:MAX_QUERY],
        "category": query.category,
        "tag": query.tag,
        "total": total,
    }
    audit_read(db, principal, "kb_search", [], {k: v for k, v in detail.items() if v})
    return SearchPage(hits, total, query.page, query.page_size, terms)


def _count(connection: sa.Connection, where: list[Any], page: int) -> int:
    """The total when the page asked is past the end (the ranked page then has no row)."""
    if page == 1:
        return 0
    return int(
        connection.execute(
            sa.select(sa.func.count()).select_from(kb_articles).where(*where)
        ).scalar_one()
    )


def _hit(row: Any, score: int, terms: list[str]) -> Hit:
    return Hit(
        article_id=int(row["article_id"]),
        title=row["title"],
        category=row["category"],
        tags=[t for t in (row["tags"] or "").split(" ") if t],
        status=row["status"],
        published_at=row["published_at"],
        updated_at=row["updated_at"],
        score=score,
        title_parts=highlight(row["title"], terms),
        snippet=snippet(row["body"], terms),
    )


def popular_tags(
    db: sa.Engine, principal: Principal, category: str | None = None
) -> list[tuple[str, int]]:
    """The tags of the published articles the reader may read, most used first (the tag
    filter's choices; titles of no customer, so not audited)."""
    if category not in (None, "") and category not in CATEGORIES:
        raise KnowledgeRejected("category", f"one of {', '.join(CATEGORIES)}")
    with db.connect() as connection:
        reach = reach_of(connection, principal)
        where = [readable_clause(reach)]
        if category:
            where.append(kb_articles.c.category == category)
        used = sa.func.count().label("used")
        rows = connection.execute(
            sa.select(kb_tags.c.tag, used)
            .select_from(
                kb_tags.join(kb_articles, kb_articles.c.article_id == kb_tags.c.article_id)
            )
            .where(*where)
            .group_by(kb_tags.c.tag)
            .order_by(used.desc(), kb_tags.c.tag)
            .limit(TOP_TAGS)
        ).all()
    return [(str(r.tag), int(r.used)) for r in rows]

"""The knowledge base (知识库, issue 23 section 2) in the operational store (SQLAlchemy Core,
on the shared `metadata`).

- `kb_articles`: one row per article. Its title, category, tags and Markdown body are the
  article as readers find it: the published (approved) version, or the newest version while
  none is published. This row is what search reads (on SQLite through the FTS5 table
  `kb_fts`, a trigram index kept by triggers; on PostgreSQL through a pg_trgm GIN index on
  `title || ' ' || tags || ' ' || body`; both made by migration 0015). `status`: draft,
  pending (the first version waits for approval), published, withdrawn (taken off).
- `kb_versions`: every edit is a new version, never changed afterwards but for its status:
  draft, pending (an approval request waits), approved (it was published), rejected. A version
  holds everything readers would see: text, category, tags, audience, attachment ids.
- `kb_audience`: the published version's audience: rows of kind `role` (a Role's value) and
  `unit` (an org unit: it and every unit below it). No row of a kind: everyone of that kind.
- `kb_tags`: the tags of the article as found (for the tag filter).
- `kb_attachments`: uploaded files, kept under `<home>/kb/attachments/` (knowledge.layout);
  never changed, a version lists the ones it carries.
- `kb_links`: an article linked from a campaign's script (`campaign`, the campaign id) or from
  a call-back kind's script (`callback_script`, the kind).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    column,
    table,
)

from brokerlens.store.schema import metadata

CATEGORIES = ("products", "policies", "scripts", "compliance", "market_views")
ARTICLE_STATUSES = ("draft", "pending", "published", "withdrawn")
VERSION_STATUSES = ("draft", "pending", "approved", "rejected")
AUDIENCE_KINDS = ("role", "unit")
LINK_SOURCES = ("campaign", "callback_script")

kb_articles = Table(
    "kb_articles",
    metadata,
    Column("article_id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("category", String(16), nullable=False),  # CATEGORIES
    Column("tags", Text, nullable=False),  # the tags, space separated (searched)
    Column("body", Text, nullable=False),  # Markdown
    Column("status", String(12), nullable=False),  # ARTICLE_STATUSES
    Column("owner_unit_id", String(32)),  # the unit that writes it; NULL: head office
    Column("latest_version", Integer, nullable=False),
    Column("published_version", Integer),  # the approved version readers see
    Column("pending_version", Integer),  # the version an approval request waits on
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("published_by", String(64)),  # who approved the version readers see
    Column("published_at", DateTime(timezone=True)),
    Index("ix_kb_articles_status_category", "status", "category"),
    Index("ix_kb_articles_owner_unit_id", "owner_unit_id"),
)

kb_versions = Table(
    "kb_versions",
    metadata,
    Column("article_id", Integer, ForeignKey("kb_articles.article_id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("category", String(16), nullable=False),
    Column("tags", JSON, nullable=False),  # ["基金", "定投"]
    Column("body", Text, nullable=False),
    Column("audience", JSON, nullable=False),  # {"roles": [...], "units": [...]}
    Column("attachments", JSON, nullable=False),  # [attachment_id, ...]
    Column("note", Text),  # what changed, in the author's words
    Column("status", String(12), nullable=False),  # VERSION_STATUSES
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("request_id", Integer),  # the approval request of this version, if any
)

kb_audience = Table(
    "kb_audience",
    metadata,
    Column("article_id", Integer, ForeignKey("kb_articles.article_id"), primary_key=True),
    Column("kind", String(8), primary_key=True),  # AUDIENCE_KINDS
    Column("value", String(32), primary_key=True),
    Index("ix_kb_audience_kind_value", "kind", "value"),
)

kb_tags = Table(
    "kb_tags",
    metadata,
    Column("article_id", Integer, ForeignKey("kb_articles.article_id"), primary_key=True),
    Column("tag", String(32), primary_key=True),
    Index("ix_kb_tags_tag", "tag"),
)

kb_attachments = Table(
    "kb_attachments",
    metadata,
    Column("attachment_id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", Integer, ForeignKey("kb_articles.article_id"), nullable=False),
    Column("filename", String(200), nullable=False),  # as uploaded (shown, never a path)
    Column("content_type", String(100), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Index("ix_kb_attachments_article_id", "article_id"),
)

kb_links = Table(
    "kb_links",
    metadata,
    Column("link_id", Integer, primary_key=True, autoincrement=True),
    Column("source_kind", String(16), nullable=False),  # LINK_SOURCES
    Column("source_ref", String(64), nullable=False),  # a campaign id, a call-back kind
    Column("article_id", Integer, ForeignKey("kb_articles.article_id"), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("source_kind", "source_ref", "article_id"),
    Index("ix_kb_links_article_id", "article_id"),
)

# SQLite only: the FTS5 table over kb_articles (trigram tokenizer, external content, kept by
# triggers; made by migration 0015). Not in `metadata`: SQLAlchemy cannot make it, only query
# it: `kb_fts MATCH :query` on the table's own name, `rowid` is the article id.
KB_FTS = "kb_fts"
kb_fts = table(KB_FTS, column("rowid"), column("title"), column("tags"), column("body"))

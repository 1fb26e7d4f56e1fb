"""The knowledge base (issue 23 section 2): articles, versions, audience, tags, attachments,
links from campaign and call-back scripts, and the full-text index for Chinese.

SQLite: an FTS5 table `kb_fts` with the trigram tokenizer over kb_articles (external content),
kept by triggers. PostgreSQL: the pg_trgm extension (made if missing) and a GIN trigram index on
kb_articles' title, tags and body (one expression).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-20 09:00:00

"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL: one trigram index over the searched text, the expression search queries
# (access.knowledge_search, `searched_text`); one index rather than one per column, so the
# planner takes it for a term in any of them.
SEARCHED_TEXT = "title || ' ' || tags || ' ' || body"
TRGM_INDEX = "ix_kb_articles_searched_trgm"
# One migration at a time makes the extension: two stores migrated at once on one server (tests
# in parallel schemas) would otherwise race to create it.
_EXTENSION_LOCK = 7_230_015

FTS_SQLITE = (
    "CREATE VIRTUAL TABLE kb_fts USING fts5(title, tags, body, "
    "content='kb_articles', content_rowid='article_id', tokenize='trigram')",
    "CREATE TRIGGER kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN "
    "INSERT INTO kb_fts(rowid, title, tags, body) "
    "VALUES (new.article_id, new.title, new.tags, new.body); END",
    "CREATE TRIGGER kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, title, tags, body) "
    "VALUES ('delete', old.article_id, old.title, old.tags, old.body); END",
    "CREATE TRIGGER kb_articles_fts_update AFTER UPDATE OF title, tags, body ON kb_articles "
    "BEGIN INSERT INTO kb_fts(kb_fts, rowid, title, tags, body) "
    "VALUES ('delete', old.article_id, old.title, old.tags, old.body); "
    "INSERT INTO kb_fts(rowid, title, tags, body) "
    "VALUES (new.article_id, new.title, new.tags, new.body); END",
)


def _tables() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("article_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("owner_unit_id", sa.String(length=32), nullable=True),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("pending_version", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("article_id", name="pk_kb_articles"),
    )
    op.create_index("ix_kb_articles_status_category", "kb_articles", ["status", "category"])
    op.create_index("ix_kb_articles_owner_unit_id", "kb_articles", ["owner_unit_id"])
    op.create_table(
        "kb_versions",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_articles.article_id"], name="fk_kb_versions_article_id_kb_articles"
        ),
        sa.PrimaryKeyConstraint("article_id", "version", name="pk_kb_versions"),
    )
    op.create_table(
        "kb_audience",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_articles.article_id"], name="fk_kb_audience_article_id_kb_articles"
        ),
        sa.PrimaryKeyConstraint("article_id", "kind", "value", name="pk_kb_audience"),
    )
    op.create_index("ix_kb_audience_kind_value", "kb_audience", ["kind", "value"])
    op.create_table(
        "kb_tags",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_articles.article_id"], name="fk_kb_tags_article_id_kb_articles"
        ),
        sa.PrimaryKeyConstraint("article_id", "tag", name="pk_kb_tags"),
    )
    op.create_index("ix_kb_tags_tag", "kb_tags", ["tag"])
    op.create_table(
        "kb_attachments",
        sa.Column("attachment_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.article_id"],
            name="fk_kb_attachments_article_id_kb_articles",
        ),
        sa.PrimaryKeyConstraint("attachment_id", name="pk_kb_attachments"),
    )
    op.create_index("ix_kb_attachments_article_id", "kb_attachments", ["article_id"])
    op.create_table(
        "kb_links",
        sa.Column("link_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_articles.article_id"], name="fk_kb_links_article_id_kb_articles"
        ),
        sa.PrimaryKeyConstraint("link_id", name="pk_kb_links"),
        sa.UniqueConstraint(
            "source_kind",
            "source_ref",
            "article_id",
            name="uq_kb_links_source_kind_source_ref_article_id",
        ),
    )
    op.create_index("ix_kb_links_article_id", "kb_links", ["article_id"])


def _trigram_schema(connection: sa.Connection) -> str:
    """The schema holding pg_trgm, made in `public` when the database has it nowhere (never in
    the connection's own schema: dropping that would drop the extension for everyone)."""
    found = """
        SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm'
    """
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _EXTENSION_LOCK})
    schema = connection.execute(sa.text(found)).scalar()
    if schema is None:
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
        schema = connection.execute(sa.text(found)).scalar_one()
    return str(schema)


def _schema_name(name: str) -> str:
    """The schema's name as written in the index's definition: a plain name only (no quoting
    needed, nothing read from the database reaches the DDL otherwise)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise RuntimeError(
            f"pg_trgm is installed in schema {name[:70]!r}; install it in a schema with a plain "
            "name (e.g. public) to create the knowledge base's index"
        )
    return name


def upgrade() -> None:
    """Upgrade schema."""
    _tables()
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for statement in FTS_SQLITE:
            op.execute(statement)
    elif connection.dialect.name == "postgresql":
        opclass = f"{_schema_name(_trigram_schema(connection))}.gin_trgm_ops"
        op.execute(
            f"CREATE INDEX {TRGM_INDEX} ON kb_articles USING gin (({SEARCHED_TEXT}) {opclass})"
        )


def downgrade() -> None:
    """Downgrade schema (pg_trgm stays: other databases' objects may use it)."""
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS kb_articles_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS kb_fts")
    elif connection.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")
    for table in ("kb_links", "kb_attachments", "kb_tags", "kb_audience", "kb_versions"):
        op.drop_table(table)
    op.drop_index("ix_kb_articles_owner_unit_id", table_name="kb_articles")
    op.drop_index("ix_kb_articles_status_category", table_name="kb_articles")
    op.drop_table("kb_articles")

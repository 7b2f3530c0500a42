"""The search index: one row per named element of each version, with full text on it
(PostgreSQL: a generated tsvector column and a GIN index; SQLite: an FTS5 table kept in
step by triggers). Versions stored before this revision are indexed by `spoke admin
reindex`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spoke.storage.search import sqlite_fts

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("version_id", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("full_name", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("words", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name="fk_search_entries_version_id_versions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_search_entries"),
    )
    op.create_index("ix_search_entries_version_id", "search_entries", ["version_id"])
    if op.get_bind().dialect.name == "postgresql":
        # Names weigh more than comments; 'simple': no stemming or stop words (names are
        # identifiers, and comments may be in any language).
        op.execute(
            "ALTER TABLE search_entries ADD COLUMN document tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple'::regconfig, words), 'A') || "
            "setweight(to_tsvector('simple'::regconfig, comment), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_search_entries_document ON search_entries USING gin (document)")
        return
    for statement in sqlite_fts.CREATE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for statement in sqlite_fts.DROP:
            op.execute(statement)
    op.drop_table("search_entries")

"""Modules, versions, files and dependencies.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
# Names and paths order byte by byte (as digests and keyset pages assume) on every
# backend: SQLite compares bytes already; PostgreSQL needs the "C" collation.
_BYTEWISE_NAME = sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")
_BYTEWISE_PATH = sa.String(1024).with_variant(sa.String(1024, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "modules",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", _BYTEWISE_NAME, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_modules"),
        sa.UniqueConstraint("name", name="uq_modules_name"),
    )
    op.create_table(
        "versions",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("module_id", sa.BigInteger, nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("sort_key", sa.LargeBinary, nullable=False),
        sa.Column("prerelease", sa.Boolean, nullable=False),
        sa.Column("digest", sa.String(80), nullable=False),
        sa.Column("file_count", sa.Integer, nullable=False),
        sa.Column("source_repository", sa.Text),
        sa.Column("source_commit", sa.Text),
        sa.Column("source_branch", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name="fk_versions_module_id_modules",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("module_id", "version", name="uq_versions_module_id_version"),
    )
    op.create_index("ix_versions_module_id_sort_key", "versions", ["module_id", "sort_key"])
    op.create_table(
        "files",
        sa.Column("version_id", sa.BigInteger, nullable=False),
        sa.Column("path", _BYTEWISE_PATH, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("object_key", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("version_id", "path", name="pk_files"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name="fk_files_version_id_versions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_files_object_key", "files", ["object_key"])
    op.create_table(
        "dependencies",
        sa.Column("version_id", sa.BigInteger, nullable=False),
        sa.Column("depends_on_id", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("version_id", "depends_on_id", name="pk_dependencies"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name="fk_dependencies_version_id_versions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["depends_on_id"],
            ["versions.id"],
            name="fk_dependencies_depends_on_id_versions",
            ondelete="RESTRICT",
        ),
    )
    op.create_index("ix_dependencies_depends_on_id", "dependencies", ["depends_on_id"])


def downgrade() -> None:
    op.drop_table("dependencies")
    op.drop_index("ix_files_object_key", table_name="files")
    op.drop_table("files")
    op.drop_index("ix_versions_module_id_sort_key", table_name="versions")
    op.drop_table("versions")
    op.drop_table("modules")

"""Compile jobs and the artifacts cache.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "artifacts",
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("object_key", sa.Text, nullable=False),
        sa.Column("digest", sa.String(80), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cache_key", name="pk_artifacts"),
    )
    op.create_index("ix_artifacts_object_key", "artifacts", ["object_key"])
    op.create_table(
        "compile_jobs",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("version_id", sa.BigInteger, nullable=False),
        sa.Column("language", sa.String(32), nullable=False),
        sa.Column("grpc", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("worker", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("cache_key", sa.String(64)),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_compile_jobs"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name="fk_compile_jobs_version_id_versions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cache_key"],
            ["artifacts.cache_key"],
            name="fk_compile_jobs_cache_key_artifacts",
        ),
        sa.UniqueConstraint(
            "version_id", "language", "grpc", name="uq_compile_jobs_version_id_language_grpc"
        ),
    )
    op.create_index("ix_compile_jobs_status_due", "compile_jobs", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_compile_jobs_status_due", table_name="compile_jobs")
    op.drop_table("compile_jobs")
    op.drop_index("ix_artifacts_object_key", table_name="artifacts")
    op.drop_table("artifacts")

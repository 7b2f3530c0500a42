"""Table definitions shared by the SQL adapter and the Alembic migrations' autogenerate."""

from __future__ import annotations

import sqlalchemy as sa

# Names and paths order byte by byte (as digests and keyset pages assume) on every
# backend: SQLite compares bytes already; PostgreSQL needs the "C" collation.
_BYTEWISE_NAME = sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")
_BYTEWISE_PATH = sa.String(1024).with_variant(sa.String(1024, collation="C"), "postgresql")

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

modules = sa.Table(
    "modules",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("name", _BYTEWISE_NAME, nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # Private modules are readable only with a grant (see domain/access.py).
    sa.Column("public", sa.Boolean, nullable=False, server_default=sa.true()),
    # Soft-deleted: hidden everywhere, restorable.
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "module_id", sa.BigInteger, sa.ForeignKey("modules.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("version", sa.String(128), nullable=False),
    # Semver precedence as bytes (domain.versions.Version.sort_key): ORDER BY works on it.
    sa.Column("sort_key", sa.LargeBinary, nullable=False),
    sa.Column("prerelease", sa.Boolean, nullable=False),
    sa.Column("digest", sa.String(80), nullable=False),
    sa.Column("file_count", sa.Integer, nullable=False),
    sa.Column("source_repository", sa.Text),
    sa.Column("source_commit", sa.Text),
    sa.Column("source_branch", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("module_id", "version", name="uq_versions_module_id_version"),
    sa.Index("ix_versions_module_id_sort_key", "module_id", "sort_key"),
)

files = sa.Table(
    "files",
    metadata,
    sa.Column(
        "version_id",
        sa.BigInteger,
        sa.ForeignKey("versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("path", _BYTEWISE_PATH, primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("object_key", sa.Text, nullable=False),
    # Garbage collection asks which blob keys are still referenced.
    sa.Index("ix_files_object_key", "object_key"),
)

dependencies = sa.Table(
    "dependencies",
    metadata,
    sa.Column(
        "version_id",
        sa.BigInteger,
        sa.ForeignKey("versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "depends_on_id",
        sa.BigInteger,
        sa.ForeignKey("versions.id", ondelete="RESTRICT"),
        primary_key=True,
    ),
    # Dependents of a version are found through this index.
    sa.Index("ix_dependencies_depends_on_id", "depends_on_id"),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    # sha256 over everything that determines the output (inputs, language, tool versions).
    sa.Column("cache_key", sa.String(64), primary_key=True),
    sa.Column("object_key", sa.Text, nullable=False),
    sa.Column("digest", sa.String(80), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_artifacts_object_key", "object_key"),
)

compile_jobs = sa.Table(
    "compile_jobs",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "version_id",
        sa.BigInteger,
        sa.ForeignKey("versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("language", sa.String(32), nullable=False),
    sa.Column("grpc", sa.Boolean, nullable=False),
    # pending → running → succeeded | failed (or back to pending for a retry)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    # A running job whose lease has passed belongs to a worker that died: re-claimable.
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("worker", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("cache_key", sa.String(64), sa.ForeignKey("artifacts.cache_key")),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint(
        "version_id", "language", "grpc", name="uq_compile_jobs_version_id_language_grpc"
    ),
    sa.Index("ix_compile_jobs_status_due", "status", "next_attempt_at"),
)


def version_id_of(module: str, version: str) -> sa.Select[tuple[int]]:
    """The id of ``module@version`` (not deleted), for statements that reference it."""
    return (
        sa.select(versions.c.id)
        .join(modules, modules.c.id == versions.c.module_id)
        .where(
            modules.c.name == module,
            versions.c.version == version,
            modules.c.deleted_at.is_(None),
            versions.c.deleted_at.is_(None),
        )
    )


api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    # The token's first characters, to find its row; the token itself is never stored.
    sa.Column("prefix", sa.String(16), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("grants", sa.Text, nullable=False),  # space-separated, e.g. "write:acme.*"
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("principal", sa.Text, nullable=False),
    sa.Column("action", sa.String(200), nullable=False),  # "POST /modules/{name}/versions"
    sa.Column("target", sa.Text, nullable=False),  # the request path
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("client", sa.String(64)),
    sa.Column("request_id", sa.String(128)),
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_principal", "principal"),
)

module_policies = sa.Table(
    "module_policies",
    metadata,
    sa.Column(
        "module_id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("modules.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("policy", sa.Text, nullable=False),  # JSON: spoke.domain.policy.Policy
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
)

server_secrets = sa.Table(
    "server_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=False),  # random bytes, never shown
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

search_entries = sa.Table(
    "search_entries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "version_id",
        sa.BigInteger,
        sa.ForeignKey("versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("kind", sa.String(16), nullable=False),  # spoke.domain.symbols.Kind
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),  # the last part, lower case: exact hits first
    sa.Column("words", sa.Text, nullable=False),  # spoke.domain.symbols.name_words
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    # Full text: on PostgreSQL a generated tsvector column with a GIN index, on SQLite an
    # FTS5 table kept in step by triggers (both made by migration 0008, not here).
    sa.Index("ix_search_entries_version_id", "version_id"),
)

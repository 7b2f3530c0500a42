"""Module governance policies.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "module_policies",
        sa.Column("module_id", _ID, nullable=False),
        sa.Column("policy", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("module_id", name="pk_module_policies"),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name="fk_module_policies_module", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("module_policies")

"""Alembic revisions of the SQL tables (``storage/metadata/tables.py``), for SQLite and
PostgreSQL alike; ``upgrade`` runs them on a connection (``Database.migrate`` takes the lock)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

DIRECTORY = Path(__file__).parent


def config() -> Config:
    """An Alembic configuration for these revisions (no ``alembic.ini``)."""
    configured = Config()
    configured.set_main_option("script_location", str(DIRECTORY))
    return configured


def upgrade(connection: sa.Connection) -> None:
    """Bring the tables to the newest revision on ``connection`` (its transaction)."""
    configured = config()
    configured.attributes["connection"] = connection
    command.upgrade(configured, "head")

"""Alembic revisions of the SQL tables (``storage/metadata/tables.py``), for SQLite and
PostgreSQL alike; ``upgrade`` runs them on a connection (``Database.migrate`` takes the lock)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

DIRECTORY = Path(__file__).parent
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SchemaState:
    """Where a database's tables stand against this code's revisions."""

    current: str | None  # the database's revision (None: never migrated)
    head: str  # the newest revision this code knows
    known: bool  # whether this code knows ``current`` (False: a newer Spoke migrated it)

    @property
    def behind(self) -> bool:
        """Older than this code needs: ``spoke migrate`` has not run for this release.
        A newer schema is not behind: migrations expand first, so older code keeps
        working on it during a rollout (see docs/production.md)."""
        return self.known and self.current != self.head


def config() -> Config:
    """An Alembic configuration for these revisions (no ``alembic.ini``)."""
    configured = Config()
    configured.set_main_option("script_location", str(DIRECTORY))
    return configured


def state(connection: sa.Connection) -> SchemaState:
    """The schema's revision on ``connection`` against this code's."""
    script = ScriptDirectory.from_config(config())
    current = MigrationContext.configure(connection).get_current_revision()
    known = current is None or current in {rev.revision for rev in script.walk_revisions()}
    head = script.get_current_head()
    assert head is not None  # there are revisions
    return SchemaState(current, head, known)


def upgrade(connection: sa.Connection) -> None:
    """Bring the tables to the newest revision on ``connection`` (its transaction); a
    schema a newer Spoke migrated already is left alone."""
    found = state(connection)
    if not found.known:
        log.warning(
            "the schema is newer than this Spoke: not migrating",
            revision=found.current,
            head=found.head,
        )
        return
    configured = config()
    configured.attributes["connection"] = connection
    command.upgrade(configured, "head")

"""The SQL layer: one ``Database`` (engines, read replicas, read-your-writes) that every
SQL adapter takes, and ``driver_errors``, where driver failures become domain errors."""

from __future__ import annotations

from spoke.storage.sql.database import Database
from spoke.storage.sql.errors import driver_errors

__all__ = ["Database", "driver_errors"]

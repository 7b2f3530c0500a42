"""Timestamps as the SQL adapters store them: always UTC, zone-aware on the way back."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; every timestamp we write is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)

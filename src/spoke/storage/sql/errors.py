"""The one place SQL driver failures become domain errors (httpx's
``map_httpcore_exceptions`` idea): SQLAlchemy, asyncpg and aiosqlite exceptions stop here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from spoke.storage.metadata import MetadataUnavailable

# Failures that say "this server is not answering", as opposed to a bad query.
UNREACHABLE = (OSError, TimeoutError)


@contextmanager
def driver_errors() -> Iterator[None]:
    """Turn driver failures (connection lost or refused, database locked, a timeout) into
    ``MetadataUnavailable``, which the API answers with 503.

    ``IntegrityError`` passes through: the adapters turn it into a domain conflict (a
    module that exists, a version another push stored first).
    """
    try:
        yield
    except IntegrityError:
        raise
    except DBAPIError as exc:
        raise MetadataUnavailable(f"metadata store error: {exc.orig}") from exc
    except PoolTimeout as exc:  # every pooled connection busy past the pool's timeout
        raise MetadataUnavailable("metadata store busy: no database connection free") from exc
    except UNREACHABLE as exc:
        raise MetadataUnavailable(f"metadata store unreachable: {exc}") from exc

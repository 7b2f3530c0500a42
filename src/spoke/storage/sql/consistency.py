"""Read-your-writes: a unit of work (one request) that wrote reads from the primary.

The API opens a ``scope`` per request; ``Database.write`` notes a committed write in it,
and ``Database.read`` routes the scope's later reads accordingly. Outside any scope
nothing is remembered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_wrote: ContextVar[bool] = ContextVar("spoke_wrote_primary", default=False)


@contextmanager
def scope() -> Iterator[None]:
    token = _wrote.set(False)
    try:
        yield
    finally:
        _wrote.reset(token)


def note_write() -> None:
    _wrote.set(True)


def wrote_in_this_scope() -> bool:
    return _wrote.get()

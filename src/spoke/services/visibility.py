"""Who may read which modules, as the services see it: a ``ReadScope`` per caller, and the
modules' visibility (public or private) cached briefly in this process.

Every use-case that reaches into another module's content on a caller's behalf
(dependency closures: push, dry run, lint, breaking, diff, compile, downloads, lock
resolution, the dependency graph) takes the caller's ``ReadScope`` and asks it before it
reads a module: a private module the caller may not read is treated exactly like one that
does not exist. Internal work (the compile worker, policy checks against the module's own
history) uses ``EVERYTHING``.
"""

from __future__ import annotations

from typing import Protocol

from spoke.domain.errors import ModuleNotFound
from spoke.storage.cache import Cache, LocalCache
from spoke.storage.metadata import MetadataStore

#: Seconds a module's public flag is trusted in this process when no broadcast arrives
#: (a change is broadcast to every instance at once; this bounds a lost message).
VISIBILITY_TTL = 5.0
_KEY = "visible:"


class ReadScope(Protocol):
    """The modules one caller may read."""

    async def may_read(self, module: str) -> bool:
        """Whether the caller may read ``module``: False for a private module it has no
        read grant on, and for a module that does not exist (the two look the same)."""
        ...


class _Everything:
    async def may_read(self, module: str) -> bool:
        return True


#: The scope of the registry itself (and of every caller when authentication is off).
EVERYTHING: ReadScope = _Everything()


class Visibility:
    """Modules' public flags, cached in process for ``VISIBILITY_TTL`` seconds.

    ``changed`` drops a module's entry here at once and, through the cache's broadcast, on
    every other instance (whose listener calls ``drop_local``).
    """

    def __init__(self, metadata: MetadataStore, cache: Cache, local: LocalCache) -> None:
        self._metadata = metadata
        self._cache = cache
        self._local = local

    async def public(self, module: str) -> bool | None:
        """The module's visibility; None when there is no such (live) module."""
        key = _KEY + module
        if (hit := await self._local.get(key)) is not None:
            return hit == b"1"
        try:
            public = (await self._metadata.get_module(module)).public
        except ModuleNotFound:
            return None
        await self._local.set(key, b"1" if public else b"0", VISIBILITY_TTL)
        return public

    async def changed(self, module: str) -> None:
        """The module's visibility (or existence) changed: forget it everywhere."""
        self.drop_local(module)
        await self._cache.broadcast(f"module:{module}")

    def drop_local(self, module: str) -> None:
        self._local.delete_prefix(_KEY + module)

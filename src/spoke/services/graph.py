"""Reading the dependency graph: what a version pins (directly or transitively), and
which versions pin it."""

from __future__ import annotations

from spoke.domain.errors import InvalidArgument
from spoke.domain.graph import Dependent, ResolvedDependency
from spoke.domain.names import validate_module_name
from spoke.domain.versions import validate_version
from spoke.services.dependencies import DependencyResolver
from spoke.services.versions import VersionReader
from spoke.services.visibility import ReadScope
from spoke.storage.metadata import MetadataStore


class DependencyGraph:
    def __init__(
        self, metadata: MetadataStore, reader: VersionReader, dependencies: DependencyResolver
    ) -> None:
        self._metadata = metadata
        self._reader = reader
        self._resolver = dependencies

    async def dependencies(
        self,
        module: str,
        ref: str,
        *,
        scope: ReadScope,
        transitive: bool,
        after: str | None,
        limit: int,
    ) -> list[ResolvedDependency]:
        """The versions ``module@ref`` pins (all of its closure with ``transitive``), by
        module name; ``after`` is the module name that ended the previous page.

        Modules outside ``scope`` are left out, with whatever is reachable only through
        them; paths and ``required_by`` name only what ``scope`` may read."""
        root = await self._reader.get(module, ref)
        resolved = await self._resolver.resolve(
            root.module,
            root.dependencies,
            scope=scope,
            version=root.version,
            skip_unreadable=True,
        )
        listed = sorted((r for r in resolved if transitive or r.depth == 1), key=lambda r: r.module)
        if after is not None:
            listed = [r for r in listed if r.module > after]
        return listed[:limit]

    async def dependents(
        self, module: str, ref: str, *, after: str | None, limit: int
    ) -> list[Dependent]:
        """The live versions that pin ``module@ref``; ``after`` is the ``module@version``
        that ended the previous page."""
        version = await self._reader.resolve(module, ref)
        if after is not None:
            _check_dependent_key(after)
        return await self._metadata.list_dependents(module, version, after=after, limit=limit)


def _check_dependent_key(key: str) -> None:
    name, _, version = key.rpartition("@")
    try:
        validate_module_name(name)
        validate_version(version)
    except InvalidArgument:
        raise InvalidArgument(
            "page_token is not valid: pass next_page_token from a previous page"
        ) from None

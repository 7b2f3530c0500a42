"""A version (or files about to be pushed) compiled to a :class:`Schema`: the module's files
are the targets, its dependencies' files import roots, as a push compiles them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from spoke.compile.protoc import Protoc
from spoke.domain.models import Dependency, ModuleVersion
from spoke.domain.paths import is_proto
from spoke.domain.schema import Schema
from spoke.services.dependencies import DependencyResolver
from spoke.services.files import read_protos
from spoke.services.versions import VersionReader
from spoke.services.visibility import ReadScope
from spoke.storage.blobs import BlobStore
from spoke.storage.cache import Cache

#: A compiled version is immutable: keep it long (the cache's own bounds still apply).
SCHEMA_TTL = 24 * 3600.0


class SchemaCompiler:
    """Compiles versions to schemas, keeping each stored version's descriptor set in the
    cache: a policy check on push then compiles only the new files."""

    def __init__(
        self,
        reader: VersionReader,
        blobs: BlobStore,
        protoc: Protoc,
        cache: Cache,
        dependencies: DependencyResolver,
        *,
        prefix: str = "spoke",
    ) -> None:
        self._reader = reader
        self._blobs = blobs
        self._protoc = protoc
        self._cache = cache
        self._prefix = f"{prefix}:schema:v1"
        self._dependencies = dependencies

    def _key(self, version: ModuleVersion) -> str:
        # The digest too: a version deleted for good and pushed again is another version.
        return f"{self._prefix}:{version.module}:{version.version}:{version.digest}"

    async def remember(self, version: ModuleVersion, descriptor_set: bytes) -> None:
        """Keep a just-pushed version's compiled form for the checks of later pushes."""
        await self._cache.set(self._key(version), descriptor_set, SCHEMA_TTL)

    async def of_version(
        self, module: str, ref: str, *, scope: ReadScope, sources: bool = True
    ) -> tuple[ModuleVersion, Schema]:
        """A stored version (``latest`` allowed), compiled (or from the cache).

        A compiled version holds its whole closure: every module of it must be in
        ``scope``, cached or not. ``sources=False`` when the schema is only compared
        against (the old side of a check): a cached version then costs no reads of its
        files.
        """
        version = await self._reader.get(module, ref)
        await self._dependencies.require_readable(version, scope)
        targets = [e.path for e in version.files if is_proto(e.path)]
        cached = await self._cache.get(self._key(version))
        if cached is not None and not sources:
            return version, Schema(cached, targets=targets)
        contents = await read_protos(self._blobs, version)
        if cached is not None:
            return version, Schema(cached, targets=contents, sources=contents)
        descriptor_set = await self._compile(module, contents, version.dependencies, scope)
        await self._cache.set(self._key(version), descriptor_set, SCHEMA_TTL)
        return version, Schema(descriptor_set, targets=contents, sources=contents)

    async def of_files(
        self,
        module: str,
        contents: Mapping[str, bytes],
        deps: Sequence[Dependency],
        *,
        scope: ReadScope,
    ) -> Schema:
        """Files not (yet) stored, with the dependencies they would be pushed with (each
        of them in ``scope``)."""
        protos = {path: data for path, data in contents.items() if is_proto(path)}
        descriptor_set = await self._compile(module, protos, deps, scope)
        return Schema(descriptor_set, targets=protos, sources=protos)

    async def _compile(
        self,
        module: str,
        protos: Mapping[str, bytes],
        deps: Sequence[Dependency],
        scope: ReadScope,
    ) -> bytes:
        roots = await self._dependencies.roots(module, deps, set(protos), scope=scope)
        result = await self._protoc.compile([dict(protos), *roots], sorted(protos))
        return result.descriptor_set

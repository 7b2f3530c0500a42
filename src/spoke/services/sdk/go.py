"""Go: the GOPROXY protocol for one module per Spoke module, at
``{SPOKE_SDK_GO_PREFIX}/{module}`` (``/vN`` from major version 2), each ``.proto`` folder
a package (``{module path}/{folder}``).

The stored ``go`` compile artifact cannot be used: its import paths are the files'
``go_package`` (or their bare folders). The SDK generates with protoc-gen-go's ``M``
options mapping every file of the version and its closure to its SDK package, once, and
publishes the module zip like every other package (the first build is served forever);
``.mod`` is the ``go.mod`` of that zip. Well-known types keep their own ``go_package``
(``google.golang.org/protobuf/types/known/...``). Messages only: gRPC stubs would need
``google.golang.org/grpc`` in every consumer.
"""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import structlog

from spoke.domain.errors import ModuleNotFound, NotFound, VersionNotFound
from spoke.domain.models import ModuleVersion
from spoke.domain.versions import Version
from spoke.services.compile import CompileService
from spoke.services.dependencies import DependencyResolver
from spoke.services.sdk.generated import SdkNotBuildable
from spoke.services.sdk.gozips import (
    PROTOBUF_MODULE,
    build_module_zip,
    go_mod,
    go_sources,
    package_name,
    protobuf_version,
    read_go_mod,
)
from spoke.services.sdk.store import PackageStore, StoredPackage, release_prefix
from spoke.services.sdk.versions import go, go_major_suffix
from spoke.services.versions import VersionReader
from spoke.services.visibility import ReadScope
from spoke.storage.metadata import MetadataStore

log = structlog.get_logger(__name__)


class GoSdkDisabled(NotFound):
    code = "go_sdk_disabled"

    def __init__(self) -> None:
        super().__init__(
            "the Go SDK needs SPOKE_SDK_GO_PREFIX, the module path prefix (such as "
            "registry.example.com/sdk/go)"
        )


@dataclass(frozen=True)
class GoModule:
    """A module path this registry serves: a Spoke module and one major version series
    (0 and 1 share the path without a suffix)."""

    module: str
    major_suffix: str  # "" or "/vN"

    def holds(self, version: str) -> bool:
        return go(version) is not None and go_major_suffix(version) == self.major_suffix


def unescape(text: str) -> str:
    """Undo the go command's case escaping of paths and versions (``!v`` → ``V``)."""
    out, bang = [], False
    for char in text:
        if bang:
            out.append(char.upper())
            bang = False
        elif char == "!":
            bang = True
        else:
            out.append(char)
    return "".join(out)


class GoModules:
    def __init__(
        self,
        metadata: MetadataStore,
        reader: VersionReader,
        dependencies: DependencyResolver,
        compile: CompileService,
        store: PackageStore,
        *,
        prefix: str | None,
    ) -> None:
        self._metadata = metadata
        self._reader = reader
        self._dependencies = dependencies
        self._compile = compile
        self._store = store
        self._prefix = prefix
        self._mods: dict[str, bytes] = {}

    @property
    def prefix(self) -> str:
        if self._prefix is None:
            raise GoSdkDisabled()
        return self._prefix

    def module_path(self, module: str, version: str) -> str:
        return f"{self.prefix}/{module}{go_major_suffix(version)}"

    def parse(self, module_path: str) -> GoModule:
        """The module a (possibly escaped) module path names; ``NotFound`` for others."""
        path = unescape(module_path)
        rest = path.removeprefix(self.prefix + "/")
        if rest == path or not rest:
            raise NotFound(f"{path!r} is not under {self.prefix}/", details={"path": path})
        module, _, suffix = rest.partition("/")
        if suffix and not (suffix[1:].isdigit() and suffix[0] == "v" and int(suffix[1:]) >= 2):
            raise ModuleNotFound(rest)
        return GoModule(module, f"/{suffix}" if suffix else "")

    async def versions(self, target: GoModule, scope: ReadScope) -> list[str]:
        """The versions of the module path, in no order (the go command sorts them)."""
        if not await scope.may_read(target.module):
            raise ModuleNotFound(target.module)
        names = [n for n in await self._metadata.version_names(target.module) if target.holds(n)]
        if not names:  # a major version series (or a module) without versions
            raise ModuleNotFound(f"{target.module}{target.major_suffix}")
        return names

    async def info(self, target: GoModule, version: str, scope: ReadScope) -> tuple[str, datetime]:
        pinned = await self._pinned(target, version, scope)
        return pinned.version, pinned.created_at

    async def latest(self, target: GoModule, scope: ReadScope) -> tuple[str, datetime]:
        names = await self.versions(target, scope)
        ranked = sorted(names, key=Version.parse, reverse=True)
        releases = [n for n in ranked if not Version.parse(n).is_prerelease]
        return await self.info(target, (releases or ranked)[0], scope)

    async def module_zip(self, target: GoModule, version: str, scope: ReadScope) -> StoredPackage:
        """The published module zip of ``version``, built on first request."""
        pinned = await self._pinned(target, version, scope)
        prefix = release_prefix("go", pinned)
        if (package := await self._store.find(prefix)) is None:
            package = await self._publish(pinned, prefix, scope)
        return package

    async def go_mod(self, target: GoModule, version: str, scope: ReadScope) -> bytes:
        package = await self.module_zip(target, version, scope)
        if (known := self._mods.get(package.key)) is None:
            path = f"{self.prefix}/{target.module}{target.major_suffix}"
            known = read_go_mod(await self._store.read(package), path, unescape(version))
            self._mods[package.key] = known
        return known

    def stream(self, package: StoredPackage) -> AsyncIterator[bytes]:
        return self._store.stream(package)

    async def _pinned(self, target: GoModule, version: str, scope: ReadScope) -> ModuleVersion:
        if not await scope.may_read(target.module):
            raise ModuleNotFound(target.module)
        text = unescape(version)
        if not target.holds(text):
            raise VersionNotFound(target.module, text)
        pinned = await self._reader.get(target.module, text)
        await self._dependencies.require_readable(pinned, scope)
        return pinned

    def _imports(self, versions: list[ModuleVersion]) -> dict[str, str]:
        imports = {}
        for version in versions:
            root = self.module_path(version.module, version.version)
            for entry in version.files:
                if entry.path.endswith(".proto"):
                    folder = posixpath.dirname(entry.path)
                    package = f"{root}/{folder}" if folder else root
                    imports[entry.path] = f"{package};{package_name(folder, version.module)}"
        return imports

    async def _publish(
        self, version: ModuleVersion, prefix: str, scope: ReadScope
    ) -> StoredPackage:
        try:
            generated = await self._compile.generate_mapped(
                version.module, version.version, "go", self._imports, scope=scope
            )
        except ValueError as exc:  # a path that cannot be one plugin parameter
            raise SdkNotBuildable(str(exc)) from exc
        sources = go_sources(generated)
        if not sources:
            raise SdkNotBuildable(f"{version.module}@{version.version} generated no Go")
        closure = await self._dependencies.closure(
            version.module, version.dependencies, scope=scope
        )
        requires = [(PROTOBUF_MODULE, protobuf_version(sources))]
        for dep in closure:
            if go(dep.version) is None:
                raise SdkNotBuildable(f"dependency {dep.module}@{dep.version} has no Go version")
            requires.append((self.module_path(dep.module, dep.version), dep.version))
        path = self.module_path(version.module, version.version)
        files = {**sources, "go.mod": go_mod(path, requires)}
        data = await asyncio.to_thread(build_module_zip, path, version.version, files)
        log.info("publishing a Go module", module=version.module, version=version.version)
        return await self._store.publish(prefix, f"{version.version}.zip", data)

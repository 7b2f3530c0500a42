"""npm: one package per module in the configured scope (``@spoke/acme.greet``), one
tarball of protoc-gen-es's JavaScript and declarations per version npm can name."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import structlog

from spoke.domain.errors import NotFound
from spoke.domain.models import ModuleVersion
from spoke.domain.versions import Version
from spoke.services.compile import CompileService
from spoke.services.concurrency import map_limited
from spoke.services.dependencies import DependencyResolver
from spoke.services.sdk.generated import SdkNotBuildable, generated_files
from spoke.services.sdk.store import PackageStore, StoredPackage, release_prefix
from spoke.services.sdk.tarballs import (
    Checks,
    build_tarball,
    checks,
    javascript_sources,
    read_manifest,
    rewrite_imports,
    runtime_range,
)
from spoke.services.sdk.versions import npm
from spoke.services.versions import VersionReader
from spoke.services.visibility import ReadScope
from spoke.storage.metadata import MetadataStore

log = structlog.get_logger(__name__)
_RUNTIME = "@bufbuild/protobuf"


@dataclass(frozen=True)
class NpmVersion:
    module: str
    version: str  # the Spoke version
    npm_version: str
    package: StoredPackage
    checks: Checks
    manifest: dict[str, Any]


class NpmPackages:
    def __init__(
        self,
        metadata: MetadataStore,
        reader: VersionReader,
        dependencies: DependencyResolver,
        compile: CompileService,
        store: PackageStore,
        *,
        scope: str,
    ) -> None:
        self._metadata = metadata
        self._reader = reader
        self._dependencies = dependencies
        self._compile = compile
        self._store = store
        self.scope = scope
        self._checks: dict[str, tuple[Checks, dict[str, Any]]] = {}

    def package_name(self, module: str) -> str:
        return f"@{self.scope}/{module}"

    async def versions(self, module: str, scope: ReadScope) -> list[NpmVersion]:
        """Every version of ``module`` npm can install, highest first; each built (and
        published) on first request. Versions that cannot be built are left out."""
        names = await self._metadata.version_names(module)

        async def one(version: str) -> NpmVersion | None:
            try:
                return await self.version(module, version, scope)
            except (SdkNotBuildable, NotFound) as exc:
                log.info("no npm package", module=module, version=version, why=exc.code)
                return None

        return [found for found in await map_limited(one, names, limit=4) if found is not None]

    async def version(self, module: str, version: str, scope: ReadScope) -> NpmVersion:
        """The published tarball of ``module@version``, built on first request."""
        pinned = await self._reader.get(module, version)
        closure = await self._dependencies.closure(pinned.module, pinned.dependencies, scope=scope)
        npm_version = npm(pinned.version)
        if npm_version is None:
            raise SdkNotBuildable(
                f"{pinned.version} has build metadata, which npm versions drop",
                details={"module": module, "version": pinned.version},
            )
        prefix = release_prefix("npm", pinned)
        package = await self._store.find(prefix)
        if package is None:
            package = await self._publish(pinned, npm_version, closure, prefix, scope)
        found, manifest = await self._read_checks(package)
        return NpmVersion(pinned.module, pinned.version, npm_version, package, found, manifest)

    def stream(self, found: NpmVersion) -> AsyncIterator[bytes]:
        return self._store.stream(found.package)

    async def _read_checks(self, package: StoredPackage) -> tuple[Checks, dict[str, Any]]:
        # The packument repeats each version's package.json: read from the stored bytes
        # (never rebuilt), once per process.
        if (known := self._checks.get(package.key)) is None:
            data = await self._store.read(package)
            known = checks(data), await asyncio.to_thread(read_manifest, data)
            self._checks[package.key] = known
        return known

    async def _publish(
        self,
        version: ModuleVersion,
        npm_version: str,
        closure: list[ModuleVersion],
        prefix: str,
        scope: ReadScope,
    ) -> StoredPackage:
        generated, _ = await generated_files(
            self._compile, version.module, version.version, "javascript", scope=scope
        )
        sources = javascript_sources(generated)
        if not sources:
            raise SdkNotBuildable(f"{version.module}@{version.version} generated no JavaScript")
        pins = {self.package_name(dep.module): dep for dep in closure}
        owners = {
            entry.path.removesuffix(".proto") + "_pb.js": name
            for name, dep in pins.items()
            for entry in dep.files
            if entry.path.endswith(".proto")
        }
        rewritten, imported = rewrite_imports(sources, owners)
        # Every direct pin, and any module of the closure whose files the code imports.
        wanted = imported | {self.package_name(d.module) for d in version.dependencies}
        dependencies = {_RUNTIME: runtime_range(sources)}
        for name in sorted(wanted):
            if (dep_version := npm(pins[name].version)) is None:
                raise SdkNotBuildable(f"dependency {pins[name].module} has no npm version")
            dependencies[name] = dep_version
        module = await self._metadata.get_module(version.module)
        manifest = {
            "name": self.package_name(version.module),
            "version": npm_version,
            "description": module.description or f"Generated code of {version.module}",
            "type": "module",
            "sideEffects": False,
            "dependencies": dependencies,
        }
        data = await asyncio.to_thread(build_tarball, manifest, rewritten)
        log.info("publishing an npm package", module=version.module, version=version.version)
        filename = f"{version.module}-{npm_version}.tgz"
        return await self._store.publish(prefix, filename, data)


def latest(versions: list[NpmVersion]) -> str | None:
    """``dist-tags.latest``: the highest release, else the highest pre-release."""
    if not versions:
        return None
    ranked = sorted(versions, key=lambda v: Version.parse(v.version), reverse=True)
    releases = [v for v in ranked if not Version.parse(v.version).is_prerelease]
    return (releases or ranked)[0].npm_version

"""Python: one project per module (its PEP 503 name), one pure-Python wheel per version
whose semantic version PEP 440 can express (``versions.pep440``)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog

from spoke.domain.errors import ModuleNotFound, NotFound
from spoke.domain.models import ModuleVersion
from spoke.services.compile import CompileService
from spoke.services.concurrency import map_limited
from spoke.services.dependencies import DependencyResolver
from spoke.services.sdk.generated import SdkNotBuildable, generated_files
from spoke.services.sdk.store import PackageStore, StoredPackage, release_prefix
from spoke.services.sdk.versions import pep440
from spoke.services.sdk.wheels import (
    build_wheel,
    project_name,
    python_sources,
    runtime_requirements,
)
from spoke.services.versions import VersionReader
from spoke.services.visibility import ReadScope
from spoke.storage.metadata import MetadataStore

log = structlog.get_logger(__name__)
_PAGE = 500


@dataclass(frozen=True)
class PythonFile:
    """A wheel of one version, as an index lists it."""

    module: str
    version: str  # the Spoke version
    python_version: str  # its PEP 440 form
    package: StoredPackage


class PythonPackages:
    def __init__(
        self,
        metadata: MetadataStore,
        reader: VersionReader,
        dependencies: DependencyResolver,
        compile: CompileService,
        store: PackageStore,
    ) -> None:
        self._metadata = metadata
        self._reader = reader
        self._dependencies = dependencies
        self._compile = compile
        self._store = store

    async def projects(self, scope: ReadScope) -> list[tuple[str, str]]:
        """``(project, module)`` for every module ``scope`` may read, by project name."""
        found: dict[str, str] = {}
        async for module in self._modules(""):
            project = project_name(module)
            if project not in found and await scope.may_read(module):
                found[project] = module
        return sorted(found.items())

    async def module_of(self, project: str, scope: ReadScope) -> str:
        """The module a project name stands for: among modules whose names normalise to
        it (``acme.greet``, ``acme-greet``, …), the first by name that ``scope`` may read.
        Raises ``NotFound`` when there is none."""
        wanted = project_name(project)
        first = wanted.split("-", 1)[0]
        async for module in self._modules(first):
            if project_name(module) == wanted and await scope.may_read(module):
                return module
        raise ModuleNotFound(wanted)

    async def files(self, module: str, scope: ReadScope) -> list[PythonFile]:
        """A wheel for every version of ``module`` that has one, highest version first;
        each built (and published) on first request. A version that cannot be built
        (compile errors, a version PEP 440 cannot express, a dependency outside ``scope``)
        is left out."""
        names = await self._metadata.version_names(module)

        async def one(version: str) -> PythonFile | None:
            try:
                return await self.file(module, version, scope)
            except (SdkNotBuildable, NotFound) as exc:
                log.info("no wheel for version", module=module, version=version, why=exc.code)
                return None

        built: dict[str, PythonFile] = {}
        for found in await map_limited(one, names, limit=4):
            # Build metadata differing only in case or '-'/'.' names one PEP 440 version:
            # the highest Spoke version has it.
            if found is not None and found.python_version not in built:
                built[found.python_version] = found
        return list(built.values())

    async def file(self, module: str, version: str, scope: ReadScope) -> PythonFile:
        """The published wheel of ``module@version``, built on first request."""
        pinned = await self._reader.get(module, version)
        await self._dependencies.require_readable(pinned, scope)
        python_version = pep440(pinned.version)
        if python_version is None:
            raise SdkNotBuildable(
                f"{pinned.version} has no PEP 440 form: see the SDK versions in the docs",
                details={"module": module, "version": pinned.version},
            )
        prefix = release_prefix("python", pinned)
        package = await self._store.find(prefix)
        if package is None:
            package = await self._publish(pinned, python_version, prefix, scope)
        return PythonFile(pinned.module, pinned.version, python_version, package)

    def stream(self, found: PythonFile) -> AsyncIterator[bytes]:
        return self._store.stream(found.package)

    async def _publish(
        self, version: ModuleVersion, python_version: str, prefix: str, scope: ReadScope
    ) -> StoredPackage:
        generated, _ = await generated_files(
            self._compile, version.module, version.version, "python", scope=scope
        )
        sources = python_sources(generated)
        if not sources:
            raise SdkNotBuildable(f"{version.module}@{version.version} generated no Python")
        requires = runtime_requirements(sources)
        for dep in sorted(version.dependencies, key=lambda d: d.module):
            pinned = pep440(dep.version)
            if pinned is None:
                raise SdkNotBuildable(
                    f"dependency {dep.module}@{dep.version} has no PEP 440 form",
                    details={"module": dep.module, "version": dep.version},
                )
            requires.append(f"{project_name(dep.module)}=={pinned}")
        module = await self._metadata.get_module(version.module)
        wheel = await asyncio.to_thread(
            functools.partial(
                build_wheel,
                project=version.module,
                version=python_version,
                summary=module.description or f"Generated code of {version.module}",
                sources=sources,
                requires=requires,
                created=version.created_at,
            )
        )
        log.info("publishing a wheel", module=version.module, version=version.version)
        return await self._store.publish(prefix, wheel.filename, wheel.data)

    async def _modules(self, prefix: str) -> AsyncIterator[str]:
        after: str | None = None
        while True:
            page = await self._metadata.list_modules(prefix=prefix, after=after, limit=_PAGE)
            for module in page:
                yield module.name
            if len(page) < _PAGE:
                return
            after = page[-1].name

"""Generated SDKs through package managers: the stored compile artifacts of a version
served as a Python wheel (a PEP 503/691 index), an npm package and a Go module.

The rule every ecosystem keeps: **bytes under a published SDK version never change**.
A package is built once, from the version's compile artifact, the first time anyone asks
for it; it is stored in the blob store (under ``sdk/``) and that stored object is what is
served from then on, whatever changes later in the toolchain (protoc, a plugin) or in how
Spoke builds packages. Lockfiles and checksum databases (pip's hashes, npm's integrity,
go.sum) can rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from spoke.services.compile import CompileService
from spoke.services.dependencies import DependencyResolver
from spoke.services.sdk.go import GoModules
from spoke.services.sdk.npm import NpmPackages
from spoke.services.sdk.python import PythonPackages
from spoke.services.sdk.store import PackageStore
from spoke.services.versions import VersionReader
from spoke.storage.blobs import BlobStore
from spoke.storage.metadata import MetadataStore


@dataclass(frozen=True)
class SdkPackages:
    """The package managers' views of the registry, one per ecosystem."""

    python: PythonPackages
    npm: NpmPackages
    go: GoModules

    @classmethod
    def build(
        cls,
        metadata: MetadataStore,
        blobs: BlobStore,
        reader: VersionReader,
        dependencies: DependencyResolver,
        compile: CompileService,
        *,
        npm_scope: str,
        go_prefix: str | None,
    ) -> SdkPackages:
        store = PackageStore(blobs)
        common = (metadata, reader, dependencies, compile, store)
        return cls(
            python=PythonPackages(*common),
            npm=NpmPackages(*common, scope=npm_scope),
            go=GoModules(*common, prefix=go_prefix),
        )

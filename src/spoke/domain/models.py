"""Registry records, as the services and storage ports exchange them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Module:
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
    public: bool = True


@dataclass(frozen=True)
class FileEntry:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Dependency:
    module: str
    version: str


@dataclass(frozen=True)
class Source:
    repository: str | None = None
    commit: str | None = None
    branch: str | None = None


@dataclass(frozen=True)
class VersionSummary:
    module: str
    version: str
    digest: str
    created_at: datetime
    file_count: int


@dataclass(frozen=True)
class ModuleVersion:
    """A pushed version: immutable once stored."""

    module: str
    version: str
    digest: str
    created_at: datetime
    files: tuple[FileEntry, ...]
    dependencies: tuple[Dependency, ...] = ()
    source: Source = field(default_factory=Source)

    def file(self, path: str) -> FileEntry | None:
        for entry in self.files:
            if entry.path == path:
                return entry
        return None


@dataclass(frozen=True)
class NewVersion:
    """What a push asks the metadata store to record, in one transaction."""

    module: str
    version: str
    sort_key: bytes
    prerelease: bool
    digest: str
    files: tuple[FileEntry, ...]
    dependencies: tuple[Dependency, ...]
    source: Source
    module_description: str = ""

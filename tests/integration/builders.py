"""Builders for the records the metadata contract tests store."""

from __future__ import annotations

import hashlib

from spoke.domain.models import Dependency, FileEntry, NewVersion, Source
from spoke.domain.versions import Version


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_version(
    module: str,
    version: str,
    *,
    files: tuple[FileEntry, ...] | None = None,
    dependencies: tuple[Dependency, ...] = (),
    source: Source | None = None,
    digest: str | None = None,
    description: str = "",
) -> NewVersion:
    """A ``NewVersion`` whose sort key and prerelease flag come from the domain parser."""
    parsed = Version.parse(version)
    return NewVersion(
        module=module,
        version=version,
        sort_key=parsed.sort_key,
        prerelease=parsed.is_prerelease,
        digest=digest or "sha256:" + sha(f"{module}@{version}"),
        files=files if files is not None else (FileEntry("a.proto", sha("a"), 1),),
        dependencies=dependencies,
        source=source or Source(),
        module_description=description,
    )

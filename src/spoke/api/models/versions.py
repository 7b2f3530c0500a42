"""Bodies of ``/modules/{name}/versions`` (``routers/versions.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from spoke.api.models.common import DependencyIO, FileIn
from spoke.domain import models


class SourceIO(BaseModel):
    repository: str | None = Field(default=None, max_length=2048)
    commit: str | None = Field(default=None, max_length=256)
    branch: str | None = Field(default=None, max_length=1024)


class LockedPinIO(BaseModel):
    module: str
    version: str = Field(examples=["v1.0.0"])
    digest: str = Field(examples=["sha256:" + "0" * 64])


class LockIn(BaseModel):
    version: Literal[1] = Field(description="The lock format.")
    dependencies: list[LockedPinIO] = Field(
        description="Every version of the closure, with its digest (spoke.lock's pins)."
    )


class PushIn(BaseModel):
    version: str = Field(examples=["v1.0.0"])
    files: list[FileIn]
    dependencies: list[DependencyIO] = []
    source: SourceIO | None = None
    description: str = Field(default="", description="Used only if the push creates the module.")
    lock: LockIn | None = Field(
        default=None,
        description="A spoke.lock: the resolved closure must be exactly these pins (422 "
        "`lock_mismatch` listing the differences otherwise).",
    )


class FileOut(BaseModel):
    path: str
    sha256: str
    size: int


class VersionOut(BaseModel):
    module: str
    version: str
    digest: str = Field(description="sha256 over the sorted `<sha256>  <path>` manifest.")
    created_at: datetime
    files: list[FileOut]
    dependencies: list[DependencyIO]
    source: SourceIO

    @classmethod
    def of(cls, v: models.ModuleVersion) -> VersionOut:
        return cls(
            module=v.module,
            version=v.version,
            digest=v.digest,
            created_at=v.created_at,
            files=[FileOut(path=f.path, sha256=f.sha256, size=f.size) for f in v.files],
            dependencies=[DependencyIO(module=d.module, version=d.version) for d in v.dependencies],
            source=SourceIO(
                repository=v.source.repository, commit=v.source.commit, branch=v.source.branch
            ),
        )


class PushOut(VersionOut):
    """A pushed version, and what the module's policy found (when it checks anything)."""

    policy: dict[str, Any] | None = Field(
        default=None,
        description="`against`, `breaking` and `lint` findings (buf's JSON), and which of "
        "them are enforced; reported findings do not refuse the push.",
    )


class VersionSummaryOut(BaseModel):
    module: str
    version: str
    digest: str
    created_at: datetime
    file_count: int

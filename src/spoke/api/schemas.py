"""Request and response bodies, as the OpenAPI document shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from spoke.compile import LanguageInfo
from spoke.domain import graph, models
from spoke.storage.queue import CompileJob

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_page_token: str | None = Field(
        default=None, description="Pass as `page_token` to get the next page; null on the last."
    )


class ModuleCreate(BaseModel):
    name: str = Field(examples=["acme.payments"])
    description: str = ""
    public: bool = Field(default=True, description="Private modules need a read grant.")


class ModuleUpdate(BaseModel):
    description: str | None = None
    public: bool | None = None


class ModuleOut(BaseModel):
    name: str
    description: str
    public: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, module: models.Module) -> ModuleOut:
        return cls(
            name=module.name,
            description=module.description,
            public=module.public,
            created_at=module.created_at,
            updated_at=module.updated_at,
        )


class FileIn(BaseModel):
    path: str = Field(examples=["acme/payments/v1/payments.proto"])
    content: str = Field(description="The file's text (UTF-8).")


class DependencyIO(BaseModel):
    module: str
    version: str = Field(examples=["v1.0.0"])


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


class ResolvedDependencyOut(BaseModel):
    module: str
    version: str
    digest: str
    depth: int = Field(description="1 for a direct dependency, 2 for one of its, and so on.")
    path: list[str] = Field(
        description="A shortest chain of `module@version` from the version asked about to "
        "this one, both included."
    )
    required_by: list[str] = Field(
        description="Every version in the graph (the one asked about included) pinning this."
    )

    @classmethod
    def of(cls, r: graph.ResolvedDependency) -> ResolvedDependencyOut:
        return cls(
            module=r.module,
            version=r.version,
            digest=r.digest,
            depth=r.depth,
            path=list(r.path),
            required_by=list(r.required_by),
        )


class DependentOut(BaseModel):
    module: str
    version: str
    digest: str
    created_at: datetime

    @classmethod
    def of(cls, d: graph.Dependent) -> DependentOut:
        return cls(module=d.module, version=d.version, digest=d.digest, created_at=d.created_at)


class LanguageOut(BaseModel):
    id: str
    title: str
    available: bool
    grpc_available: bool
    tools: dict[str, str] = Field(description="Tool name → version, for installed tools.")
    missing: list[str] = Field(description="Tools to install to make the language available.")

    @classmethod
    def of(cls, info: LanguageInfo) -> LanguageOut:
        return cls(
            id=info.id,
            title=info.title,
            available=info.available,
            grpc_available=info.grpc_available,
            tools=dict(info.tools),
            missing=list(info.missing),
        )


class ArtifactOut(BaseModel):
    digest: str
    size: int
    download_url: str


class CompileJobOut(BaseModel):
    module: str
    version: str
    language: str
    grpc: bool
    status: str = Field(examples=["succeeded"], description="pending, running, succeeded, failed")
    attempts: int
    duration_ms: int | None
    error: str | None = Field(description="protoc's errors when the job failed.")
    artifact: ArtifactOut | None
    updated_at: datetime

    @classmethod
    def of(cls, job: CompileJob, download_url: str) -> CompileJobOut:
        artifact = None
        if job.artifact is not None:
            artifact = ArtifactOut(
                digest=job.artifact.digest, size=job.artifact.size, download_url=download_url
            )
        return cls(
            module=job.module,
            version=job.version,
            language=job.language,
            grpc=job.grpc,
            status=job.status.value,
            attempts=job.attempts,
            duration_ms=job.duration_ms,
            error=job.error,
            artifact=artifact,
            updated_at=job.updated_at,
        )


class ErrorDetail(BaseModel):
    code: str = Field(examples=["version_conflict"])
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer (any route may also be
    refused with 429 by the rate limits and 431 for oversized headers)."""
    return {status: {"model": ErrorOut} for status in (*statuses, 429, 431)}

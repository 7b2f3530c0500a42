"""Bodies of the languages, compile jobs and downloads (``routers/compile.py``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from spoke.compile import LanguageInfo
from spoke.storage.queue import CompileJob


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

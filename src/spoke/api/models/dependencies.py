"""Bodies of ``…/dependencies`` and ``…/dependents`` (``routers/dependencies.py``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from spoke.domain import graph


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

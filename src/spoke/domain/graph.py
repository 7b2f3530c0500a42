"""The dependency graph: what a version pins, transitively, and which versions pin it.

A version's closure holds at most one version of each module, and never a version of
the module itself: ``A@v2 -> B@v1 -> A@v1`` is a cycle between modules even though no
version depends on itself, and it is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from spoke.domain.errors import DependencyError
from spoke.domain.models import ModuleVersion


def label(module: str, version: str) -> str:
    """``module@version``, as paths and ``required_by`` name a version."""
    return f"{module}@{version}"


@dataclass(frozen=True)
class ResolvedDependency:
    """One version in a closure, with where it sits in the graph."""

    pinned: ModuleVersion
    path: tuple[str, ...]
    """A shortest chain of ``module@version`` from the root to this version, both included."""
    required_by: tuple[str, ...]
    """Every version of the graph (the root included) that pins this one, sorted."""

    @property
    def module(self) -> str:
        return self.pinned.module

    @property
    def version(self) -> str:
        return self.pinned.version

    @property
    def digest(self) -> str:
        return self.pinned.digest

    @property
    def depth(self) -> int:
        """1 for a direct dependency of the root, 2 for one of those's, and so on."""
        return len(self.path) - 1


@dataclass(frozen=True)
class Dependent:
    """A (not deleted) version that pins a given version."""

    module: str
    version: str
    digest: str
    created_at: datetime
    public: bool


class DependencyCycle(DependencyError):
    """A version's dependencies lead back to its own module (``details.cycle`` is the
    path; the code stays ``dependency_error``, as for a direct self-dependency)."""

    def __init__(self, path: Sequence[str]) -> None:
        super().__init__(
            f"dependency cycle: {' -> '.join(path)}; a module may not depend on itself, "
            "directly or through other modules",
            details={"cycle": list(path)},
        )

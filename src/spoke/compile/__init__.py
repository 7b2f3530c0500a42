"""protoc: validation of pushed trees and code generation.

``Generator`` is the port the compile service uses; ``generator.ProtocGenerator`` adapts
the language registry and protoc to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class LanguageInfo:
    id: str
    title: str
    available: bool
    grpc_available: bool
    tools: Mapping[str, str]
    missing: Sequence[str]


class Generator(Protocol):
    """The languages this instance can generate (``compile/languages.py`` adapts protoc)."""

    def languages(self) -> list[LanguageInfo]: ...

    def check(self, language: str, grpc: bool) -> None:
        """Raise if ``language`` is unknown, not installed, or has no gRPC variant."""
        ...

    def fingerprint(self, language: str, grpc: bool) -> str: ...

    def defaults(self) -> list[tuple[str, bool]]:
        """What the worker compiles every new version to: (language, gRPC) pairs."""
        ...

    async def generate(
        self,
        language: str,
        *,
        grpc: bool,
        roots: Sequence[Mapping[str, bytes]],
        targets: Sequence[str],
        imports: Mapping[str, str] | None = None,
    ) -> dict[str, bytes]:
        """Generated files by path. ``imports`` (Go) gives files their import paths,
        over their ``go_package`` (the SDK's module paths)."""
        ...

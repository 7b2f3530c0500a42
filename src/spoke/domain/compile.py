"""Naming and identity of compiled artifacts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable


def artifact_key(module: str, version: str, language: str, digest_hex: str) -> str:
    """``modules/{module}/{version}/compiled/{language}/{digest}.zip``."""
    return f"modules/{module}/{version}/compiled/{language}/{digest_hex}.zip"


def compile_cache_key(
    *, digest: str, dependency_digests: Iterable[str], language: str, grpc: bool, toolchain: str
) -> str:
    """Everything that decides a compile's output: the tree's digest, the digests of every
    dependency (transitively), the language and its options, and the tool versions.
    Equal keys mean equal output, whichever version or instance asks."""
    material = {
        "schema": 1,
        "digest": digest,
        "dependencies": sorted(dependency_digests),
        "language": language,
        "grpc": grpc,
        "toolchain": toolchain,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

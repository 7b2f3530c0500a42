"""Where objects live in the blob store."""

from __future__ import annotations

from spoke.domain.paths import PROTO_SUFFIX


def file_key(module: str, version: str, sha256: str, path: str) -> str:
    """``modules/{module}/{version}/files/{sha256}.proto`` (``.md`` for the README)."""
    suffix = PROTO_SUFFIX if path.endswith(PROTO_SUFFIX) else ".md"
    return f"modules/{module}/{version}/files/{sha256}{suffix}"

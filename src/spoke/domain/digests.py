"""Content digests: sha256 of file bytes, and of a version's sorted file manifest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_digest(entries: Iterable[tuple[str, str]]) -> str:
    """Digest of a version's tree from ``(path, sha256)`` pairs, independent of their order.

    The manifest is one ``"<sha256>  <path>\\n"`` line per file (the ``sha256sum`` format),
    sorted by path as UTF-8 bytes, so the digest can be recomputed with standard tools.
    """
    lines = sorted((path.encode("utf-8"), f"{sha}  ".encode("ascii")) for path, sha in entries)
    manifest = b"".join(sha + path + b"\n" for path, sha in lines)
    return "sha256:" + hashlib.sha256(manifest).hexdigest()

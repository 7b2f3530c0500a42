"""File paths inside a module version.

A path is relative, ``/``-separated, valid UTF-8 without control characters, has no empty,
``.`` or ``..`` segments, and names a ``.proto`` file (or ``README.md`` at the root, for docs).
These rules keep every path safe to join under a directory and to put in an archive.
"""

from __future__ import annotations

import unicodedata

from spoke.domain.errors import InvalidArgument

MAX_PATH_BYTES = 1024
README = "README.md"
PROTO_SUFFIX = ".proto"


def _reject(path: str, reason: str) -> InvalidArgument:
    shown = path.encode("utf-8", "backslashreplace").decode("utf-8")
    return InvalidArgument(f"invalid file path {shown!r}: {reason}", details={"path": shown})


def validate_path(path: str) -> str:
    """Return ``path`` if it is a valid file path in a version, else raise ``InvalidArgument``."""
    if not path:
        raise _reject(path, "it is empty")
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError:
        raise _reject(path, "it is not valid UTF-8") from None
    if len(encoded) > MAX_PATH_BYTES:
        raise _reject(path[:64] + "…", f"it is longer than {MAX_PATH_BYTES} bytes")
    if "\x00" in path:
        raise _reject(path, "it contains a NUL character")
    if any(unicodedata.category(ch) == "Cc" for ch in path):
        raise _reject(path, "it contains a control character")
    if "\\" in path:
        raise _reject(path, "use '/' to separate directories, not '\\'")
    if path.startswith("/"):
        raise _reject(path, "it must be relative, not absolute")
    segments = path.split("/")
    if any(seg in ("", ".", "..") for seg in segments):
        raise _reject(path, "it must not contain empty, '.' or '..' segments")
    if path != README and not path.endswith(PROTO_SUFFIX):
        raise _reject(path, f"only {PROTO_SUFFIX} files (and a root {README}) may be pushed")
    if path.endswith(PROTO_SUFFIX) and segments[-1] == PROTO_SUFFIX:
        raise _reject(path, "the file name is empty")
    return path


def is_proto(path: str) -> bool:
    return path.endswith(PROTO_SUFFIX)

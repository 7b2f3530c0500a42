"""Trees of files a request sends (a push, a lint, a breaking check): one check, one set
of limits, whichever route they come by."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spoke.domain.errors import InvalidArgument, TooLarge
from spoke.domain.paths import is_proto, validate_tree


@dataclass(frozen=True)
class FileLimits:
    """``SPOKE_MAX_FILES`` and ``SPOKE_MAX_FILE_SIZE`` (bytes, UTF-8 encoded)."""

    max_file_size: int
    max_files: int


def read_tree(files: Sequence[tuple[str, str]], limits: FileLimits) -> dict[str, bytes]:
    """``(path, text)`` pairs as a tree of UTF-8 files by path, with a ``.proto`` at least.

    Raises ``TooLarge`` for more files than ``limits.max_files`` or one larger than
    ``limits.max_file_size``, and ``InvalidArgument`` for a tree ``validate_tree``
    refuses, text that is not UTF-8, or no ``.proto`` file.
    """
    if len(files) > limits.max_files:
        raise TooLarge(
            f"{len(files)} files sent; the limit is {limits.max_files}",
            details={"files": len(files), "limit": limits.max_files},
        )
    validate_tree(path for path, _ in files)
    contents: dict[str, bytes] = {}
    for path, text in files:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidArgument(
                f"file {path!r} is not valid UTF-8", details={"path": path}
            ) from None
        if len(data) > limits.max_file_size:
            raise TooLarge(
                f"file {path!r} is {len(data)} bytes; the limit is {limits.max_file_size} bytes",
                details={"path": path, "size": len(data), "limit": limits.max_file_size},
            )
        contents[path] = data
    if not any(is_proto(path) for path in contents):
        raise InvalidArgument("send at least one .proto file")
    return contents

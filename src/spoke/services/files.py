"""Trees of files: those a request sends (a push, a lint, a breaking check: one check, one
set of limits, whichever route they come by), and those a stored version holds, read
back from the blob store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spoke.domain.errors import InvalidArgument, TooLarge
from spoke.domain.layout import file_key
from spoke.domain.models import FileEntry, ModuleVersion
from spoke.domain.paths import is_proto, validate_tree
from spoke.services.concurrency import map_limited
from spoke.storage.blobs import BlobStore


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


def blob_key(version: ModuleVersion, entry: FileEntry) -> str:
    """Where ``entry`` of ``version`` is stored."""
    return file_key(version.module, version.version, entry.sha256, entry.path)


async def read_files(
    blobs: BlobStore, version: ModuleVersion, entries: Iterable[FileEntry] | None = None
) -> dict[str, bytes]:
    """The bytes of ``entries`` (by default every file of ``version``) by path, in their
    order, read concurrently."""
    wanted = list(version.files if entries is None else entries)

    async def read(entry: FileEntry) -> bytes:
        return await blobs.get(blob_key(version, entry))

    return dict(zip((e.path for e in wanted), await map_limited(read, wanted), strict=True))


async def read_protos(blobs: BlobStore, version: ModuleVersion) -> dict[str, bytes]:
    """The ``.proto`` files of ``version`` by path: what protoc compiles of it."""
    return await read_files(blobs, version, (e for e in version.files if is_proto(e.path)))

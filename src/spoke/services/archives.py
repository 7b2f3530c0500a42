"""Deterministic archives of a version's tree: the same version always gives the same bytes."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum


class ArchiveFormat(StrEnum):
    TAR_GZ = "tar.gz"
    ZIP = "zip"

    @property
    def media_type(self) -> str:
        return "application/gzip" if self is ArchiveFormat.TAR_GZ else "application/zip"


def build_archive(files: Sequence[tuple[str, bytes]], fmt: ArchiveFormat, mtime: datetime) -> bytes:
    """An archive of ``(path, bytes)`` pairs, sorted by path, every entry stamped ``mtime``."""
    ordered = sorted(files)
    return _tar_gz(ordered, mtime) if fmt is ArchiveFormat.TAR_GZ else _zip(ordered, mtime)


def _tar_gz(files: Sequence[tuple[str, bytes]], mtime: datetime) -> bytes:
    stamp = max(int(mtime.timestamp()), 0)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, data in files:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = stamp
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=6, mtime=stamp)


def _zip(files: Sequence[tuple[str, bytes]], mtime: datetime) -> bytes:
    # ZIP stores local wall-clock fields, 1980 to 2107: use UTC, clamped to that range.
    fields = mtime.astimezone(UTC).timetuple()[:6]
    stamp = min(max(fields, (1980, 1, 1, 0, 0, 0)), (2107, 12, 31, 23, 59, 58))
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return raw.getvalue()


async def stream_tar_gz(
    files: Sequence[tuple[str, int]],
    chunks_of: Callable[[str], AsyncIterator[bytes]],
    mtime: datetime,
) -> AsyncIterator[bytes]:
    """A ``.tar.gz`` of ``(path, size)`` entries, sorted by path, produced while the bytes
    arrive from ``chunks_of(path)``: one file's chunk in memory at a time, never the tree.
    """
    stamp = max(int(mtime.timestamp()), 0)
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip framing, header mtime 0
    for path, size in sorted(files):
        info = tarfile.TarInfo(path)
        info.size, info.mtime, info.mode = size, stamp, 0o644
        yield compressor.compress(info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8"))
        written = 0
        async for chunk in chunks_of(path):
            written += len(chunk)
            if out := compressor.compress(chunk):
                yield out
        if written != size:
            raise ValueError(f"{path}: {written} bytes read, {size} expected")
        yield compressor.compress(b"\0" * (-size % tarfile.BLOCKSIZE))
    yield compressor.compress(b"\0" * (2 * tarfile.BLOCKSIZE))  # end-of-archive marker
    yield compressor.flush()


def zip_to_tar_gz(data: bytes, mtime: datetime) -> bytes:
    """The same entries as a ``.tar.gz`` (for clients that prefer tar)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = [(info.filename, archive.read(info)) for info in archive.infolist()]
    return build_archive(files, ArchiveFormat.TAR_GZ, mtime)

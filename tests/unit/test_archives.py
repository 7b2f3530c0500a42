from __future__ import annotations

import gzip
import io
import random
import tarfile
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spoke.services.archives import ArchiveFormat, build_archive, stream_tar_gz

MTIME = datetime(2024, 5, 17, 12, 34, 56, tzinfo=UTC)
FILES = [
    ("z/last.proto", b'syntax = "proto3";\nmessage Z {}\n'),
    ("README.md", b"# docs\n"),
    ("a/b/c.proto", b'syntax = "proto3";\npackage a.b;\n'),
    ("a/a.proto", b""),
    ("ünï/ç.proto", b"\x00\x01binary\xff"),
]
EXPECTED_ORDER = sorted(path for path, _ in FILES)


def _tar_entries(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.getmembers()


def _tar_contents(data: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            extracted = tar.extractfile(member)
            assert extracted is not None
            out[member.name] = extracted.read()
    return out


def _zip_contents(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_media_types() -> None:
    assert ArchiveFormat.TAR_GZ.media_type == "application/gzip"
    assert ArchiveFormat.ZIP.media_type == "application/zip"
    assert ArchiveFormat("tar.gz") is ArchiveFormat.TAR_GZ
    assert ArchiveFormat("zip") is ArchiveFormat.ZIP


def test_tar_gz_round_trips_contents() -> None:
    data = build_archive(FILES, ArchiveFormat.TAR_GZ, MTIME)
    assert data[:2] == b"\x1f\x8b"
    assert _tar_contents(data) == dict(FILES)


def test_zip_round_trips_contents() -> None:
    data = build_archive(FILES, ArchiveFormat.ZIP, MTIME)
    assert data[:4] == b"PK\x03\x04"
    assert _zip_contents(data) == dict(FILES)


def test_tar_gz_entries_are_sorted_regular_files() -> None:
    members = _tar_entries(build_archive(FILES, ArchiveFormat.TAR_GZ, MTIME))
    assert [m.name for m in members] == EXPECTED_ORDER
    for member in members:
        assert member.isfile()
        assert member.mode == 0o644


def test_zip_entries_are_sorted() -> None:
    data = build_archive(FILES, ArchiveFormat.ZIP, MTIME)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == EXPECTED_ORDER
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.external_attr >> 16 == 0o644


def test_tar_gz_entries_and_gzip_header_carry_mtime() -> None:
    data = build_archive(FILES, ArchiveFormat.TAR_GZ, MTIME)
    stamp = int(MTIME.timestamp())
    assert {m.mtime for m in _tar_entries(data)} == {stamp}
    # gzip header bytes 4..8: MTIME, little-endian.
    assert int.from_bytes(data[4:8], "little") == stamp
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
        gz.read()
        assert gz.mtime == stamp


def test_zip_entries_carry_mtime() -> None:
    data = build_archive(FILES, ArchiveFormat.ZIP, MTIME)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        # ZIP times have a two-second resolution.
        assert {i.date_time for i in archive.infolist()} == {(2024, 5, 17, 12, 34, 56)}


@pytest.mark.parametrize("fmt", list(ArchiveFormat))
def test_builds_are_deterministic(fmt: ArchiveFormat) -> None:
    first = build_archive(FILES, fmt, MTIME)
    second = build_archive(list(FILES), fmt, MTIME)
    assert first == second


@pytest.mark.parametrize("fmt", list(ArchiveFormat))
@pytest.mark.parametrize("seed", range(5))
def test_input_order_does_not_matter(fmt: ArchiveFormat, seed: int) -> None:
    shuffled = list(FILES)
    random.Random(seed).shuffle(shuffled)
    assert build_archive(shuffled, fmt, MTIME) == build_archive(FILES, fmt, MTIME)


@pytest.mark.parametrize("fmt", list(ArchiveFormat))
def test_different_mtime_gives_different_bytes(fmt: ArchiveFormat) -> None:
    later = datetime(2025, 1, 1, tzinfo=UTC)
    assert build_archive(FILES, fmt, MTIME) != build_archive(FILES, fmt, later)


@pytest.mark.parametrize("fmt", list(ArchiveFormat))
def test_different_content_gives_different_bytes(fmt: ArchiveFormat) -> None:
    changed = [(p, d + b"//") if p == "a/a.proto" else (p, d) for p, d in FILES]
    assert build_archive(FILES, fmt, MTIME) != build_archive(changed, fmt, MTIME)


def test_zip_before_1980_is_clamped() -> None:
    early = datetime(1975, 6, 1, 8, 0, 0, tzinfo=UTC)
    data = build_archive(FILES, ArchiveFormat.ZIP, early)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert _zip_contents(data) == dict(FILES)
    assert data == build_archive(FILES, ArchiveFormat.ZIP, datetime(1971, 1, 1, tzinfo=UTC))


def test_tar_gz_before_1980_keeps_the_timestamp() -> None:
    early = datetime(1975, 6, 1, 8, 0, 0, tzinfo=UTC)
    data = build_archive(FILES, ArchiveFormat.TAR_GZ, early)
    assert {m.mtime for m in _tar_entries(data)} == {int(early.timestamp())}


def test_zip_after_2107_is_clamped_and_zones_do_not_matter() -> None:
    late = datetime(2200, 1, 1, tzinfo=UTC)
    with zipfile.ZipFile(io.BytesIO(build_archive(FILES, ArchiveFormat.ZIP, late))) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2107, 12, 31, 23, 59, 58)}
    shifted = MTIME.astimezone(timezone(timedelta(hours=-7)))
    for fmt in ArchiveFormat:
        assert build_archive(FILES, fmt, shifted) == build_archive(FILES, fmt, MTIME)


def test_tar_gz_before_1970_does_not_crash() -> None:
    data = build_archive(FILES, ArchiveFormat.TAR_GZ, datetime(1960, 1, 1, tzinfo=UTC))
    assert {m.mtime for m in _tar_entries(data)} == {0}


@pytest.mark.parametrize("fmt", list(ArchiveFormat))
def test_empty_archive_is_valid(fmt: ArchiveFormat) -> None:
    data = build_archive([], fmt, MTIME)
    if fmt is ArchiveFormat.TAR_GZ:
        assert _tar_contents(data) == {}
    else:
        assert _zip_contents(data) == {}


async def _collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


async def test_streamed_tar_gz_holds_every_file_in_order() -> None:
    contents = dict(FILES)

    async def chunks_of(path: str) -> AsyncIterator[bytes]:
        data = contents[path]
        for start in range(0, len(data), 3):  # small chunks, as a store may send
            yield data[start : start + 3]

    sizes = [(path, len(data)) for path, data in reversed(FILES)]
    data = await _collect(stream_tar_gz(sizes, chunks_of, MTIME))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == sorted(contents)
        assert {m.name: tar.extractfile(m).read() for m in members} == contents  # type: ignore[union-attr]
        assert {m.mtime for m in members} == {int(MTIME.timestamp())}
    assert data == await _collect(stream_tar_gz(sizes, chunks_of, MTIME))


async def test_streamed_tar_gz_refuses_a_short_file() -> None:
    async def short(path: str) -> AsyncIterator[bytes]:
        yield b"x"

    with pytest.raises(ValueError, match="expected"):
        await _collect(stream_tar_gz([("a.proto", 5)], short, MTIME))

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from spoke.domain.models import Dependency, FileEntry, ModuleVersion, Source
from spoke.services.versions import decode_version, encode_version

FULL = ModuleVersion(
    module="acme.payments",
    version="v1.2.3-rc.1+b.7",
    digest="sha256:" + "ab" * 32,
    created_at=datetime(2024, 5, 17, 12, 34, 56, 789012, tzinfo=UTC),
    files=(
        FileEntry(path="README.md", sha256="00" * 32, size=7),
        FileEntry(path="acme/v1/pay.proto", sha256="11" * 32, size=1234),
        FileEntry(path="ünï/ç.proto", sha256="22" * 32, size=0),
    ),
    dependencies=(
        Dependency(module="googleapis", version="v1.0.0"),
        Dependency(module="acme.common", version="v0.1.0+x"),
    ),
    source=Source(repository="https://github.com/acme/protos", commit="deadbeef", branch="main"),
)


@pytest.mark.parametrize(
    "version",
    [
        FULL,
        ModuleVersion(
            module="m",
            version="v0.0.1",
            digest="sha256:" + "00" * 32,
            created_at=datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
            files=(),
        ),
        ModuleVersion(
            module="m",
            version="v0.0.2",
            digest="sha256:" + "01" * 32,
            created_at=datetime(2021, 2, 3, 4, 5, 6, tzinfo=UTC),
            files=(FileEntry("a.proto", "33" * 32, 1),),
            source=Source(commit="abc"),
        ),
    ],
    ids=["full", "minimal-offset-tz", "partial-source"],
)
def test_round_trip(version: ModuleVersion) -> None:
    encoded = encode_version(version)
    assert isinstance(encoded, bytes)
    decoded = decode_version(encoded)
    assert decoded == version
    assert decoded.created_at.utcoffset() == version.created_at.utcoffset()
    assert isinstance(decoded.files, tuple)
    assert isinstance(decoded.dependencies, tuple)
    assert decoded.file("acme/v1/pay.proto") == version.file("acme/v1/pay.proto")


def test_encoding_is_stable() -> None:
    assert encode_version(FULL) == encode_version(decode_version(encode_version(FULL)))

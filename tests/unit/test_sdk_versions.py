"""Spoke versions in PEP 440 (pip's version scheme)."""

from __future__ import annotations

import pytest
from packaging.version import Version as Pep440Version

from spoke.domain.errors import InvalidArgument
from spoke.domain.versions import Version
from spoke.services.sdk.versions import pep440


@pytest.mark.parametrize(
    ("semver", "expected"),
    [
        ("v1.2.3", "1.2.3"),
        ("v0.0.0", "0.0.0"),
        ("v2.0.0-rc.1", "2.0.0rc1"),
        ("v2.0.0-rc", "2.0.0rc0"),
        ("v1.0.0-alpha", "1.0.0a0"),
        ("v1.0.0-alpha.3", "1.0.0a3"),
        ("v1.0.0-beta.2", "1.0.0b2"),
        ("v1.0.0-beta.12", "1.0.0b12"),
        ("v1.0.0+build.5", "1.0.0+build.5"),
        ("v1.0.0+Build-5", "1.0.0+build.5"),
        ("v1.0.0-rc.1+exp.sha.5114f85", "1.0.0rc1+exp.sha.5114f85"),
    ],
)
def test_semver_maps_to_pep440(semver: str, expected: str) -> None:
    assert pep440(semver) == expected
    assert str(Pep440Version(expected)) == expected  # already normalised


@pytest.mark.parametrize(
    "semver",
    [
        "v1.0.0-alpha.beta",
        "v1.0.0-rc.1.2",
        "v1.0.0-rc.0",  # would be -rc's 1.0.0rc0
        "v1.0.0-rc1",  # semver puts rc1 after rc.9
        "v1.0.0-RC.1",  # semver puts RC before alpha
        "v1.0.0-dev.1",  # semver puts dev after beta; PEP 440 before alpha
        "v1.0.0-pre.1",
        "v1.0.0-nightly",
        "v1.0.0-0.3.7",
        "v1.0.0-x-y",
    ],
)
def test_prereleases_pep440_cannot_express_are_left_out(semver: str) -> None:
    assert pep440(semver) is None


def test_invalid_versions_are_refused() -> None:
    with pytest.raises(InvalidArgument):
        pep440("1.2.3")


def test_the_mapping_keeps_semver_order() -> None:
    ordered = [
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc",
        "v1.0.0-rc.1",
        "v1.0.0-rc.2",
        "v1.0.0-rc.10",
        "v1.0.0",
        "v1.0.1",
        "v1.10.0",
        "v2.0.0-rc.1",
        "v2.0.0",
    ]
    assert sorted(ordered, key=Version.parse) == ordered  # semver's own order
    mapped = [Pep440Version(text) for text in map(pep440, ordered) if text is not None]
    assert len(mapped) == len(ordered)
    assert mapped == sorted(mapped)
    assert len(set(mapped)) == len(mapped)

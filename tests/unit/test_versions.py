from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spoke.domain.errors import InvalidArgument
from spoke.domain.versions import (
    LATEST,
    MAX_VERSION_LENGTH,
    Version,
    validate_version,
    validate_version_ref,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1.2.3", Version(1, 2, 3)),
        ("v0.0.0", Version(0, 0, 0)),
        ("v2.0.0-rc.1", Version(2, 0, 0, ("rc", "1"))),
        ("v1.0.0+build.5", Version(1, 0, 0, (), ("build", "5"))),
        ("v1.0.0-alpha+001", Version(1, 0, 0, ("alpha",), ("001",))),
        ("v1.0.0-0.3.7", Version(1, 0, 0, ("0", "3", "7"))),
        ("v1.0.0-x-y.01a", Version(1, 0, 0, ("x-y", "01a"))),
        ("v10.20.30", Version(10, 20, 30)),
    ],
)
def test_parse(text: str, expected: Version) -> None:
    parsed = Version.parse(text)
    assert parsed == expected
    assert str(parsed) == text
    assert parsed.is_prerelease is bool(expected.prerelease)


REJECTED = (
    *("", "1.2.3", "V1.2.3", "v1.2", "v1", "v1.2.3.4", "v-1.2.3", "latest", " v1.2.3", "v1.2.3\n"),
    *("v01.2.3", "v1.02.3", "v1.2.03", "v1.2.3-01", "v1.2.3-rc.01"),
    *("v1.2.3-", "v1.2.3-rc.", "v1.2.3-rc..1", "v1.2.3+", "v1.2.3+b..1", "v1.2.3-rc_1"),
)


@pytest.mark.parametrize("text", REJECTED)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(InvalidArgument, match="leading 'v'"):
        Version.parse(text)


def test_parse_rejects_overlong_versions() -> None:
    text = "v1.0.0-" + "a" * (MAX_VERSION_LENGTH - len("v1.0.0-") + 1)
    assert len(text) == MAX_VERSION_LENGTH + 1
    with pytest.raises(InvalidArgument, match="limit is 128"):
        Version.parse(text)
    ok = text[:-1]
    assert str(Version.parse(ok)) == ok


@pytest.mark.parametrize("text", ["v1\u0661.0.0", "v1.0.0-1\u0661", "v1.2.3\u0663"])
def test_parse_rejects_non_ascii_digits(text: str) -> None:
    # Python's \d matches any Unicode digit; semver allows ASCII digits only.
    with pytest.raises(InvalidArgument):
        Version.parse(text)


SEMVER_CHAIN = [  # semver.org, section 11
    *("v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-alpha.beta", "v1.0.0-beta", "v1.0.0-beta.2"),
    *("v1.0.0-beta.11", "v1.0.0-rc.1", "v1.0.0"),
]


def test_semver_spec_precedence_chain() -> None:
    versions = [Version.parse(t) for t in SEMVER_CHAIN]
    for low, high in itertools.pairwise(versions):
        assert low.sort_key < high.sort_key
        assert low < high
    assert [str(v) for v in sorted(reversed(versions))] == SEMVER_CHAIN
    assert [str(v) for v in sorted(versions, key=lambda v: v.sort_key)] == SEMVER_CHAIN


@pytest.mark.parametrize(
    "chain",
    [
        ["v9.0.0", "v10.0.0", "v100.0.0"],
        ["v1.9.0", "v1.10.0", "v1.100.0"],
        ["v1.0.9", "v1.0.10", "v1.0.100"],
        ["v1.0.0-9", "v1.0.0-10", "v1.0.0-100"],
        ["v1.0.0-rc.9", "v1.0.0-rc.10", "v1.0.0-rc.100"],
        ["v1.0.0-999", "v1.0.0-a"],
        ["v1.99.99", "v2.0.0-0", "v2.0.0"],
    ],
)
def test_numeric_ordering(chain: list[str]) -> None:
    keys = [Version.parse(t).sort_key for t in chain]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_build_metadata_breaks_ties_but_not_precedence() -> None:
    plain, built = Version.parse("v1.0.0"), Version.parse("v1.0.0+b.1")
    assert plain.sort_key != built.sort_key
    assert plain.sort_key < Version.parse("v1.0.1-0").sort_key
    assert built.sort_key < Version.parse("v1.0.1-0").sort_key
    assert Version.parse("v1.0.0-rc.1+zzz").sort_key < plain.sort_key


def test_validate_version_and_ref() -> None:
    assert validate_version("v1.2.3+b") == "v1.2.3+b"
    assert validate_version_ref("v1.2.3") == "v1.2.3"
    assert validate_version_ref(LATEST) == "latest"
    with pytest.raises(InvalidArgument):
        validate_version("latest")
    with pytest.raises(InvalidArgument):
        validate_version_ref("Latest")
    with pytest.raises(InvalidArgument):
        validate_version_ref("1.2.3")


# --- property test against an independent reference implementation of semver 2.0.0 ---

_ALNUM_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"
_numbers = st.one_of(st.integers(0, 12), st.integers(0, 10**20))
_numeric_ident = _numbers.map(str)
_alnum_ident = st.text(_ALNUM_CHARS, min_size=1, max_size=8).filter(lambda s: not s.isdigit())
_pre_ident = st.one_of(_numeric_ident, _alnum_ident, st.sampled_from(["a", "b", "rc", "-"]))
_build_ident = st.text(_ALNUM_CHARS, min_size=1, max_size=6)


@st.composite
def semvers(draw: st.DrawFn) -> str:
    text = f"v{draw(_numbers)}.{draw(_numbers)}.{draw(_numbers)}"
    pre = draw(st.lists(_pre_ident, max_size=4))
    build = draw(st.lists(st.sampled_from(["1", "b"]) | _build_ident, max_size=3))
    if pre:
        text += "-" + ".".join(pre)
    if build:
        text += "+" + ".".join(build)
    assume(len(text) <= MAX_VERSION_LENGTH)
    return text


def _cmp(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


def _reference_compare(a: str, b: str) -> int:
    """semver 2.0.0 section 11, on texts with a leading ``v``; build metadata ignored."""

    def split(text: str) -> tuple[list[int], list[str] | None]:
        core, _, pre = text[1:].partition("+")[0].partition("-")
        return [int(x) for x in core.split(".")], (pre.split(".") if pre else None)

    (core_a, pre_a), (core_b, pre_b) = split(a), split(b)
    if core_a != core_b:
        return _cmp(core_a, core_b)
    if pre_a is None or pre_b is None:
        return _cmp(pre_a is None, pre_b is None)
    for x, y in zip(pre_a, pre_b, strict=False):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return _cmp(int(x), int(y))
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return _cmp(x.encode("ascii"), y.encode("ascii"))
    return _cmp(len(pre_a), len(pre_b))


@given(semvers())
def test_parse_round_trips(text: str) -> None:
    version = Version.parse(text)
    assert str(version) == text
    assert Version.parse(str(version)) == version


@st.composite
def semver_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Independent pairs, or pairs of equal precedence that differ only in build metadata."""
    a = draw(semvers())
    if draw(st.booleans()):
        return a, draw(semvers())
    build = draw(st.lists(_build_ident, max_size=3))
    b = a.partition("+")[0] + ("+" + ".".join(build) if build else "")
    assume(len(b) <= MAX_VERSION_LENGTH)
    return a, b


@given(semver_pairs())
def test_sort_key_matches_reference_precedence(pair: tuple[str, str]) -> None:
    a, b = pair
    va, vb = Version.parse(a), Version.parse(b)
    expected = _reference_compare(a, b)
    assert _reference_compare(b, a) == -expected
    if expected != 0:
        assert _cmp(va.sort_key, vb.sort_key) == expected
        assert (va < vb) is (expected < 0)
    else:
        assert (va.sort_key == vb.sort_key) is (va.build == vb.build)


@given(semvers())
def test_versions_differing_only_by_build_have_different_keys(text: str) -> None:
    version = Version.parse(text)
    other = Version(version.major, version.minor, version.patch, version.prerelease, ("zz", "9"))
    assume(other.build != version.build)
    assert _reference_compare(str(version), str(other)) == 0
    assert version.sort_key != other.sort_key

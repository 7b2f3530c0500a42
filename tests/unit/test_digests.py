from __future__ import annotations

import hashlib
import itertools

import pytest

from spoke.domain.digests import manifest_digest, sha256_hex

ENTRIES = [
    ("b/b.proto", sha256_hex(b"message B {}")),
    ("a.proto", sha256_hex(b"message A {}")),
    ("README.md", sha256_hex(b"# docs")),
    ("ünï/c.proto", sha256_hex(b"message C {}")),
]


@pytest.mark.parametrize("data", [b"", b"a", b'syntax = "proto3";\n', bytes(range(256)) * 40])
def test_sha256_hex_matches_hashlib(data: bytes) -> None:
    assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
    assert len(sha256_hex(data)) == 64


def test_sha256_hex_of_empty_input_is_the_known_value() -> None:
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_manifest_digest_is_order_independent() -> None:
    digests = {manifest_digest(perm) for perm in itertools.permutations(ENTRIES)}
    assert len(digests) == 1


def test_manifest_digest_accepts_any_iterable() -> None:
    assert manifest_digest(iter(ENTRIES)) == manifest_digest(list(ENTRIES))


def test_manifest_digest_has_sha256_prefix_and_hex_body() -> None:
    digest = manifest_digest(ENTRIES)
    prefix, _, body = digest.partition(":")
    assert prefix == "sha256"
    assert len(body) == 64
    int(body, 16)


def test_manifest_digest_matches_sha256sum_format_sorted_by_path() -> None:
    manifest = (
        "".join(
            f"{sha}  {path}\n"
            for path, sha in sorted(ENTRIES, key=lambda entry: entry[0].encode("utf-8"))
        )
    ).encode("utf-8")
    assert manifest_digest(ENTRIES) == "sha256:" + hashlib.sha256(manifest).hexdigest()


def test_manifest_digest_of_nothing_is_digest_of_empty_manifest() -> None:
    assert manifest_digest([]) == "sha256:" + hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize("index", range(len(ENTRIES)))
def test_manifest_digest_changes_when_content_changes(index: int) -> None:
    changed = list(ENTRIES)
    path, _ = changed[index]
    changed[index] = (path, sha256_hex(b"something else"))
    assert manifest_digest(changed) != manifest_digest(ENTRIES)


@pytest.mark.parametrize("index", range(len(ENTRIES)))
def test_manifest_digest_changes_when_a_path_changes(index: int) -> None:
    changed = list(ENTRIES)
    path, sha = changed[index]
    changed[index] = ("renamed/" + path, sha)
    assert manifest_digest(changed) != manifest_digest(ENTRIES)


def test_manifest_digest_changes_when_a_file_is_added_or_removed() -> None:
    base = manifest_digest(ENTRIES)
    assert manifest_digest(ENTRIES[:-1]) != base
    assert manifest_digest([*ENTRIES, ("z.proto", sha256_hex(b"z"))]) != base


def test_swapping_contents_between_paths_changes_digest() -> None:
    (p1, s1), (p2, s2) = ENTRIES[0], ENTRIES[1]
    swapped = [(p1, s2), (p2, s1), *ENTRIES[2:]]
    assert manifest_digest(swapped) != manifest_digest(ENTRIES)

"""The ``MetadataStore`` contract, version ordering: ``latest_version`` and ``list_versions``."""

from __future__ import annotations

import pytest

from spoke.domain.errors import ModuleNotFound, VersionNotFound
from spoke.storage.metadata import MetadataStore

from .builders import new_version

# Highest precedence first (semver 2.0.0, section 11); build metadata breaks ties by text.
DESCENDING = [
    "v2.0.0",
    "v1.10.0",
    "v1.9.0",
    "v1.0.0+b.2",
    "v1.0.0+b.1",
    "v1.0.0",
    "v1.0.0-rc.1",
    "v1.0.0-beta.11",
    "v1.0.0-beta.2",
    "v1.0.0-beta",
    "v1.0.0-alpha.beta",
    "v1.0.0-alpha.1",
    "v1.0.0-alpha",
    "v0.10.0",
    "v0.9.9",
]


async def store_versions(store: MetadataStore, module: str, *versions: str) -> None:
    for version in versions:
        await store.create_version(new_version(module, version))


async def test_list_versions_in_descending_precedence(metadata_store: MetadataStore) -> None:
    scrambled = DESCENDING[1::2] + DESCENDING[::-2]
    assert sorted(scrambled) == sorted(DESCENDING)
    await store_versions(metadata_store, "acme.pay", *scrambled)
    await store_versions(metadata_store, "acme.other", "v9.0.0", "v0.0.1")

    listed = await metadata_store.list_versions("acme.pay")

    assert [v.version for v in listed] == DESCENDING
    assert {v.module for v in listed} == {"acme.pay"}


async def test_list_versions_pages_without_gaps_or_repeats(metadata_store: MetadataStore) -> None:
    expected = [f"v1.{minor}.0" for minor in range(24, 0, -1)] + ["v1.0.0-rc.1"]
    assert len(expected) == 25
    await store_versions(metadata_store, "acme.pay", *reversed(expected))

    seen: list[str] = []
    sizes: list[int] = []
    after: str | None = None
    for _ in range(10):
        page = await metadata_store.list_versions("acme.pay", after=after, limit=7)
        if not page:
            break
        sizes.append(len(page))
        seen += [v.version for v in page]
        after = page[-1].version
    else:
        pytest.fail("pagination did not end")

    assert sizes == [7, 7, 7, 4]
    assert seen == expected


async def test_list_versions_after_a_prerelease(metadata_store: MetadataStore) -> None:
    await store_versions(metadata_store, "acme.pay", *DESCENDING)

    page = await metadata_store.list_versions("acme.pay", after="v1.0.0-beta.2", limit=2)

    assert [v.version for v in page] == ["v1.0.0-beta", "v1.0.0-alpha.beta"]


async def test_list_versions_of_empty_and_missing_modules(metadata_store: MetadataStore) -> None:
    await metadata_store.create_module("acme.empty", "")

    assert await metadata_store.list_versions("acme.empty") == []
    with pytest.raises(ModuleNotFound):
        await metadata_store.list_versions("acme.missing")


@pytest.mark.parametrize(
    ("versions", "latest"),
    [
        (["v1.0.0"], "v1.0.0"),
        (["v1.0.0", "v1.1.0", "v1.0.5"], "v1.1.0"),
        (["v1.9.0", "v1.10.0", "v1.2.0"], "v1.10.0"),
        (["v0.9.0", "v0.10.0"], "v0.10.0"),
        (["v1.0.0", "v2.0.0-rc.1", "v3.0.0-alpha"], "v1.0.0"),
        (["v2.0.0-rc.1", "v1.0.0", "v1.0.1-beta"], "v1.0.0"),
        (["v1.0.0-alpha", "v1.0.0-beta", "v1.0.0-alpha.1"], "v1.0.0-beta"),
        (["v1.0.0-beta.2", "v1.0.0-beta.11"], "v1.0.0-beta.11"),
        (["v1.0.0-rc.1", "v0.9.0-rc.9"], "v1.0.0-rc.1"),
        (["v1.0.0-rc.1", "v1.0.0"], "v1.0.0"),
    ],
)
async def test_latest_version(
    metadata_store: MetadataStore, versions: list[str], latest: str
) -> None:
    await store_versions(metadata_store, "acme.pay", *versions)
    await store_versions(metadata_store, "acme.other", "v99.0.0")

    assert await metadata_store.latest_version("acme.pay") == latest


async def test_latest_version_of_module_without_versions(metadata_store: MetadataStore) -> None:
    await metadata_store.create_module("acme.empty", "")

    with pytest.raises(VersionNotFound) as caught:
        await metadata_store.latest_version("acme.empty")
    assert caught.value.details == {"module": "acme.empty", "version": "latest"}


async def test_latest_version_of_missing_module(metadata_store: MetadataStore) -> None:
    with pytest.raises(ModuleNotFound):
        await metadata_store.latest_version("acme.missing")

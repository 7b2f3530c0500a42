"""Published SDK packages never change: the first object stored under a release is the
one served, by this process and by any other."""

from __future__ import annotations

from datetime import UTC, datetime

from spoke.domain.models import Dependency, ModuleVersion, Source
from spoke.services.sdk.store import PackageStore, release_prefix
from spoke.storage.blobs.objects import ObjectBlobStore


def _version(digest: str, deps: tuple[Dependency, ...] = ()) -> ModuleVersion:
    return ModuleVersion(
        module="acme.greet",
        version="v1.0.0",
        digest=digest,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        files=(),
        dependencies=deps,
        source=Source(),
    )


def test_a_release_is_what_the_version_holds() -> None:
    first = release_prefix("python", _version("sha256:aa"))
    assert first.startswith("sdk/python/acme.greet/v1.0.0/") and first.endswith("/")
    assert release_prefix("python", _version("sha256:aa")) == first
    # Deleted for good and pushed again with other content or other pins: a new release.
    assert release_prefix("python", _version("sha256:bb")) != first
    pinned = _version("sha256:aa", (Dependency("acme.common", "v1.0.0"),))
    assert release_prefix("python", pinned) != first
    assert release_prefix("npm", _version("sha256:aa")) != first


async def test_the_first_build_stays_published() -> None:
    blobs = ObjectBlobStore.memory()
    prefix = release_prefix("python", _version("sha256:aa"))
    store = PackageStore(blobs)
    assert await store.find(prefix) is None
    first = await store.publish(prefix, "acme_greet-1.0.0-py3-none-any.whl", b"first build")
    assert await store.read(first) == b"first build"
    # A later build (another toolchain, another instance) loses, here and elsewhere.
    later = await store.publish(prefix, "acme_greet-1.0.0-py3-none-any.whl", b"second build")
    assert later == first
    elsewhere = PackageStore(blobs)
    assert await elsewhere.find(prefix) == first
    assert b"".join([chunk async for chunk in elsewhere.stream(first)]) == b"first build"

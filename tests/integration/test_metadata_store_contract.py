"""The ``MetadataStore`` contract: every backend in ``conftest.METADATA_BACKENDS`` must pass it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from spoke.domain.errors import ModuleExists, ModuleNotFound, VersionNotFound
from spoke.domain.models import Dependency, FileEntry, ModuleVersion, Source
from spoke.storage.metadata import MetadataStore, MetadataUnavailable, VersionExists

from .builders import new_version, sha


def assert_recent(moment: datetime) -> None:
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=5)


async def test_migrate_is_idempotent(metadata_store: MetadataStore) -> None:
    migrate = getattr(metadata_store, "migrate", None)
    if migrate is None:
        pytest.skip("this backend has no migrations")
    await metadata_store.create_version(new_version("acme.pay", "v1.0.0"))

    await migrate()
    await migrate()

    assert (await metadata_store.get_version("acme.pay", "v1.0.0")).version == "v1.0.0"
    await metadata_store.ping()


async def test_ping(metadata_store: MetadataStore) -> None:
    await metadata_store.ping()


# modules


async def test_create_then_get_module(metadata_store: MetadataStore) -> None:
    created = await metadata_store.create_module("acme.pay", "Payments")

    got = await metadata_store.get_module("acme.pay")

    assert got == created
    assert (got.name, got.description) == ("acme.pay", "Payments")
    assert got.created_at == got.updated_at
    assert_recent(got.created_at)


async def test_create_module_twice_raises_module_exists(metadata_store: MetadataStore) -> None:
    await metadata_store.create_module("acme.pay", "first")

    with pytest.raises(ModuleExists):
        await metadata_store.create_module("acme.pay", "second")
    assert (await metadata_store.get_module("acme.pay")).description == "first"


async def test_get_missing_module_raises(metadata_store: MetadataStore) -> None:
    with pytest.raises(ModuleNotFound):
        await metadata_store.get_module("acme.missing")


async def test_update_module(metadata_store: MetadataStore) -> None:
    created = await metadata_store.create_module("acme.pay", "old")

    updated = await metadata_store.update_module("acme.pay", description="new")

    assert updated.description == "new"
    assert updated.created_at == created.created_at
    assert updated.updated_at > created.updated_at
    assert await metadata_store.get_module("acme.pay") == updated


async def test_update_missing_module_raises(metadata_store: MetadataStore) -> None:
    with pytest.raises(ModuleNotFound):
        await metadata_store.update_module("acme.missing", description="x")
    with pytest.raises(ModuleNotFound):
        await metadata_store.get_module("acme.missing")


# Byte (code point) order: '-' < '.' < digits < '_' < letters. A collation that ignores
# punctuation would order these differently, and break keyset pagination.
MODULE_NAMES = ["a-b", "a.b", "a.c", "a0", "a_", "a_b", "ab", "abc", "acme.pay", "b", "z.z"]


async def test_list_modules_in_name_order(metadata_store: MetadataStore) -> None:
    for name in reversed(MODULE_NAMES):
        await metadata_store.create_module(name, "")

    listed = [m.name for m in await metadata_store.list_modules()]

    assert listed == sorted(MODULE_NAMES)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("a_", ["a_", "a_b"]),  # '_' is literal, not LIKE's any-character
        ("a.", ["a.b", "a.c"]),
        ("a-", ["a-b"]),
        ("ab", ["ab", "abc"]),
        ("acme.", ["acme.pay"]),
        ("a%", []),  # '%' is literal, not LIKE's any-string
        ("q", []),
        ("", MODULE_NAMES),
    ],
)
async def test_list_modules_prefix(
    metadata_store: MetadataStore, prefix: str, expected: list[str]
) -> None:
    for name in MODULE_NAMES:
        await metadata_store.create_module(name, "")

    listed = [m.name for m in await metadata_store.list_modules(prefix=prefix)]

    assert listed == expected


@pytest.mark.parametrize("limit", [1, 3, 4, 100])
async def test_list_modules_pages_visit_every_module_once(
    metadata_store: MetadataStore, limit: int
) -> None:
    for name in MODULE_NAMES:
        await metadata_store.create_module(name, "")

    seen: list[str] = []
    after: str | None = None
    for _ in range(len(MODULE_NAMES) + 2):
        page = await metadata_store.list_modules(after=after, limit=limit)
        assert len(page) <= limit
        if not page:
            break
        seen += [m.name for m in page]
        after = page[-1].name
    else:
        pytest.fail("pagination did not end")

    assert seen == sorted(MODULE_NAMES)


async def test_list_modules_prefix_and_pages(metadata_store: MetadataStore) -> None:
    for name in MODULE_NAMES:
        await metadata_store.create_module(name, "")

    first = await metadata_store.list_modules(prefix="a", limit=2)
    second = await metadata_store.list_modules(prefix="a", after=first[-1].name, limit=100)

    assert [m.name for m in first + second] == [n for n in MODULE_NAMES if n.startswith("a")]


# versions

FILES = (
    FileEntry("b/z.proto", sha("bz"), 20),
    FileEntry("README.md", sha("readme"), 7),
    FileEntry("a.proto", sha("a"), 10),
    FileEntry("a_b.proto", sha("ab"), 11),
    FileEntry("b.proto", sha("b"), 12),
    FileEntry("a/b.proto", sha("a/b"), 13),
)
SOURCE = Source(repository="https://git.example.com/acme/pay", commit="0" * 40, branch="main")


async def test_create_version_creates_module_and_round_trips(
    metadata_store: MetadataStore,
) -> None:
    await metadata_store.create_version(new_version("acme.common", "v1.0.0"))
    await metadata_store.create_version(new_version("acme.base", "v2.1.0-rc.1"))
    new = new_version(
        "acme.pay",
        "v1.2.3+b.1",
        files=FILES,
        dependencies=(Dependency("acme.common", "v1.0.0"), Dependency("acme.base", "v2.1.0-rc.1")),
        source=SOURCE,
        description="Payments",
    )

    created = await metadata_store.create_version(new)
    got = await metadata_store.get_version("acme.pay", "v1.2.3+b.1")

    assert (got.module, got.version, got.digest) == ("acme.pay", "v1.2.3+b.1", new.digest)
    assert [f.path for f in got.files] == sorted(f.path for f in FILES)
    assert set(got.files) == set(FILES)
    assert set(got.dependencies) == set(new.dependencies)
    assert got.source == SOURCE
    assert got.created_at == created.created_at
    assert_recent(got.created_at)
    module = await metadata_store.get_module("acme.pay")
    assert module.description == "Payments"
    summary = (await metadata_store.list_versions("acme.pay"))[0]
    assert (summary.version, summary.digest, summary.file_count) == (
        "v1.2.3+b.1",
        new.digest,
        len(FILES),
    )
    assert summary.created_at == got.created_at


async def test_create_version_without_files_or_source(metadata_store: MetadataStore) -> None:
    await metadata_store.create_version(new_version("acme.pay", "v1.0.0", files=()))

    got = await metadata_store.get_version("acme.pay", "v1.0.0")

    assert (got.files, got.dependencies, got.source) == ((), (), Source())


async def test_create_version_keeps_existing_module(metadata_store: MetadataStore) -> None:
    created = await metadata_store.create_module("acme.pay", "kept")

    await metadata_store.create_version(new_version("acme.pay", "v1.0.0", description="other"))

    assert await metadata_store.get_module("acme.pay") == created


async def test_get_missing_version_raises(metadata_store: MetadataStore) -> None:
    with pytest.raises(VersionNotFound):
        await metadata_store.get_version("acme.pay", "v1.0.0")
    await metadata_store.create_version(new_version("acme.pay", "v1.0.0"))
    with pytest.raises(VersionNotFound):
        await metadata_store.get_version("acme.pay", "v1.0.1")
    with pytest.raises(VersionNotFound):
        await metadata_store.get_version("acme.pay", "v1.0.0+b.1")


async def test_create_existing_version_raises_with_the_stored_one(
    metadata_store: MetadataStore,
) -> None:
    stored = await metadata_store.create_version(new_version("acme.pay", "v1.0.0", files=FILES))
    again = new_version("acme.pay", "v1.0.0", files=(), digest="sha256:" + "f" * 64)

    with pytest.raises(VersionExists) as caught:
        await metadata_store.create_version(again)

    existing: ModuleVersion = caught.value.existing
    assert existing == await metadata_store.get_version("acme.pay", "v1.0.0")
    assert existing.digest == stored.digest
    assert set(existing.files) == set(FILES)
    assert existing.created_at == stored.created_at


@pytest.mark.parametrize("module_is_new", [True, False])
async def test_missing_dependency_rolls_everything_back(
    metadata_store: MetadataStore, module_is_new: bool
) -> None:
    await metadata_store.create_version(new_version("acme.common", "v1.0.0"))
    if not module_is_new:
        await metadata_store.create_module("acme.pay", "")
    deps = (Dependency("acme.common", "v1.0.0"), Dependency("acme.common", "v9.9.9"))

    with pytest.raises(VersionNotFound) as caught:
        await metadata_store.create_version(new_version("acme.pay", "v1.0.0", dependencies=deps))

    assert caught.value.details == {"module": "acme.common", "version": "v9.9.9"}
    with pytest.raises(VersionNotFound):
        await metadata_store.get_version("acme.pay", "v1.0.0")
    if module_is_new:
        with pytest.raises(ModuleNotFound):
            await metadata_store.get_module("acme.pay")
        assert [m.name for m in await metadata_store.list_modules()] == ["acme.common"]
    else:
        assert await metadata_store.list_versions("acme.pay") == []
    # Nothing half-written blocks a later, valid push of the same version.
    fixed = new_version("acme.pay", "v1.0.0", dependencies=deps[:1])
    await metadata_store.create_version(fixed)
    assert (await metadata_store.get_version("acme.pay", "v1.0.0")).dependencies == deps[:1]


async def test_a_failing_file_row_rolls_everything_back(metadata_store: MetadataStore) -> None:
    # The files go in as one multi-row INSERT: a row that fails (two entries for one
    # path) fails the whole transaction, the version and the new module with it.
    await metadata_store.create_version(new_version("acme.common", "v1.0.0"))
    clash = (FileEntry("a.proto", sha("a"), 1), FileEntry("a.proto", sha("b"), 1))
    deps = (Dependency("acme.common", "v1.0.0"),)

    with pytest.raises(MetadataUnavailable):
        await metadata_store.create_version(
            new_version("acme.pay", "v1.0.0", files=clash, dependencies=deps)
        )

    assert await metadata_store.find_version("acme.pay", "v1.0.0") is None
    with pytest.raises(ModuleNotFound):
        await metadata_store.get_module("acme.pay")
    await metadata_store.create_version(new_version("acme.pay", "v1.0.0", dependencies=deps))
    assert (await metadata_store.get_version("acme.pay", "v1.0.0")).dependencies == deps


async def test_create_version_with_thousands_of_files(metadata_store: MetadataStore) -> None:
    # More rows than one multi-row INSERT takes (and than SQLite's bound parameters).
    many = tuple(FileEntry(f"f{i:05}.proto", sha(str(i)), i) for i in range(7_000))

    await metadata_store.create_version(new_version("acme.big", "v1.0.0", files=many))

    assert (await metadata_store.get_version("acme.big", "v1.0.0")).files == many


async def test_concurrent_creates_of_one_version_have_one_winner(
    metadata_store: MetadataStore,
) -> None:
    attempts = [new_version("acme.pay", "v1.0.0", digest=f"sha256:{sha(str(i))}") for i in range(8)]

    results = await asyncio.gather(
        *(metadata_store.create_version(a) for a in attempts), return_exceptions=True
    )

    winners = [r for r in results if isinstance(r, ModuleVersion)]
    losers = [r for r in results if not isinstance(r, ModuleVersion)]
    assert len(winners) == 1, results
    assert all(isinstance(r, VersionExists) for r in losers), results
    stored = await metadata_store.get_version("acme.pay", "v1.0.0")
    assert stored.digest == winners[0].digest
    assert all(r.existing == stored for r in losers if isinstance(r, VersionExists))
    assert [m.name for m in await metadata_store.list_modules()] == ["acme.pay"]


async def test_create_version_resolves_every_pin_at_once(metadata_store: MetadataStore) -> None:
    pins = tuple(Dependency(f"acme.dep{i}", f"v1.{i}.0") for i in range(6))
    for pin in reversed(pins):
        await metadata_store.create_version(new_version(pin.module, pin.version))
    await metadata_store.create_version(new_version("acme.dep0", "v2.0.0"))  # not pinned

    await metadata_store.create_version(new_version("acme.pay", "v1.0.0", dependencies=pins))

    got = await metadata_store.get_version("acme.pay", "v1.0.0")
    assert got.dependencies == pins  # by module name, each pinned to its own version


async def test_create_version_with_a_deleted_pin_names_it(metadata_store: MetadataStore) -> None:
    await metadata_store.create_version(new_version("acme.common", "v1.0.0"))
    await metadata_store.create_version(new_version("acme.common", "v1.1.0"))
    await metadata_store.delete_version("acme.common", "v1.0.0", permanent=False)
    deps = (Dependency("acme.common", "v1.0.0"),)

    with pytest.raises(VersionNotFound) as caught:
        await metadata_store.create_version(new_version("acme.pay", "v1.0.0", dependencies=deps))

    assert caught.value.details == {"module": "acme.common", "version": "v1.0.0"}
    assert await metadata_store.find_version("acme.pay", "v1.0.0") is None


async def test_find_version(metadata_store: MetadataStore) -> None:
    assert await metadata_store.find_version("acme.pay", "v1.0.0") is None  # no module
    await metadata_store.create_version(new_version("acme.pay", "v1.0.0", files=FILES))
    await metadata_store.create_version(new_version("acme.pay", "v1.1.0"))

    found = await metadata_store.find_version("acme.pay", "v1.0.0")

    assert found == await metadata_store.get_version("acme.pay", "v1.0.0")
    assert found is not None and set(found.files) == set(FILES)
    assert await metadata_store.find_version("acme.pay", "v1.0.1") is None
    assert await metadata_store.find_version("acme.pay", "v1.0.0+b.1") is None
    # A push asks the primary straight away; the answers are the same.
    assert await metadata_store.find_version("acme.pay", "v1.0.0", current=True) == found
    assert await metadata_store.find_version("acme.pay", "v1.0.1", current=True) is None
    await metadata_store.delete_version("acme.pay", "v1.0.0", permanent=False)
    assert await metadata_store.find_version("acme.pay", "v1.0.0") is None
    await metadata_store.delete_module("acme.pay", permanent=False)
    assert await metadata_store.find_version("acme.pay", "v1.1.0") is None


# Stored out of order; the store answers in semver precedence (build metadata by text).
STORED = ["v1.0.0", "v0.9.0", "v1.0.0-rc.1", "v2.0.0", "v1.0.0+b.2", "v1.10.0", "v1.9.0"]


@pytest.mark.parametrize(
    ("version", "previous"),
    [
        ("v2.0.0", "v1.10.0"),  # stored: the one below
        ("v1.10.0", "v1.9.0"),  # numeric, not text, order
        ("v1.9.0", "v1.0.0+b.2"),
        ("v1.0.0+b.2", "v1.0.0"),
        ("v1.0.0", "v1.0.0-rc.1"),  # prereleases count
        ("v1.0.0-rc.1", "v0.9.0"),
        ("v0.9.0", None),  # the lowest
        ("v3.0.0", "v2.0.0"),  # not stored: the highest below it
        ("v1.0.0-alpha", "v0.9.0"),
        ("v0.1.0", None),
    ],
)
async def test_previous_version(
    metadata_store: MetadataStore, version: str, previous: str | None
) -> None:
    for stored in STORED:
        await metadata_store.create_version(new_version("acme.pay", stored))
    await metadata_store.create_version(new_version("acme.other", "v1.5.0"))

    assert await metadata_store.previous_version("acme.pay", version) == previous


async def test_previous_version_skips_deleted_and_missing(metadata_store: MetadataStore) -> None:
    assert await metadata_store.previous_version("acme.pay", "v1.0.0") is None  # no module
    for stored in ("v1.0.0", "v1.1.0", "v1.2.0"):
        await metadata_store.create_version(new_version("acme.pay", stored))

    await metadata_store.delete_version("acme.pay", "v1.1.0", permanent=False)
    assert await metadata_store.previous_version("acme.pay", "v1.2.0") == "v1.0.0"
    await metadata_store.delete_module("acme.pay", permanent=False)
    assert await metadata_store.previous_version("acme.pay", "v1.2.0") is None
    await metadata_store.restore_module("acme.pay")
    assert await metadata_store.previous_version("acme.pay", "v1.2.0") == "v1.0.0"


async def test_version_names(metadata_store: MetadataStore) -> None:
    assert await metadata_store.version_names("acme.pay") == []  # no module
    await metadata_store.create_module("acme.pay", "")
    assert await metadata_store.version_names("acme.pay") == []  # no versions
    for stored in STORED:
        await metadata_store.create_version(new_version("acme.pay", stored))
    await metadata_store.create_version(new_version("acme.other", "v1.5.0"))
    await metadata_store.delete_version("acme.pay", "v1.9.0", permanent=False)

    names = await metadata_store.version_names("acme.pay")

    assert names == ["v2.0.0", "v1.10.0", "v1.0.0+b.2", "v1.0.0", "v1.0.0-rc.1", "v0.9.0"]
    await metadata_store.delete_module("acme.pay", permanent=False)
    assert await metadata_store.version_names("acme.pay") == []  # soft-deleted
    await metadata_store.restore_module("acme.pay")
    assert await metadata_store.version_names("acme.pay") == names

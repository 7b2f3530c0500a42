"""The ``SearchIndex`` contract on SQLite (FTS5) and PostgreSQL (tsvector + GIN): what a
query finds, in which order, in which versions and modules, and what deletion does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from spoke.domain.symbols import Kind, Symbol
from spoke.storage.factory import open_database
from spoke.storage.metadata.sql import SqlMetadataStore
from spoke.storage.search import SearchQuery
from spoke.storage.search.sql import SqlSearchIndex
from spoke.storage.sql import Database
from tests.production import isolated_settings

from .builders import new_version


@dataclass
class Stores:
    metadata: SqlMetadataStore
    search: SqlSearchIndex


@pytest.fixture(params=["sqlite", "postgres"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "sqlite":
        database = Database.sqlite(tmp_path / "spoke.db")
    else:
        database = open_database(
            await isolated_settings(request.getfixturevalue("stack"), tmp_path)
        )
    metadata = SqlMetadataStore(database)  # closes the database
    try:
        await metadata.migrate()
        yield Stores(metadata, SqlSearchIndex(database))
    finally:
        await metadata.close()


def sym(kind: Kind, full_name: str, comment: str = "", line: int = 1) -> Symbol:
    return Symbol(kind, full_name, "google/type/x.proto", line, comment)


GEO = [
    sym(Kind.MODULE, "google.geo", "Geographic types."),
    sym(Kind.PACKAGE, "google.type"),
    sym(
        Kind.MESSAGE,
        "google.type.LatLng",
        "An object that represents a latitude/longitude pair.",
        5,
    ),
    sym(Kind.FIELD, "google.type.LatLng.latitude", "The latitude in degrees.", 7),
    sym(Kind.MESSAGE, "google.type.Date", "Represents a whole or partial calendar date.", 20),
    sym(Kind.FIELD, "google.type.Date.year", "Year of the date.", 22),
    sym(Kind.ENUM, "google.type.DayOfWeek", "Represents a day of the week.", 30),
    sym(Kind.ENUM_VALUE, "google.type.DayOfWeek.MONDAY", "Monday", 31),
]


async def push(
    stores: Stores, module: str, version: str, symbols: list[Symbol], *, public: bool = True
) -> None:
    await stores.metadata.create_version(new_version(module, version))
    if not public:
        await stores.metadata.update_module(module, public=False)
    assert await stores.search.replace(module, version, symbols)


async def names(stores: Stores, *terms: str, **filters: object) -> list[str]:
    hits = await stores.search.search(SearchQuery(terms=list(terms), **filters))  # type: ignore[arg-type]
    return [hit.full_name for hit in hits]


async def test_finds_by_whole_name_camel_parts_and_comment(stores: Stores) -> None:
    await push(stores, "google.geo", "v1.0.0", GEO)
    assert (await names(stores, "latlng"))[0] == "google.type.LatLng"
    assert "google.type.LatLng" in await names(stores, "lat", "lng")
    assert await names(stores, "calendar") == ["google.type.Date"]
    # prefixes of words
    assert "google.type.DayOfWeek" in await names(stores, "dayof")
    assert await names(stores, "nothinglikethis") == []
    [hit] = await stores.search.search(SearchQuery(terms=["latitude"], kind=Kind.FIELD))
    assert (hit.module, hit.version, hit.file, hit.line) == (
        "google.geo",
        "v1.0.0",
        "google/type/x.proto",
        7,
    )
    assert hit.comment == "The latitude in degrees."
    assert hit.kind is Kind.FIELD and hit.public


async def test_an_element_named_by_the_query_comes_first(stores: Stores) -> None:
    await push(stores, "google.geo", "v1.0.0", GEO)
    found = await names(stores, "date")
    assert found[0] == "google.type.Date"
    assert "google.type.Date.year" in found


async def test_latest_version_by_default_or_the_one_asked(stores: Stores) -> None:
    await push(stores, "acme.pay", "v1.0.0", [sym(Kind.MESSAGE, "acme.Old")])
    await push(stores, "acme.pay", "v1.1.0", [sym(Kind.MESSAGE, "acme.Payment")])
    # A prerelease above the release is not the latest.
    await push(stores, "acme.pay", "v2.0.0-rc.1", [sym(Kind.MESSAGE, "acme.Payment2")])
    assert await names(stores, "acme") == ["acme.Payment"]
    assert await names(stores, "acme", version="v1.0.0") == ["acme.Old"]
    assert await names(stores, "acme", version="v2.0.0-rc.1") == ["acme.Payment2"]


async def test_filters_kind_module_and_private(stores: Stores) -> None:
    await push(stores, "google.geo", "v1.0.0", GEO)
    await push(stores, "acme.secret", "v1.0.0", [sym(Kind.MESSAGE, "acme.Date")], public=False)
    assert set(await names(stores, "date")) >= {"google.type.Date", "acme.Date"}
    assert "acme.Date" not in await names(stores, "date", public_only=True)
    assert await names(stores, "date", module="acme.secret") == ["acme.Date"]
    assert set(await names(stores, "date", kind=Kind.FIELD)) == {"google.type.Date.year"}


async def test_pages_by_offset(stores: Stores) -> None:
    many = [sym(Kind.FIELD, f"acme.M.field_{n:02}") for n in range(25)]
    await push(stores, "acme.many", "v1.0.0", many)
    first = await names(stores, "field", limit=10)
    second = await names(stores, "field", limit=10, offset=10)
    rest = await names(stores, "field", limit=10, offset=20)
    assert len(first) == len(second) == 10 and len(rest) == 5
    assert sorted(first + second + rest) == sorted(s.full_name for s in many)


async def test_replace_deletion_and_unindexed(stores: Stores) -> None:
    await stores.metadata.create_version(new_version("acme.pay", "v1.0.0"))
    await stores.metadata.create_version(new_version("acme.pay", "v1.1.0"))
    assert await stores.search.unindexed() == [("acme.pay", "v1.1.0"), ("acme.pay", "v1.0.0")]
    assert await stores.search.replace("acme.pay", "v1.1.0", [sym(Kind.MESSAGE, "acme.A")])
    assert await stores.search.replace("acme.pay", "v1.1.0", [sym(Kind.MESSAGE, "acme.B")])
    assert await names(stores, "acme") == ["acme.B"]  # replaced, not added
    assert await stores.search.unindexed() == [("acme.pay", "v1.0.0")]
    assert not await stores.search.replace("acme.pay", "v9.0.0", [sym(Kind.MESSAGE, "acme.C")])
    # A permanently deleted version takes its entries along (the FTS rows too).
    await stores.metadata.delete_version("acme.pay", "v1.1.0", permanent=True)
    assert await names(stores, "acme", version="v1.1.0") == []
    assert await stores.search.replace("acme.pay", "v1.0.0", [sym(Kind.MESSAGE, "acme.Old")])
    assert await names(stores, "acme") == ["acme.Old"]
    # A soft-deleted module is not found.
    await stores.metadata.delete_module("acme.pay", permanent=False)
    assert await names(stores, "acme") == []


async def test_terms_are_only_words(stores: Stores) -> None:
    # The adapter gets words from domain.symbols.query_terms; characters of either
    # engine's query syntax never reach it, but a term that is a keyword must still work.
    await push(stores, "acme.ops", "v1.0.0", [sym(Kind.MESSAGE, "acme.AND", "or not near")])
    assert await names(stores, "and") == ["acme.AND"]
    assert await names(stores, "or", "not", "near") == ["acme.AND"]


async def test_a_sqlite_dump_restores_the_index(tmp_path: Path) -> None:
    from spoke.storage.metadata.dumps import SqliteDumps

    database = Database.sqlite(tmp_path / "a.db")
    stores = Stores(SqlMetadataStore(database), SqlSearchIndex(database))
    try:
        await stores.metadata.migrate()
        await push(stores, "google.geo", "v1.0.0", GEO)
        sql, _ = await SqliteDumps(database, tmp_path / "a.db").dump()
    finally:
        await stores.metadata.close()
    restored = Database.sqlite(tmp_path / "b.db")
    try:
        await SqliteDumps(restored, tmp_path / "b.db").load(sql)
        again = Stores(SqlMetadataStore(restored), SqlSearchIndex(restored))
        assert (await names(again, "latlng"))[0] == "google.type.LatLng"
        # and the triggers are back: a new version is indexed as before
        await push(again, "google.geo", "v1.1.0", [sym(Kind.MESSAGE, "google.type.Money")])
        assert await names(again, "money") == ["google.type.Money"]
    finally:
        await restored.close()
